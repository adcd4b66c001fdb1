// Pure translation of ClickSend's pushes (inbound SMS, delivery receipts) to webhook payloads.
import type { DeliveryReceipt, InboundPush } from "./wire.ts"
import type { ChannelEvent } from "../../domain/events.ts"

/** A push's time is believed from a year before it arrived to a day after (clocks differ); else it is `now`. */
export const plausibleTime = (seconds: number | undefined, now: number): boolean =>
  seconds === undefined || (seconds * 1000 >= now - 366 * 86_400_000 && seconds * 1000 <= now + 86_400_000)

const toMillis = (seconds: number | undefined, now: number): number =>
  seconds === undefined || !plausibleTime(seconds, now) ? now : Math.round(seconds * 1000)

export const inboundEvent = (push: InboundPush, channelId: string, now: number): ChannelEvent => ({
  kind: "message",
  channelId,
  contactId: push.from,
  mId: push.message_id,
  timestamp: toMillis(push.timestamp, now),
  message: { type: "text", text: push.body }
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

export type ReceiptStatus =
  | { readonly _tag: "Status"; readonly value: "sent" | "delivered" | "failed"; readonly message?: string | undefined }
  | { readonly _tag: "Skip"; readonly reason: string }

/** What a receipt says of its own message: sent, delivered, failed (with why), or nothing final. */
export const receiptStatus = (receipt: DeliveryReceipt): ReceiptStatus => {
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

export const receiptTimestamp = (receipt: DeliveryReceipt, now: number) => toMillis(receipt.timestamp, now)
