// `dead-letters list|show|replay|resolve`: what could not be delivered, what it was and why, sending it again, and
// marking it handled (kept as history, no longer counted in ccs_dead_letters or /readyz).
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
import { UsageError } from "./Cli.ts"

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

const channelNames = Effect.map(AppConfig, ({ channels }) => (id: string | undefined) =>
  channels.find((c) => c.channelId === id)?.name ?? (id ?? "(none)"))

/** A dead letter as a script reads it (`--json`). */
const asJson = (letter: DeadLetter, name: (id: string | undefined) => string) => ({
  id: letter.id,
  createdAt: new Date(letter.createdAt).toISOString(),
  channel: letter.channelId === undefined ? null : name(letter.channelId),
  kind: letter.kind,
  mId: letter.mId ?? null,
  source: letter.source ?? null,
  attempts: letter.attempts,
  lastError: letter.lastError,
  body: letter.body
})

export const listDeadLetters = (json: boolean) =>
  Effect.gen(function*() {
    const letters = yield* (yield* Store).deadLetters()
    const name = yield* channelNames
    if (json) return yield* Console.log(JSON.stringify(letters.map((l) => asJson(l, name)), null, 2))
    if (letters.length === 0) return yield* Console.log("no dead letters")
    yield* Console.log(["   id", "created".padEnd(24), "channel".padEnd(12), "kind".padEnd(18), "mId".padEnd(38), "try", "last error"].join("  "))
    for (const letter of letters) yield* Console.log(describe(letter, name))
  })

const letterNamed = (id: number) =>
  Effect.flatMap(Store, (store) => store.deadLetters()).pipe(
    Effect.flatMap((letters) => {
      const letter = letters.find((l) => l.id === id)
      return letter ? Effect.succeed(letter) : Effect.fail(new UsageError({ message: `no dead letter has id ${id} (dead-letters list shows them)` }))
    })
  )

/** One dead letter whole: when, where, why (the webhook's answer, or why it fits no channel), and its body. */
export const showDeadLetter = (id: number, json: boolean) =>
  Effect.gen(function*() {
    const letter = yield* letterNamed(id)
    const name = yield* channelNames
    const shown = asJson(letter, name)
    if (json) return yield* Console.log(JSON.stringify(shown, null, 2))
    const { body, ...fields } = shown
    for (const [key, value] of Object.entries(fields)) yield* Console.log(`${key.padEnd(10)} ${value ?? "-"}`)
    yield* Console.log(`body\n${JSON.stringify(body, null, 2)}`)
  })

/** Marks dead letters handled: kept as history, no longer listed or counted. How many it marked. */
export const resolveDeadLetters = (which: number | "all") =>
  Effect.gen(function*() {
    const store = yield* Store
    const letters = which === "all" ? yield* store.deadLetters() : [yield* letterNamed(which)]
    if (letters.length === 0) yield* Console.log("no dead letters")
    for (const letter of letters) {
      yield* store.resolve(letter.id)
      yield* Console.log(`${letter.id}: resolved (kept as history, no longer counted)`)
    }
    return letters.length
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
