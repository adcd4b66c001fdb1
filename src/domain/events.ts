// What reaches the platform about a channel's contact, whichever provider it came from: a message the contact sent,
// a message the bridge itself sent them (an answer to a keyword), or the status of a message sent to them. The outbox keeps these; the platform renders them when it delivers.

/** What a contact sent: a text, or one attachment (a picture of an MMS, say) as its own message. */
export type InboundContent =
  | { readonly type: "text"; readonly text: string }
  | {
    readonly type: "attachment"
    readonly attachment: { readonly type: "image" | "video" | "audio" | "file"; readonly url: string; readonly mimeType?: string | undefined }
  }

export type DeliveryStatus = "sent" | "delivered" | "failed"

export type ChannelEvent =
  | {
    readonly kind: "message"
    readonly channelId: string
    readonly contactId: string
    readonly mId: string
    /** When the contact sent it (ms since the epoch). */
    readonly timestamp: number
    readonly message: InboundContent
  }
  | {
    /** A text the bridge sent the contact on its own (an answer to STOP, START or HELP), so agents see it. */
    readonly kind: "echo"
    readonly channelId: string
    readonly contactId: string
    /** The provider's id of the message, which its receipts will name. */
    readonly mId: string
    readonly timestamp: number
    readonly message: { readonly type: "text"; readonly text: string }
  }
  | {
    readonly kind: "status"
    readonly channelId: string
    readonly contactId: string
    /** The mId the platform was given for the message. */
    readonly mId: string
    readonly timestamp: number
    readonly status: DeliveryStatus
    /** Why it failed, with status "failed". */
    readonly error?: string | undefined
  }
