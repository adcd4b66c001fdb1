// Pure translation of ClickSend's pushes (an inbound SMS, a delivery receipt) to the bridge's neutral shapes.
import { Option } from "effect"
import type { InboundMessage, Receipt } from "../../domain/messages.ts"
import { inboundContents } from "../../translate/inboundContents.ts"
import { decodeRoute } from "./routing.ts"
import type { DeliveryReceipt, InboundPush } from "./wire.ts"

/** An inbound MMS's media: the http(s) URLs, which go to the platform, and how many values were not one. */
export const mediaOf = (push: InboundPush) => {
  const all = push.media_file ?? []
  const urls = all.filter((u) => /^https?:\/\//i.test(u) && URL.canParse(u))
  return { urls, notUrls: all.length - urls.length }
}

export const toInbound = (push: InboundPush): InboundMessage => ({
  id: push.message_id,
  from: push.from,
  to: push.to,
  // A reply to one of our messages may carry its custom_string back: the channel it came from.
  channelHint: Option.getOrUndefined(Option.map(decodeRoute(push.custom_string), (r) => r.channelId)),
  sentAtSeconds: push.timestamp,
  contents: inboundContents(push.message_id, push.body, mediaOf(push).urls.map((url) => ({ url })))
})

const statusOf = (code: number) => {
  switch (code) {
    case 200:
      return "sent" as const
    case 201:
      return "delivered" as const
    case 301:
      return "failed" as const
    case 300:
    case 302:
      return "not final"
    default:
      return "unknown"
  }
}

/** What a receipt says of its own message: sent, delivered, failed (with why), or nothing final. */
export const receiptStatus = (receipt: DeliveryReceipt): Receipt["status"] => {
  const status = statusOf(receipt.status_code)
  if (status === "not final") return { _tag: "Skip", reason: `status_code ${receipt.status_code} is not final` }
  if (status === "unknown") return { _tag: "Skip", reason: `status_code ${receipt.status_code} is not a known status` }
  return status === "failed"
    ? {
      _tag: "Status",
      value: status,
      message: receipt.error_text || receipt.status_text || receipt.status || `Delivery failed (status_code ${receipt.status_code})`
    }
    : { _tag: "Status", value: status }
}

/** A receipt names no recipient: which message of ours it is about comes from our own custom_string. */
export const toReceipt = (receipt: DeliveryReceipt): Receipt => ({
  partId: receipt.message_id,
  route: Option.getOrUndefined(decodeRoute(receipt.custom_string)),
  unroutable: "custom_string does not name a channel: not a message this bridge sent",
  status: receiptStatus(receipt),
  sentAtSeconds: receipt.timestamp,
  variant: String(receipt.status_code)
})
