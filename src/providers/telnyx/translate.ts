// Pure translation between the bridge's neutral shapes and Telnyx's messages and webhooks.
import type { Channel } from "../../config/ChannelConfig.ts"
import type { InboundMessage, Outgoing, Receipt } from "../../domain/messages.ts"
import { composeText } from "../../translate/composeText.ts"
import { inboundContents } from "../../translate/inboundContents.ts"
import { splitText } from "../../translate/splitText.ts"
import type { MessagePayload, SendRequest } from "./wire.ts"

export interface SendOptions {
  readonly maxParts: number
  readonly mms: boolean
  readonly messagingProfileId?: string | undefined
}

export type SendPlan =
  | { readonly _tag: "Sms"; readonly messages: ReadonlyArray<SendRequest> }
  | { readonly _tag: "Mms"; readonly message: SendRequest; readonly fallback: ReadonlyArray<SendRequest> }

/**
 * The Telnyx messages that carry a platform message: its text in as many messages as it takes for each to stay
 * within `maxParts` segments (Telnyx refuses more than 10), in order; with MMS on, an image as media_urls.
 */
export const planSend = (request: Outgoing, channel: Pick<Channel, "from">, options: SendOptions): SendPlan => {
  const base = {
    to: request.contactId,
    ...(channel.from ? { from: channel.from } : {}),
    ...(options.messagingProfileId ? { messaging_profile_id: options.messagingProfileId } : {})
  }
  const sms = splitText(composeText(request.message), options.maxParts).map((text): SendRequest => ({ ...base, text }))
  const { message } = request
  if (options.mms && message.type === "attachment" && message.attachment.type === "image") {
    const label = message.attachment.description || message.attachment.fileName
    return { _tag: "Mms", message: { ...base, type: "MMS", media_urls: [message.attachment.url], ...(label ? { text: label } : {}) }, fallback: sms }
  }
  return { _tag: "Sms", messages: sms }
}

const seconds = (iso: string | null | undefined) => {
  const ms = iso ? Date.parse(iso) : NaN
  return Number.isFinite(ms) ? ms / 1000 : undefined
}

/** message.received: its text one message, each media item an attachment message of its own, each with its mId. */
export const toInbound = (payload: MessagePayload, occurredAt: string | undefined): InboundMessage => {
  return {
    id: payload.id,
    from: payload.from.phone_number,
    to: payload.to[0]?.phone_number,
    channelHint: undefined,
    sentAtSeconds: seconds(payload.received_at) ?? seconds(occurredAt),
    contents: inboundContents(payload.id, payload.text, (payload.media ?? []).map((m) => ({ url: m.url, contentType: m.content_type })))
  }
}

/** The same sender: phone numbers by their digits (however formatted), a sender name as it is. */
const same = (a: string, b: string) => {
  const phone = /^\+?[0-9\s().-]+$/
  return phone.test(a) && phone.test(b) ? a.replace(/[^0-9]/g, "") === b.replace(/[^0-9]/g, "") : a === b
}

/** The channel that sends from `number` (its `from`, or one of its numbers); else the only channel there is. */
const channelSending = (channels: ReadonlyArray<Pick<Channel, "channelId" | "from" | "numbers">>, number: string) =>
  channels.find((c) => (c.from !== undefined && same(c.from, number)) || c.numbers.some((n) => same(n, number))) ??
    (channels.length === 1 ? channels[0] : undefined)

/** Telnyx's terminal and interim states, as the platform's statuses. */
const statusOf = (eventType: string, state: string | undefined, errors: MessagePayload["errors"]): Receipt["status"] => {
  if (eventType === "message.sent") return { _tag: "Status", value: "sent" }
  switch (state) {
    case "delivered":
      return { _tag: "Status", value: "delivered" }
    case "sending_failed":
    case "delivery_failed":
    case "expired": {
      const error = (errors ?? [])[0]
      const why = [error?.title, error?.detail].filter((s): s is string => !!s).join(": ")
      return { _tag: "Status", value: "failed", message: why || `Delivery failed (${state})` }
    }
    default:
      return { _tag: "Skip", reason: `${eventType} with status ${state ?? "(none)"} says nothing final` }
  }
}

/**
 * message.sent and message.finalized of a message of ours, for the channel that sends from its `from`. Telnyx does
 * not say which part of a split text a message was: `part` 0 leaves it to the store, which knows every sent
 * message's parts once they are recorded (and keeps a receipt that comes first until then).
 */
export const toReceipt = (
  eventType: string,
  payload: MessagePayload,
  occurredAt: string | undefined,
  channels: ReadonlyArray<Pick<Channel, "channelId" | "from" | "numbers">>
): Receipt => {
  const channel = channelSending(channels, payload.from.phone_number)
  const to = payload.to[0]
  return {
    partId: payload.id,
    route: channel && to ? { channelId: channel.channelId, contactId: to.phone_number, part: 0, parts: 1 } : undefined,
    unroutable: `no channel sends from ${payload.from.phone_number}`,
    status: statusOf(eventType, to?.status, payload.errors),
    sentAtSeconds: seconds(payload.completed_at) ?? seconds(payload.sent_at) ?? seconds(occurredAt),
    variant: `${eventType}:${to?.status ?? ""}`
  }
}
