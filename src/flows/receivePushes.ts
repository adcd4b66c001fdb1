// Incoming, whichever provider: a contact's message or a delivery receipt, decoded by the provider's routes, is
// routed to a channel and committed to the outbox; the delivery worker takes it to the webhook from there.
import { sameNumber } from "../domain/phoneNumbers.ts"
import { Clock, Effect } from "effect"
import { createHash } from "node:crypto"
import { AppConfig } from "../config/AppConfig.ts"
import type { Channel } from "../config/ChannelConfig.ts"
import type { InvalidPayload } from "../domain/errors.ts"
import type { InboundMessage, Receipt } from "../domain/messages.ts"
import { steadyMillis } from "../steadyClock.ts"
import { type FoldOutcome, type NewEvent, Store } from "../stores/Store.ts"
import { keywordOf } from "../translate/optOutKeywords.ts"
import { inboundText } from "../translate/quickReplies.ts"
import { committed, countPush, type PushKind, type PushOutcome, statusEvent } from "./committed.ts"
import { KeywordReplies } from "./keywordReplies.ts"

/** A push as it came, to keep as a dead letter if it must be, and the provider plugin that received it. */
export interface Kept {
  readonly source: string
  readonly push: unknown
}

const fingerprint = (kept: unknown) => createHash("sha256").update(JSON.stringify(kept)).digest("hex").slice(0, 32)

/** An invalid push is refused (400) and also kept as it came, since whether the provider pushes it again is not sure. */
export const keepInvalid = (kind: PushKind, kept: Kept, identity: unknown = kept.push) => (error: InvalidPayload) =>
  Effect.gen(function*() {
    yield* countPush(kind, "", "invalid")
    // `identity`: what makes two deliveries of one push the same (by default, all of it), so it is kept once.
    yield* (yield* Store).keepUnroutable(`unroutable-${kind}`, `invalid:${kind}:${fingerprint(identity)}`, kept.push, error.message, kept.source)
    yield* Effect.logWarning(`invalid ${kind === "inbound" ? "inbound message" : "delivery receipt"}; kept as a dead letter`).pipe(
      Effect.annotateLogs({ direction: kind === "inbound" ? "in" : "receipt", outcome: "invalid", reason: error.message })
    )
  })

/** A push's time is believed from a year before it arrived to a day after (clocks differ); else it is `now`. */
export const plausibleTime = (seconds: number | undefined, now: number): boolean =>
  seconds === undefined || (seconds * 1000 >= now - 366 * 86_400_000 && seconds * 1000 <= now + 86_400_000)

/** When it happened, in ms: the push's own time (seconds) when believable, else `now`. */
export const eventTime = (seconds: number | undefined, now: number): number =>
  seconds === undefined || !plausibleTime(seconds, now) ? now : Math.round(seconds * 1000)

/** When it happened, in ms: the push's own time when believable (else a warning), or now. */
const timeOf = (seconds: number | undefined, direction: "in" | "receipt", mId: string) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (!plausibleTime(seconds, now)) {
      yield* Effect.logWarning("implausible timestamp in a push; the time of arrival is used instead").pipe(
        Effect.annotateLogs({ direction, mId, timestamp: String(seconds) })
      )
    }
    return eventTime(seconds, now)
  })

/**
 * The channel an inbound message belongs to: the one whose numbers hold `to`; else the one the provider named (the
 * channel of our message it answers); else the only channel there is.
 */
export const channelForInbound = <C extends Pick<Channel, "channelId" | "numbers">>(
  channels: ReadonlyArray<C>,
  to: string | undefined,
  channelHint: string | undefined
): C | undefined =>
  (to ? channels.find((c) => c.numbers.some((n) => sameNumber(n, to))) : undefined) ??
    channels.find((c) => c.channelId === channelHint) ??
    (channels.length === 1 ? channels[0] : undefined)

/**
 * A keyword older than this (taken by a catch-up after a long outage, a replayed dead letter) still counts, but is not
 * answered: a confirmation hours late confuses more than it helps.
 */
export const keywordAnswerWithinMs = 3_600_000

