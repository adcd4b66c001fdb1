// Quick replies over SMS: a contact who answers a numbered list with just a number chose that option.

/** How long after a quick reply a bare number still answers it. */
export const quickReplyWindowMs = 24 * 60 * 60 * 1000

/** The option a reply like "2" (or " 2. ") picks from `replies`, if it is one of their numbers. */
export const chosenOption = (text: string, replies: ReadonlyArray<string>): string | undefined => {
  const match = text.trim().match(/^(\d{1,2})\.?$/)
  const n = match ? Number(match[1]) : 0
  return n >= 1 && n <= replies.length ? replies[n - 1] : undefined
}

/**
 * The text an inbound SMS carries to the platform: the chosen option when the contact's latest outgoing
 * message was a quick reply sent within the window and the SMS is just one of its numbers; else the SMS as is.
 */
export const inboundText = (
  body: string,
  latest: { readonly quickReplies: ReadonlyArray<string> | undefined; readonly at: number } | undefined,
  now: number
): string =>
  latest?.quickReplies && now - latest.at <= quickReplyWindowMs ? chosenOption(body, latest.quickReplies) ?? body : body
