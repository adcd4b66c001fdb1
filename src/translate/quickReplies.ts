// Quick replies over SMS: a contact who answers a numbered list with just a number chose that option.

/** How long after a quick reply a bare number still answers it. */
export const quickReplyWindowMs = 24 * 60 * 60 * 1000

/** The option a reply like "2" (or " 2. ") picks from `replies`, if it is one of their numbers. */
export const chosenOption = (text: string, replies: ReadonlyArray<string>): string | undefined => {
  const match = text.trim().match(/^(\d{1,2})\.?$/)
  const n = match ? Number(match[1]) : 0
  return n >= 1 && n <= replies.length ? replies[n - 1] : undefined
}
