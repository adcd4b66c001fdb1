// Splits a text into bodies that the provider will not truncate; joined in order they give back the text, and no
// body ends inside a character as people see it (a grapheme cluster: e + U+0301, a flag, a ZWJ emoji sequence).
import { fitsIn } from "./smsParts.ts"

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" })

/**
 * The text as units that are never cut: its grapheme clusters. A cluster that alone would not fit in one body
 * (hundreds of combining marks on one letter) is the only thing cut, between its code points.
 */
const units = (text: string, maxParts: number): Array<string> =>
  Array.from(graphemes.segment(text), ({ segment }) => segment).flatMap((g) => fitsIn(g, maxParts) ? [g] : Array.from(g))

/** Longest prefix (in units) of `units` that fits; fitting only gets harder as the prefix grows. */
const longestFit = (chars: ReadonlyArray<string>, maxParts: number): number => {
  let lo = 1
  let hi = chars.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (fitsIn(chars.slice(0, mid).join(""), maxParts)) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * Cut after the last whitespace of the prefix, so words stay whole; but never leave a message less than half
 * full for it (that would cost an extra SMS): a word too long for that is cut hard, between graphemes.
 */
const wordBoundary = (chars: ReadonlyArray<string>, end: number): number => {
  for (let i = end - 1; i >= Math.floor(end / 2); i--) if (/\s/.test(chars[i]!)) return i + 1
  return end
}

export const splitText = (text: string, maxParts: number): Array<string> => {
  if (fitsIn(text, maxParts)) return [text]
  const chunks: Array<string> = []
  let rest = units(text, maxParts)
  while (rest.length > 0) {
    const whole = rest.join("")
    if (fitsIn(whole, maxParts)) {
      chunks.push(whole)
      break
    }
    const cut = wordBoundary(rest, longestFit(rest, maxParts))
    chunks.push(rest.slice(0, cut).join(""))
    rest = rest.slice(cut)
  }
  return chunks
}
