// What the store made of an event on its way to the platform (a contact's message, a status): counted, logged, and
// the channel's delivery worker woken when it is new. Shared by the pushes and by what the bridge sends itself.
import { Effect, FiberRef } from "effect"
import type { Channel } from "../config/ChannelConfig.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import type { ReceiptRoute } from "../domain/messages.ts"
import { Metrics } from "../services/Metrics.ts"
import { type FoldedStatus, type FoldOutcome, type NewEvent } from "../stores/Store.ts"

export type PushOutcome = "accepted" | "duplicate" | "held" | "skipped" | "dead-lettered"

/** What a push is kept as when it cannot be forwarded: "inbound" or "receipt". */
export type PushKind = "inbound" | "receipt"

export const countPush = (kind: PushKind, channel: string, outcome: string) =>
  Effect.map(Metrics, (m) => m.messages.inc({ direction: kind === "inbound" ? "in" : "receipt", channel, outcome }))

/**
 * Set where a duplicate is the rule rather than news (a catch-up round takes again what was pushed already): its
 * line is then at debug level.
 */
export const duplicatesExpected = FiberRef.unsafeMake(false)

/** Counts, wakes the channel's worker and logs what the store made of a push. */
export const committed = (channel: Channel, kind: PushKind, mId: string, outcome: FoldOutcome) =>
  Effect.gen(function*() {
    yield* countPush(kind, channel.name, outcome)
    if (outcome === "accepted") yield* (yield* Deliveries).wake(channel.channelId)
    const message = { accepted: "event accepted", duplicate: "duplicate push ignored", held: "receipt kept until its message's parts are recorded" }
    const quiet = outcome === "duplicate" && (yield* FiberRef.get(duplicatesExpected))
    yield* (quiet ? Effect.logDebug : Effect.logInfo)(message[outcome]).pipe(
      Effect.annotateLogs({ channel: channel.name, direction: kind === "inbound" ? "in" : "receipt", mId, outcome })
    )
    return outcome
  })

/**
 * The outbox event of a message's folded status: forwarded once per status (the dedupe key), to the mId the
 * platform knows, never a later part's id.
 */
export const statusEvent = (route: Pick<ReceiptRoute, "channelId" | "contactId">, timestamp: number) => (fold: FoldedStatus): NewEvent => ({
  channelId: route.channelId,
  contactId: route.contactId,
  mId: fold.mId,
  dedupeKey: `receipt:${fold.mId}:${fold.status}`,
  event: { kind: "status", channelId: route.channelId, contactId: route.contactId, mId: fold.mId, timestamp, status: fold.status, error: fold.error }
})
