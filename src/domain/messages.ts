// What a provider is asked to send and what it tells of: neutral shapes, whichever provider and platform.
import type { DeliveryStatus, InboundContent } from "./events.ts"

/** A message the platform sends to a contact. */
export type OutgoingContent =
  | { readonly type: "text"; readonly text: string }
  | {
    readonly type: "attachment"
    readonly attachment: {
      readonly type: "image" | "video" | "audio" | "file"
      readonly url: string
      readonly mimeType?: string | undefined
      readonly fileName?: string | undefined
      readonly description?: string | undefined
    }
  }
  | { readonly type: "location"; readonly latitude: number; readonly longitude: number; readonly address?: string | undefined }
  | { readonly type: "quick_reply"; readonly title: string; readonly replies: ReadonlyArray<string> }

export interface Outgoing {
  readonly channelId: string
  readonly contactId: string
  readonly message: OutgoingContent
}

/** What a provider's send answered: the id the platform gets (the first part's), and every part's id in order. */
export interface Sent {
  readonly mId: string
  readonly partIds: ReadonlyArray<string>
  /**
   * The provider's receipts do not say which part they are about: the parts are recorded for every
   * message, one part too, so that every receipt finds its mId. Otherwise only split texts' parts are.
   */
  readonly recordParts?: boolean
}

/** A message a contact sent, as a provider decoded it from its push or webhook. */
export interface InboundMessage {
  /** The provider's id of the message: the same id pushed twice is one message. */
  readonly id: string
  /** The contact, in E.164 with its `+` (or a sender name). */
  readonly from: string
  /** The number it was sent to, if the provider says. */
  readonly to: string | undefined
  /** The channel of the bridge's message it answers, when the provider can tell. */
  readonly channelHint: string | undefined
  /** When the contact sent it, in seconds, as the provider says (believed only if plausible). */
  readonly sentAtSeconds: number | undefined
  /** What it carries, each its own message for the platform, with its own mId (at most 50 characters). */
  readonly contents: ReadonlyArray<{ readonly mId: string; readonly message: InboundContent }>
}

/** Which message of ours a receipt is about: its channel and contact, and which part of how many it was. */
export interface ReceiptRoute {
  readonly channelId: string
  readonly contactId: string
  readonly part: number
  readonly parts: number
}

/** A delivery receipt, as a provider decoded it. */
export interface Receipt {
  /** The provider's id of the part (one SMS) it is about; the first part's id is the mId the platform has. */
  readonly partId: string
  /** undefined when the receipt cannot be traced to a channel of this bridge. */
  readonly route: ReceiptRoute | undefined
  /** Why not, when route is undefined. */
  readonly unroutable?: string | undefined
  readonly status:
    | { readonly _tag: "Status"; readonly value: DeliveryStatus; readonly message?: string | undefined }
    | { readonly _tag: "Skip"; readonly reason: string }
  readonly sentAtSeconds: number | undefined
  /** Tells two receipts of one part apart (a provider's status code, say): kept once each when unroutable. */
  readonly variant: string
}
