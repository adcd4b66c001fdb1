// Incoming: ClickSend's pushes (an SMS from a contact, a delivery receipt) are validated, routed to a channel
// and committed to the outbox; the delivery worker takes them to the webhook from there.
import { Clock, Effect, Option } from "effect"
import { createHash } from "node:crypto"
import { AppConfig } from "../config/AppConfig.ts"
import { type Channel } from "../config/ChannelConfig.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import type { InvalidPayload } from "../domain/errors.ts"
import type { DeliveryReceipt, InboundPush } from "../providers/clicksend/wire.ts"
import { Codecs } from "../services/Codecs.ts"
import { steadyMillis } from "../steadyClock.ts"
import { Metrics } from "../services/Metrics.ts"
import { type FoldedStatus, type FoldOutcome, type NewEvent, Store } from "../store/Store.ts"
import { inboundEvent, plausibleTime, receiptStatus, receiptTimestamp } from "../providers/clicksend/incoming.ts"
import { inboundText } from "../translate/quickReplies.ts"
import { channelForInbound, decodeRoute, type Route } from "../providers/clicksend/routing.ts"

export type PushOutcome = "accepted" | "duplicate" | "held" | "skipped" | "dead-lettered"

export type Fields = Readonly<Record<string, string | number | boolean | null | undefined>>

const fingerprint = (fields: Fields) => createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 32)

/** An invalid push is refused (400) and also kept, since whether ClickSend pushes it again is not documented. */
const countPush = (kind: "inbound" | "receipt", channel: string, outcome: string) =>
  Effect.map(Metrics, (m) => m.messages.inc({ direction: kind === "inbound" ? "in" : "receipt", channel, outcome }))

const keepInvalid = (kind: "inbound" | "receipt", fields: Fields) => (error: InvalidPayload) =>
  Effect.gen(function*() {
    yield* countPush(kind, "", "invalid")
    yield* (yield* Store).keepUnroutable(`unroutable-${kind}`, `invalid:${kind}:${fingerprint(fields)}`, fields, error.message)
    yield* Effect.logWarning(`invalid ${kind === "inbound" ? "inbound SMS" : "delivery receipt"}; kept as a dead letter`).pipe(
      Effect.annotateLogs({ direction: kind === "inbound" ? "in" : "receipt", outcome: "invalid", reason: error.message })
    )
  })

/** Counts, wakes the channel's worker and logs what the store made of a push. */
export const committed = (channel: Channel, kind: "inbound" | "receipt", mId: string, outcome: FoldOutcome) =>
  Effect.gen(function*() {
    yield* countPush(kind, channel.name, outcome)
    if (outcome === "accepted") yield* (yield* Deliveries).wake(channel.channelId)
    const message = { accepted: "event accepted", duplicate: "duplicate push ignored", held: "receipt kept until its message's parts are recorded" }
    yield* Effect.logInfo(message[outcome]).pipe(
      Effect.annotateLogs({ channel: channel.name, direction: kind === "inbound" ? "in" : "receipt", mId, outcome })
    )
    return outcome
  })

const commit = (channel: Channel, event: NewEvent) =>
  Effect.flatMap(Effect.flatMap(Store, (store) => store.accept(event)), (outcome) => committed(channel, "inbound", event.mId, outcome))

/** Now; and a warning when the push's own time is not believable (the event then carries the time of arrival). */
const arrival = (seconds: number | undefined, direction: "in" | "receipt", mId: string) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (!plausibleTime(seconds, now)) {
      yield* Effect.logWarning("implausible timestamp in a push; the time of arrival is used instead").pipe(
        Effect.annotateLogs({ direction, mId, timestamp: String(seconds) })
      )
    }
    return now
  })

/** The text the platform should see: with quick-reply mapping on, "2" after a numbered list is that option. */
const textFor = (channel: Channel, push: InboundPush) =>
  Effect.gen(function*() {
    if (!(yield* AppConfig).quickReplies.mapNumbers) return push.body
    const latest = yield* (yield* Store).lastOutgoing(channel.channelId, push.from)
    return inboundText(push.body, latest, yield* steadyMillis)
  })

