// Pure translation of ClickSend's pushes (inbound SMS, delivery receipts) to webhook payloads.
import type { DeliveryReceipt, InboundPush } from "../provider/ClickSend.ts"
import type { WebhookPayload } from "../platform/RespondIo.ts"
import type { Route } from "./routing.ts"

const toMillis = (seconds: number | undefined, now: number): number =>
  seconds === undefined ? now : Math.round(seconds * 1000)

export const inboundToPayload = (push: InboundPush, channelId: string, now: number): WebhookPayload => ({
  channelId,
  contactId: push.from,
  events: [{
    type: "message",
    mId: push.message_id,
    timestamp: toMillis(push.timestamp, now),
    message: { type: "text", text: push.body }
  }],
  contact: { phone: push.from }
})

export type ReceiptOutcome =
  | { readonly _tag: "Forward"; readonly payload: WebhookPayload }
  | { readonly _tag: "Skip"; readonly reason: string }

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

export const receiptToPayload = (receipt: DeliveryReceipt, route: Route, now: number): ReceiptOutcome => {
  const status = statusOf(receipt.status_code)
  if (status === "not final") return { _tag: "Skip", reason: `status_code ${receipt.status_code} is not final` }
  if (status === "unknown") return { _tag: "Skip", reason: `status_code ${receipt.status_code} is not a known status` }
  // The platform knows only the first part's id (the mId we answered); later parts' receipts carry ids it never saw.
  if (route.part !== 1) return { _tag: "Skip", reason: `receipt of part ${route.part} of ${route.parts}` }
  const failure = status === "failed"
    ? { message: receipt.error_text || receipt.status_text || receipt.status || `Delivery failed (status_code ${receipt.status_code})` }
    : {}
  return {
    _tag: "Forward",
    payload: {
      channelId: route.channelId,
      contactId: route.contactId,
      events: [{
        type: "message_status",
        mId: receipt.message_id,
        timestamp: toMillis(receipt.timestamp, now),
        status: { value: status, ...failure }
      }]
    }
  }
}
