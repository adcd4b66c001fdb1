// SMS part counting and splitting: both sides of every documented limit, and nothing ever lost.
import { describe, expect, it } from "@effect/vitest"
import { countParts, encodingOf } from "../src/translate/smsParts.ts"
import { splitText } from "../src/translate/splitText.ts"

describe("countParts", () => {
  it.each([
    ["a".repeat(160), "GSM-7", 1],
    ["a".repeat(161), "GSM-7", 2],
    ["a".repeat(306), "GSM-7", 2],
    ["a".repeat(307), "GSM-7", 3],
    ["a".repeat(918), "GSM-7", 6],
    ["a".repeat(919), "GSM-7", 7],
    ["€".repeat(80), "GSM-7", 1], // an extension character takes two septets
    ["€".repeat(81), "GSM-7", 2],
    ["é".repeat(160), "GSM-7", 1], // in the GSM-7 basic set
    ["ж".repeat(70), "UCS-2", 1],
    ["ж".repeat(71), "UCS-2", 2],
    ["ж".repeat(402), "UCS-2", 6],
    ["ж".repeat(403), "UCS-2", 7],
    ["a".repeat(159) + "😀", "UCS-2", 3], // one emoji switches the whole message, and counts two units
    ["a".repeat(66) + "😀" + "a".repeat(66), "UCS-2", 3] // a surrogate pair never straddles two parts (134 units, yet 3 parts)
  ])("%#: %s.length chars -> %s, %d parts", (text, encoding, parts) => {
    expect(countParts(text)).toEqual({ encoding, parts })
  })

  it("curly quotes force UCS-2, straight ones do not", () => {
    expect(encodingOf("it's \"fine\"")).toBe("GSM-7")
    expect(encodingOf("it’s “fine”")).toBe("UCS-2")
  })
})

describe("splitText", () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ")

  it("keeps a text that fits as one body, on both sides of the limit", () => {
    expect(splitText("a".repeat(918), 6)).toEqual(["a".repeat(918)])
    expect(splitText("a".repeat(919), 6)).toHaveLength(2)
    expect(splitText("ж".repeat(402), 6)).toHaveLength(1)
    expect(splitText("ж".repeat(403), 6)).toHaveLength(2)
  })

  it.each([
    ["GSM-7 words", words(1400), 6],
    ["UCS-2 words", Array.from({ length: 500 }, () => "привет").join(" "), 6],
    ["one part per message", words(100), 1],
    ["an emoji late in the text", words(300) + " 😀 done", 2],
    ["newlines and tabs", Array.from({ length: 900 }, (_, i) => `l${i}${i % 3 ? "\n" : "\t"}`).join(""), 3],
    ["no whitespace at all", "x".repeat(2500), 6],
    ["emoji only", "😀".repeat(900), 6]
  ])("%s: joined bodies give back the text exactly, each fits, words stay whole", (_, text, maxParts) => {
    const bodies = splitText(text, maxParts)
    expect(bodies.join("")).toBe(text)
    expect(bodies.length).toBeGreaterThan(1)
    for (const body of bodies) expect(countParts(body).parts).toBeLessThanOrEqual(maxParts)
    if (/\s/.test(text)) for (const body of bodies.slice(0, -1)) expect(body).toMatch(/\s$/)
  })

  it("never leaves a message less than half full to keep a word whole (that would cost an extra SMS)", () => {
    const text = "Hi " + "x".repeat(1000)
    const bodies = splitText(text, 6)
    expect(bodies.map((b) => b.length)).toEqual([918, 85])
    expect(bodies.join("")).toBe(text)
  })

  it("splits a 7,000-character text, the platform's maximum, into the fewest full messages", () => {
    const text = ("Lorem ipsum dolor sit amet ").repeat(260).slice(0, 7000)
    const bodies = splitText(text, 6)
    expect(bodies.join("")).toBe(text)
    expect(bodies).toHaveLength(8)
  })
})

describe("splitText over fuzzed texts: no cut inside a grapheme cluster", () => {
  // A seeded generator, so a failure is the same on every run.
  let seed = 20261202
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const pieces = [
    () => pick(["a", "Z", "7", "@", "é", "€", "[", "."]), // GSM-7, some of it escaped
    () => pick(["ж", "中", "ก", "ع"]), // UCS-2
    () => `e${"\u0301".repeat(1 + Math.floor(random() * 3))}`, // combining acute accents
    () => pick(["กำ", "ที่", "น้ำ", "ปั๊ม"]), // Thai with its combining marks
    () => pick(["👩‍👩‍👧‍👦", "👨‍💻", "🏳️‍🌈", "👍🏽"]), // ZWJ sequences and a skin tone
    () => pick(["🇲🇾", "🇦🇺", "🇯🇵"]), // flags: regional indicator pairs
    () => pick(["😀", "𝄞", "🙂"]), // surrogate pairs
    () => (random() < 0.02 ? " " : "") // whitespace only now and then: most cuts are hard cuts
  ]
  const boundaries = (text: string) =>
    new Set(Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text), (s) => s.index))

  it("3,000 texts: the parts join to the text, each fits its part limit, and every seam is a grapheme boundary", () => {
    let seams = 0
    for (let n = 0; n < 3000; n++) {
      const mixed = random() < 0.5
      const length = 50 + Math.floor(random() * 1500)
      let text = ""
      while (text.length < length) text += mixed ? pick(pieces)() : pieces[pick([0, 2, 4, 5])]!()
      const maxParts = 1 + Math.floor(random() * 6)
      const bodies = splitText(text, maxParts)
      expect(bodies.join("")).toBe(text)
      const allowed = boundaries(text)
      let at = 0
      for (const body of bodies) {
        expect(countParts(body).parts).toBeLessThanOrEqual(maxParts)
        at += body.length
        if (at < text.length) {
          seams++
          expect(allowed.has(at), `cut at ${at} of ${JSON.stringify(text.slice(at - 4, at + 4))}`).toBe(true)
        }
      }
    }
    expect(seams).toBeGreaterThan(3000)
  })

  it("a single cluster too big for one body is the only thing cut, between its code points", () => {
    const huge = `a${"\u0301".repeat(200)}`
    const bodies = splitText(huge, 1)
    expect(bodies.join("")).toBe(huge)
    for (const body of bodies) expect(countParts(body).parts).toBe(1)
  })
})