const routeInbound = (push: InboundPush, fields: Fields) =>
  Effect.gen(function*() {
    const { channels } = yield* AppConfig
    const channel = channelForInbound(channels, push.to, push.custom_string)
    if (!channel) {
      const reason = `no channel has ${push.to ?? "(no to)"} in its numbers`
      yield* (yield* Store).keepUnroutable("unroutable-inbound", `unroutable:inbound:${push.message_id}`, fields, reason)
      yield* countPush("inbound", "", "dead-lettered")
      yield* Effect.logWarning("inbound SMS fits no channel; kept as a dead letter").pipe(
        Effect.annotateLogs({ direction: "in", mId: push.message_id, reason, outcome: "dead-lettered" })
      )
      return "dead-lettered" satisfies PushOutcome
    }
    const text = yield* textFor(channel, push)
    const event = inboundEvent({ ...push, body: text }, channel.channelId, yield* arrival(push.timestamp, "in", push.message_id))
    return yield* commit(channel, {
      channelId: channel.channelId,
      contactId: push.from,
      mId: push.message_id,
      dedupeKey: `inbound:${push.message_id}`,
      event
    })
  })

export const receiveInbound = Effect.fn("receiveInbound")(function*(fields: Fields) {
  const push = yield* (yield* Codecs).inboundPush(fields).pipe(Effect.tapError(keepInvalid("inbound", fields)))
  return yield* routeInbound(push, fields)
})

/**
 * The outbox event of a message's folded status: forwarded once per status (the dedupe key), to the mId the
 * platform knows, never a later part's id.
 */
export const statusEvent = (route: Pick<Route, "channelId" | "contactId">, timestamp: number) => (fold: FoldedStatus): NewEvent => ({
  channelId: route.channelId,
  contactId: route.contactId,
  mId: fold.mId,
  dedupeKey: `receipt:${fold.mId}:${fold.status}`,
  event: { kind: "status", channelId: route.channelId, contactId: route.contactId, mId: fold.mId, timestamp, status: fold.status, error: fold.error }
})

const routeReceipt = (receipt: DeliveryReceipt, fields: Fields) =>
  Effect.gen(function*() {
    const { channels } = yield* AppConfig
    const route = decodeRoute(receipt.custom_string)
    const channel = Option.isSome(route) ? channels.find((c) => c.channelId === route.value.channelId) : undefined
    if (Option.isNone(route) || !channel) {
      const reason = Option.isNone(route)
        ? "custom_string does not name a channel: not a message this bridge sent"
        : "custom_string names a channel that is not configured"
      yield* countPush("receipt", "", "dead-lettered")
      yield* (yield* Store).keepUnroutable(
        "unroutable-receipt",
        `unroutable:receipt:${receipt.message_id}:${receipt.status_code}`,
        fields,
        reason
      )
      yield* Effect.logWarning("delivery receipt fits no channel; kept as a dead letter").pipe(
        Effect.annotateLogs({ direction: "receipt", mId: receipt.message_id, reason, outcome: "dead-lettered" })
      )
      return "dead-lettered" satisfies PushOutcome
    }
    const status = receiptStatus(receipt)
    if (status._tag === "Skip") {
      yield* countPush("receipt", channel.name, "skipped")
      yield* Effect.logInfo("delivery receipt not forwarded").pipe(
        Effect.annotateLogs({ channel: channel.name, direction: "receipt", mId: receipt.message_id, reason: status.reason })
      )
      return "skipped" satisfies PushOutcome
    }
    const timestamp = receiptTimestamp(receipt, yield* arrival(receipt.timestamp, "receipt", receipt.message_id))
    const { part, parts } = route.value
    const outcome = yield* (yield* Store).foldReceipt(
      { partId: receipt.message_id, part, parts, status: status.value, error: status.message },
      statusEvent(route.value, timestamp)
    )
    return yield* committed(channel, "receipt", receipt.message_id, outcome)
  })

export const receiveReceipt = Effect.fn("receiveReceipt")(function*(fields: Fields) {
  const receipt = yield* (yield* Codecs).deliveryReceipt(fields).pipe(Effect.tapError(keepInvalid("receipt", fields)))
  return yield* routeReceipt(receipt, fields)
})

/** Runs a kept push again through routing (after the operator fixed the configuration, say). */
export const rerouteKept = (kind: "unroutable-inbound" | "unroutable-receipt", fields: Fields) =>
  Effect.gen(function*() {
    const codecs = yield* Codecs
    return kind === "unroutable-inbound"
      ? yield* routeInbound(yield* codecs.inboundPush(fields), fields)
      : yield* routeReceipt(yield* codecs.deliveryReceipt(fields), fields)
  })
