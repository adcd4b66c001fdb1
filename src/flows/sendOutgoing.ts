// Outgoing, whichever provider: the platform's message goes out through the provider, and what its answer says
// is remembered (the parts of a split text, so their receipts fold into one status; the latest quick reply).
import { Clock, Effect } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { Channel } from "../config/ChannelConfig.ts"
import { OptedOut } from "../domain/errors.ts"
import type { Outgoing, Sent } from "../domain/messages.ts"
import { SmsProvider } from "../providers/SmsProvider.ts"
import { Store } from "../stores/Store.ts"
import { committed, statusEvent } from "./committed.ts"

/**
 * What the provider's answer says, remembered for what comes back (also for the bridge's own answers to keywords).
 * The SMS is already out: a store failure here is logged, never turned into an error that would make the platform
 * send it again.
 */
export const recordSent = (request: Outgoing, channel: Channel, sent: Sent) =>
  Effect.gen(function*() {
    const store = yield* Store
    if (sent.partIds.length > 1 || sent.recordParts) {
      // Receipts of later parts that came before this answer are folded in now.
      const route = { channelId: channel.channelId, contactId: request.contactId }
      const outcome = yield* store.recordParts(sent.mId, sent.partIds, statusEvent(route, yield* Clock.currentTimeMillis))
      if (outcome !== "held") yield* committed(channel, "receipt", sent.mId, outcome)
    }
    if (!(yield* AppConfig).quickReplies.mapNumbers) return
    const replies = request.message.type === "quick_reply" ? request.message.replies : undefined
    // Only a quick reply, or the message after one, changes what a bare number answers: the rest need no write.
    const latest = replies ? undefined : yield* store.lastOutgoing(request.channelId, request.contactId)
    if (replies || latest?.quickReplies) yield* store.rememberOutgoing(request.channelId, request.contactId, replies)
  }).pipe(Effect.catchAllCause((cause) => Effect.logError("could not record a sent message", cause)))

const recordProviderOptOut = (request: Outgoing, channel: Channel) =>
  Effect.gen(function*() {
    yield* (yield* Store).optOut(channel.channelId, request.contactId, "PROVIDER", yield* Clock.currentTimeMillis)
    yield* Effect.logInfo("contact opted out (the provider said so)").pipe(
      Effect.annotateLogs({ channel: channel.name, direction: "out", contact: request.contactId, keyword: "PROVIDER" })
    )
  }).pipe(Effect.catchAllCause((cause) => Effect.logError("could not record the provider's opt-out", cause)))

/** The date an agent reads: 2026-12-02 18:40 UTC. */
const dateOf = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`

export const sendOutgoing = Effect.fnUntraced(function*(request: Outgoing, channel: Channel) {
  // A contact who texted STOP is sent nothing, whatever sends it (an agent, a workflow, a broadcast).
  const optOut = yield* (yield* Store).optedOut(channel.channelId, request.contactId)
  if (optOut !== undefined) {
    return yield* new OptedOut({
      message: `${request.contactId} opted out of this channel (${optOut.keyword} on ${dateOf(optOut.at)}); ` +
        "nothing is sent to them until they text START (or the operator removes the opt-out)"
    })
  }
  const sent = yield* (yield* SmsProvider).send(request, channel).pipe(
    // The provider knows of an opt-out the bridge did not see (a STOP texted before the bridge ran): kept, so the
    // next message is refused here, without a call.
    Effect.tapError((e) => (e._tag === "ProviderRefused" && e.optedOut === true ? recordProviderOptOut(request, channel) : Effect.void))
  )
  yield* recordSent(request, channel, sent)
  return sent.mId
})
