// What the operator does with dead letters, once for both of their tools (the command line prints it, the console's
// API answers it as JSON): find one, send them again, mark them handled.
import { Effect } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { NotFound } from "../domain/errors.ts"
import { SmsProvider } from "../providers/SmsProvider.ts"
import { type DeadLetter, Store } from "../stores/Store.ts"

/** What became of one dead letter: `done` when it left the dead letters (replayed or resolved), and why in words. */
export interface Outcome {
  readonly id: number
  readonly done: boolean
  readonly message: string
}

/** The dead letter with this id, or a 404 that says where to look. */
export const deadLetterNamed = (id: number) =>
  Effect.flatMap(Store, (store) => store.deadLetters()).pipe(
    Effect.flatMap((letters) => {
      const letter = letters.find((l) => l.id === id)
      return letter ? Effect.succeed(letter) : Effect.fail(new NotFound({ message: `no dead letter has id ${id}` }))
    })
  )

const chosen = (which: number | "all") =>
  which === "all" ? Effect.flatMap(Store, (store) => store.deadLetters()) : Effect.map(deadLetterNamed(which), (l): ReadonlyArray<DeadLetter> => [l])

/** Sends one dead letter again: an event back to the outbox (the channel's worker delivers it), a push routed anew. */
const replayOne = (letter: DeadLetter) =>
  Effect.gen(function*() {
    const store = yield* Store
    const config = yield* AppConfig
    const outcome = (done: boolean, message: string): Outcome => ({ id: letter.id, done, message })
    if (letter.kind === "event") {
      return (yield* store.requeue(letter.id)) ? outcome(true, "back in the outbox") : outcome(false, "no longer a dead letter")
    }
    // A push is read again by the provider that received it: after a switch of provider, it is left as it is.
    if (letter.source !== undefined && letter.source !== config.provider.plugin) {
      return outcome(false, `received by ${letter.source}, not by the configured provider (${config.provider.plugin}); left as it is`)
    }
    const routed = yield* (yield* SmsProvider).reroute(letter.kind, letter.body).pipe(
      Effect.catchTag("InvalidPayload", (e) => Effect.succeed(`still invalid: ${e.message}` as const))
    )
    if (routed === "accepted" || routed === "duplicate" || routed === "skipped") {
      yield* store.resolve(letter.id)
      return outcome(true, `routed (${routed})`)
    }
    return outcome(false, routed === "dead-lettered" ? "still fits no channel" : routed)
  })

/** Replays one dead letter by id (404 when there is none), or all of them; what became of each. */
export const replayDeadLetters = (which: number | "all") => Effect.flatMap(chosen(which), Effect.forEach(replayOne))

/** Marks dead letters handled (kept as history, no longer listed or counted); one by id (404 when none), or all. */
export const resolveDeadLetters = (which: number | "all") =>
  Effect.flatMap(chosen(which), (letters) =>
    Effect.flatMap(Store, (store) =>
      Effect.forEach(letters, (letter) =>
        Effect.as(store.resolve(letter.id), { id: letter.id, done: true, message: "resolved (kept as history, no longer counted)" } satisfies Outcome))))
