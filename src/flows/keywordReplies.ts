// The channel's answers to a contact's keyword (STOP, START, HELP): sent through the provider once the keyword's message
// was accepted, without holding up the push's answer, then shown to the platform as an echo (a message the business
// sent outside it) so agents see what the contact was told. Each is logged and counted; one that fails is only logged
// (the contact's own message is on its way to the platform whatever happens to the answer).
import { Clock, Context, Effect, FiberSet } from "effect"
import type { AppConfig } from "../config/AppConfig.ts"
import type { Channel } from "../config/ChannelConfig.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import type { SmsProviderShape } from "../providers/SmsProvider.ts"
import { Metrics } from "../services/Metrics.ts"
import { Store } from "../stores/Store.ts"
import { recordSent } from "./sendOutgoing.ts"
import type { KeywordKind } from "../translate/optOutKeywords.ts"

interface KeywordRepliesShape {
  /** Sends the channel's answer to the keyword, if it has one: in the background, so it returns at once. */
  readonly reply: (channel: Channel, contactId: string, kind: KeywordKind) => Effect.Effect<void>
}

export class KeywordReplies extends Context.Tag("KeywordReplies")<KeywordReplies, KeywordRepliesShape>() {}

/** The replies, sent with the provider's `send`; when the scope closes, the ones on their way are waited for. */
export const makeKeywordReplies = (send: SmsProviderShape["send"]) =>
  Effect.gen(function*() {
    const needs = yield* Effect.context<AppConfig | Deliveries | Metrics | Store>()
    const metrics = Context.get(needs, Metrics)
    const store = Context.get(needs, Store)
    const deliveries = Context.get(needs, Deliveries)
    const inFlight = yield* FiberSet.make<void, never>()
    // Added after the set, so it runs before the set interrupts what is left: nothing is left by then.
    yield* Effect.addFinalizer(() => FiberSet.awaitEmpty(inFlight))
    /** The answer as an echo in the outbox, under the provider's id, which the answer's receipts will name. */
    const echo = (channel: Channel, contactId: string, mId: string, text: string) =>
      Effect.gen(function*() {
        const timestamp = yield* Clock.currentTimeMillis
        const outcome = yield* store.accept({
          channelId: channel.channelId,
          contactId,
          mId,
          dedupeKey: `echo:${mId}`,
          event: { kind: "echo", channelId: channel.channelId, contactId, mId, timestamp, message: { type: "text", text } }
        })
        if (outcome === "accepted") yield* deliveries.wake(channel.channelId)
      })
    const sendOne = (channel: Channel, contactId: string, kind: KeywordKind, text: string) => {
      const log = { channel: channel.name, direction: "out", contact: contactId, keyword: kind }
      const request = { channelId: channel.channelId, contactId, message: { type: "text", text } } as const
      return send(request, channel).pipe(
        Effect.matchEffect({
          onSuccess: (sent) => {
            metrics.messages.inc({ direction: "out", channel: channel.name, outcome: "keyword-reply" })
            return Effect.logInfo("keyword answered").pipe(
              // The echo first, then its parts recorded like any message's (folding receipts of later parts that came
              // already), so the platform learns of the answer before its statuses; only a first part's receipt that
              // came back within the moment between the provider's answer and this commit could go first.
              Effect.zipRight(echo(channel, contactId, sent.mId, text)),
              Effect.catchAll((e) =>
                Effect.logWarning("keyword answered, but agents will not see the answer: the store could not keep it").pipe(
                  Effect.annotateLogs({ reason: e.reason })
                )
              ),
              Effect.zipRight(recordSent(request, channel, sent)),
              Effect.provide(needs),
              Effect.annotateLogs({ ...log, mId: sent.mId })
            )
          },
          onFailure: (error) => {
            metrics.messages.inc({ direction: "out", channel: channel.name, outcome: "keyword-reply-failed" })
            return Effect.logWarning("keyword answer not sent").pipe(Effect.annotateLogs({ ...log, reason: error.message }))
          }
        })
      )
    }
    return KeywordReplies.of({
      reply: (channel, contactId, kind) => {
        const text = channel.optOut.replies[kind]
        return text === undefined ? Effect.void : Effect.asVoid(FiberSet.run(inFlight, sendOne(channel, contactId, kind, text)))
      }
    })
  })
