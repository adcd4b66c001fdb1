// How many SMS parts a text takes: GSM-7 (160, then 153 per part) or UCS-2 (70, then 67 per part).

const gsmBasic = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
const gsmExtension = new Set("\f^{}\\[~]|€")

export type Encoding = "GSM-7" | "UCS-2"

/** Septets a character takes in GSM-7, or undefined when it forces the whole message to UCS-2. */
const septets = (ch: string): number | undefined => gsmBasic.has(ch) ? 1 : gsmExtension.has(ch) ? 2 : undefined

export const encodingOf = (text: string): Encoding => {
  for (const ch of text) if (septets(ch) === undefined) return "UCS-2"
  return "GSM-7"
}

const limits = {
  "GSM-7": { single: 160, perPart: 153 },
  "UCS-2": { single: 70, perPart: 67 }
} as const

/** Units of each character: septets for GSM-7, UTF-16 code units for UCS-2. An escape or a pair never straddles parts. */
const units = (text: string, encoding: Encoding): Array<number> =>
  Array.from(text, (ch) => encoding === "GSM-7" ? septets(ch)! : ch.length)

export const countParts = (text: string): { readonly encoding: Encoding; readonly parts: number } => {
  const encoding = encodingOf(text)
  const sizes = units(text, encoding)
  const { single, perPart } = limits[encoding]
  const total = sizes.reduce((a, b) => a + b, 0)
  if (total <= single) return { encoding, parts: 1 }
  let parts = 1
  let used = 0
  for (const size of sizes) {
    if (used + size > perPart) {
      parts++
      used = 0
    }
    used += size
  }
  return { encoding, parts }
}

export const fitsIn = (text: string, maxParts: number): boolean => countParts(text).parts <= maxParts
