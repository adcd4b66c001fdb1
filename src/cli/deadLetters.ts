// `dead-letters list|show|replay|resolve`: what could not be delivered, what it was and why, sending it again, and
// marking it handled (kept as history, no longer counted in ccs_dead_letters or /readyz).
import { Console, Effect, Layer } from "effect"
import { Deliveries } from "../delivery/Deliveries.ts"
import type { ChannelConfig } from "../config/ChannelConfig.ts"
import * as registry from "../registry.ts"
import { Metrics } from "../services/Metrics.ts"
import { RateLimits } from "../services/RateLimits.ts"
import { RetryPolicy } from "../services/RetryPolicy.ts"
import { type DeadLetter, Store } from "../stores/Store.ts"
import * as operator from "../operator/deadLetters.ts"
import { deadLetterNamed, type Outcome } from "../operator/deadLetters.ts"
import { channelNames } from "../operator/channels.ts"
import { asUsageError, UsageError } from "./Cli.ts"

/** The running server's workers find replayed events on their own next look; here nothing delivers. */
const NoWorkers = Layer.succeed(Deliveries, Deliveries.make({ wake: () => Effect.void, running: Effect.succeed(false), owned: Effect.succeed([]), pauses: Effect.succeed(new Map()) }))

/** The configured provider (to route kept pushes again) on the store, with no delivery workers. */
export const cliLayer = (config: ChannelConfig) =>
  registry.providers[config.provider.plugin].layer.pipe(
    Layer.provideMerge(Layer.mergeAll(NoWorkers, RetryPolicy.Default, RateLimits.Default).pipe(Layer.provideMerge(Metrics.Default))),
    Layer.provideMerge(registry.stores[config.store.plugin].layer)
  )

const describe = (letter: DeadLetter, channelName: (id: string) => string) => {
  const mId = letter.mId ?? String((letter.body as Record<string, unknown>).message_id ?? "")
  return [
    String(letter.id).padStart(5),
    new Date(letter.createdAt).toISOString(),
    (letter.channelId === undefined ? "(none)" : channelName(letter.channelId)).padEnd(12),
    letter.kind.padEnd(18),
    (mId || "-").padEnd(38),
    String(letter.attempts).padStart(3),
    letter.lastError
  ].join("  ")
}

/** A dead letter as a script reads it (`--json`). */
const asJson = (letter: DeadLetter, name: (id: string) => string) => ({
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

/** One dead letter whole: when, where, why (the webhook's answer, or why it fits no channel), and its body. */
export const showDeadLetter = (id: number, json: boolean) =>
  Effect.gen(function*() {
    const letter = yield* asUsageError(deadLetterNamed(id))
    const name = yield* channelNames
    const shown = asJson(letter, name)
    if (json) return yield* Console.log(JSON.stringify(shown, null, 2))
    const { body, ...fields } = shown
    for (const [key, value] of Object.entries(fields)) yield* Console.log(`${key.padEnd(10)} ${value ?? "-"}`)
    yield* Console.log(`body\n${JSON.stringify(body, null, 2)}`)
  })

/** Prints what became of each dead letter, one line each. */
const report = (outcomes: ReadonlyArray<Outcome>) =>
  outcomes.length === 0
    ? Console.log("no dead letters")
    : Effect.forEach(outcomes, (o) => Console.log(`${o.id}: ${o.message}`), { discard: true })

/** Marks dead letters handled: kept as history, no longer listed or counted. */
export const resolveDeadLetters = (which: number | "all") => Effect.flatMap(asUsageError(operator.resolveDeadLetters(which)), report)

/**
 * Replays one dead letter by id, or all of them; how many went back on their way. One that could not be (it still
 * fits no channel, another provider received it) says why and fails, so a script sees it.
 */
export const replayDeadLetters = (which: number | "all") =>
  Effect.gen(function*() {
    const outcomes = yield* asUsageError(operator.replayDeadLetters(which))
    const [one] = outcomes
    if (which !== "all" && one !== undefined && !one.done) return yield* new UsageError({ message: `${one.id}: ${one.message}` })
    yield* report(outcomes)
    return outcomes.filter((o) => o.done).length
  })
