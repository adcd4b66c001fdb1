// `dead-letters list` and `dead-letters replay [id|--all]`: what could not be delivered, and sending it again.
import { Console, Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import type { ChannelConfig } from "../config/ChannelConfig.ts"
import { SmsProvider } from "../providers/SmsProvider.ts"
import * as registry from "../registry.ts"
import { Metrics } from "../services/Metrics.ts"
import { RateLimits } from "../services/RateLimits.ts"
import { RetryPolicy } from "../services/RetryPolicy.ts"
import { type DeadLetter, Store } from "../stores/Store.ts"

/** The running server's workers find replayed events on their own next look; here nothing delivers. */
const NoWorkers = Layer.succeed(Deliveries, Deliveries.make({ wake: () => Effect.void, running: Effect.succeed(false), owned: Effect.succeed([]) }))

/** The configured provider (to route kept pushes again) on the store, with no delivery workers. */
export const cliLayer = (config: ChannelConfig) =>
  registry.providers[config.provider.plugin].layer.pipe(
    Layer.provideMerge(Layer.mergeAll(NoWorkers, RetryPolicy.Default, RateLimits.Default).pipe(Layer.provideMerge(Metrics.Default))),
    Layer.provideMerge(registry.stores[config.store.plugin].layer)
  )

const describe = (letter: DeadLetter, channelName: (id: string | undefined) => string) => {
  const mId = letter.mId ?? String((letter.body as Record<string, unknown>).message_id ?? "")
  return [
    String(letter.id).padStart(5),
    new Date(letter.createdAt).toISOString(),
    channelName(letter.channelId).padEnd(12),
    letter.kind.padEnd(18),
    (mId || "-").padEnd(38),
    String(letter.attempts).padStart(3),
    letter.lastError
  ].join("  ")
}

export const listDeadLetters = Effect.gen(function*() {
  const { channels } = yield* AppConfig
  const letters = yield* (yield* Store).deadLetters()
  const name = (id: string | undefined) => channels.find((c) => c.channelId === id)?.name ?? (id ?? "(none)")
  if (letters.length === 0) return yield* Console.log("no dead letters")
  yield* Console.log(["   id", "created".padEnd(24), "channel".padEnd(12), "kind".padEnd(18), "mId".padEnd(38), "try", "last error"].join("  "))
  for (const letter of letters) yield* Console.log(describe(letter, name))
})

/** Replays one dead letter by id, or all of them; returns how many went back on their way. */
export const replayDeadLetters = (which: number | "all") =>
  Effect.gen(function*() {
    const store = yield* Store
    const config = yield* AppConfig
    const letters = (yield* store.deadLetters()).filter((l) => which === "all" || l.id === which)
    if (letters.length === 0) {
      if (which === "all") yield* Console.log("no dead letters")
      return 0
    }
    let replayed = 0
    for (const letter of letters) {
      if (letter.kind === "event") {
        if (yield* store.requeue(letter.id)) replayed++
        yield* Console.log(`${letter.id}: back in the outbox`)
        continue
      }
      // A push is read again by the provider that received it: after a switch of provider, it is left as it is.
      if (letter.source !== undefined && letter.source !== config.provider.plugin) {
        yield* Console.log(`${letter.id}: received by ${letter.source}, not by the configured provider (${config.provider.plugin}); left as it is`)
        continue
      }
      const outcome = yield* (yield* SmsProvider).reroute(letter.kind, letter.body).pipe(
        Effect.catchTag("InvalidPayload", (e) => Effect.succeed(`still invalid: ${e.message}` as const))
      )
      if (outcome === "accepted" || outcome === "duplicate" || outcome === "skipped") {
        yield* store.resolve(letter.id)
        replayed++
        yield* Console.log(`${letter.id}: routed (${outcome})`)
      } else {
        yield* Console.log(`${letter.id}: ${outcome === "dead-lettered" ? "still fits no channel" : outcome}`)
      }
    }
    return replayed
  })
