// Pure rendering of a neutral event as the body respond.io's (and IS-Messenger's) webhook takes.
import type { ChannelEvent } from "../../domain/events.ts"
import type { WebhookPayload } from "./wire.ts"

export const webhookPayload = (event: ChannelEvent): WebhookPayload =>
  event.kind !== "status"
    ? {
      channelId: event.channelId,
      contactId: event.contactId,
      events: [{ type: event.kind === "echo" ? "message_echo" : "message", mId: event.mId, timestamp: event.timestamp, message: event.message }],
      contact: { phone: event.contactId }
    }
    : {
      channelId: event.channelId,
      contactId: event.contactId,
      events: [{
        type: "message_status",
        mId: event.mId,
        timestamp: event.timestamp,
        status: event.error === undefined ? { value: event.status } : { value: event.status, message: event.error }
      }]
    }