/** Routes a contact's message to its channel and commits one event per content; `kept` is what a dead letter keeps. */
export const receiveInbound = (inbound: InboundMessage, kept: Kept) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const store = yield* Store
    const channel = channelForInbound(config.channels, inbound.to, inbound.channelHint)
    if (!channel) {
      const reason = `no channel has ${inbound.to ?? "(no to)"} in its numbers`
      yield* store.keepUnroutable("unroutable-inbound", `unroutable:inbound:${inbound.id}`, kept.push, reason, kept.source)
      yield* countPush("inbound", "", "dead-lettered")
      yield* Effect.logWarning("inbound message fits no channel; kept as a dead letter").pipe(
        Effect.annotateLogs({ direction: "in", mId: inbound.id, reason, outcome: "dead-lettered" })
      )
      return "dead-lettered" satisfies PushOutcome
    }
    const timestamp = yield* timeOf(inbound.sentAtSeconds, "in", inbound.id)
    // With quick-reply mapping on, "2" after a numbered list is that option.
    const latest = config.quickReplies.mapNumbers ? yield* store.lastOutgoing(channel.channelId, inbound.from) : undefined
    const now = yield* steadyMillis
    // STOP and START change what the channel may send the contact, each by the time the contact sent it, so that a
    // repeat or a late arrival changes nothing it should not. A STOP is kept before its message is committed (so no
    // reply can go out in between); a START after.
    const said = inbound.contents.flatMap(({ message, mId }) => {
      const keyword = message.type === "text" ? keywordOf(message.text, channel.optOut) : undefined
      return keyword ? [{ ...keyword, mId }] : []
    })[0]
    const log = (what: string) =>
      Effect.logInfo(what).pipe(Effect.annotateLogs({ channel: channel.name, direction: "in", contact: inbound.from, keyword: said?.keyword }))
    const stopped = said?.kind === "stop" && (yield* store.optOut(channel.channelId, inbound.from, said.keyword, timestamp))
    if (stopped) yield* log("contact opted out")
    let outcome: FoldOutcome = "duplicate"
    let saidIsNew = false
    for (const { message, mId } of inbound.contents) {
      const event: NewEvent = {
        channelId: channel.channelId,
        contactId: inbound.from,
        mId,
        dedupeKey: `inbound:${mId}`,
        event: {
          kind: "message",
          channelId: channel.channelId,
          contactId: inbound.from,
          mId,
          timestamp,
          message: message.type === "text" ? { type: "text", text: inboundText(message.text, latest, now) } : message
        }
      }
      if ((yield* committed(channel, "inbound", mId, yield* store.accept(event))) === "accepted") {
        outcome = "accepted"
        if (said?.mId === mId) saidIsNew = true
      }
    }
    const optedIn = said?.kind === "start" && (yield* store.optIn(channel.channelId, inbound.from, said.keyword, timestamp))
    if (optedIn) yield* log("contact opted back in")
    if (said === undefined || (yield* Clock.currentTimeMillis) - timestamp > keywordAnswerWithinMs) return outcome satisfies PushOutcome
    // The answers, each once: HELP to a new HELP (not merely another part of its message, taken by another path);
    // STOP's confirmation when this STOP is the contact's opt-out (not one a newer START had overtaken; also when its
    // first push was kept and its message was not); START's when it did opt them back in (a "yes" to an agent's
    // question is no reason to text a confirmation).
    const answer = said.kind === "help"
      ? saidIsNew
      : said.kind === "stop"
      ? saidIsNew && (stopped || (yield* store.optedOut(channel.channelId, inbound.from))?.at === timestamp)
      : optedIn
    if (answer) yield* (yield* KeywordReplies).reply(channel, inbound.from, said.kind)
    return outcome satisfies PushOutcome
  })

/** Folds a receipt into its message's status and commits what changed; `kept` is what a dead letter keeps. */
export const receiveReceipt = (receipt: Receipt, kept: Kept) =>
  Effect.gen(function*() {
    const { channels } = yield* AppConfig
    const store = yield* Store
    const route = receipt.route
    const channel = route ? channels.find((c) => c.channelId === route.channelId) : undefined
    if (!route || !channel) {
      const reason = route ? "custom_string names a channel that is not configured" : receipt.unroutable ?? "it names no channel of this bridge"
      yield* countPush("receipt", "", "dead-lettered")
      yield* store.keepUnroutable("unroutable-receipt", `unroutable:receipt:${receipt.partId}:${receipt.variant}`, kept.push, reason, kept.source)
      yield* Effect.logWarning("delivery receipt fits no channel; kept as a dead letter").pipe(
        Effect.annotateLogs({ direction: "receipt", mId: receipt.partId, reason, outcome: "dead-lettered" })
      )
      return "dead-lettered" satisfies PushOutcome
    }
    const status = receipt.status
    if (status._tag === "Skip") {
      yield* countPush("receipt", channel.name, "skipped")
      yield* Effect.logInfo("delivery receipt not forwarded").pipe(
        Effect.annotateLogs({ channel: channel.name, direction: "receipt", mId: receipt.partId, reason: status.reason })
      )
      return "skipped" satisfies PushOutcome
    }
    const timestamp = yield* timeOf(receipt.sentAtSeconds, "receipt", receipt.partId)
    const outcome = yield* store.foldReceipt(
      { partId: receipt.partId, part: route.part, parts: route.parts, status: status.value, error: status.message },
      statusEvent(route, timestamp)
    )
    return yield* committed(channel, "receipt", receipt.partId, outcome)
  })
