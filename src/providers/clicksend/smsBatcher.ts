// Micro-batching for broadcasts: SMS asked for within a short window go to ClickSend in one call, and each
// caller gets back its own messages' answers (so its own mId, or its own refusal).
import { Cause, Deferred, Effect, Exit, Option, Queue } from "effect"
import type { SmsMessage } from "./wire.ts"
import { steadyMillis } from "../../steadyClock.ts"

export interface BatchSettings {
  /** At most this many messages in one call (ClickSend takes up to 1,000). */
  readonly maxMessages: number
  /** How long the first message of a batch waits for others. */
  readonly windowMs: number
}

interface Pending<A, E> {
  readonly messages: ReadonlyArray<SmsMessage>
  readonly answer: Deferred.Deferred<ReadonlyArray<A>, E>
  /** Its caller went away (the platform hung up) before the batch left: it is not sent. */
  cancelled: boolean
}

const stopped = () => Cause.die(new Error("the bridge is stopping"))

/**
 * Wraps `send` (one ClickSend call for a list of messages, answering one result per message, in order) so that
 * concurrent callers share calls. Every caller is answered: with its own slice of the results, with the call's
 * failure, or, when the answer does not match what was sent (`matches`), with `mismatch()`.
 */
export const batched = <A, E, E2>(
  send: (messages: ReadonlyArray<SmsMessage>) => Effect.Effect<ReadonlyArray<A>, E>,
  settings: BatchSettings,
  matches: (sent: SmsMessage, answer: A) => boolean,
  mismatch: () => E2
) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Pending<A, E | E2>>()
    let carried: Pending<A, E | E2> | undefined

    const flush = (batch: ReadonlyArray<Pending<A, E | E2>>) => {
      const messages = batch.flatMap((p) => p.messages)
      return send(messages).pipe(
        Effect.flatMap((results) =>
          results.length === messages.length && messages.every((m, i) => matches(m, results[i]!))
            ? Effect.succeed(results)
            : Effect.fail(mismatch())
        ),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.forEach(batch, (p, i) => {
            if (Exit.isFailure(exit)) return Deferred.failCause(p.answer, exit.cause)
            const start = batch.slice(0, i).reduce((n, q) => n + q.messages.length, 0)
            return Deferred.succeed(p.answer, exit.value.slice(start, start + p.messages.length))
          })
        )
      )
    }

    const collect = Effect.gen(function*() {
      const batch: Array<Pending<A, E | E2>> = []
      yield* Effect.gen(function*() {
        const first = carried ?? (yield* Queue.take(queue))
        carried = undefined
        batch.push(first)
        let count = first.messages.length
        const closes = (yield* steadyMillis) + settings.windowMs
        while (count < settings.maxMessages) {
          const left = closes - (yield* steadyMillis)
          const next = left > 0 ? yield* Queue.take(queue).pipe(Effect.timeout(left), Effect.option) : yield* Queue.poll(queue)
          if (Option.isNone(next)) break
          if (count + next.value.messages.length > settings.maxMessages) {
            carried = next.value
            break
          }
          batch.push(next.value)
          count += next.value.messages.length
        }
      }).pipe(
        // Stopping while a batch was being gathered: its callers hear so rather than wait forever.
        Effect.onInterrupt(() => Effect.forEach([...batch, ...(carried ? [carried] : [])], (p) => Deferred.failCause(p.answer, stopped())))
      )
      const live = batch.filter((p) => !p.cancelled)
      // The call goes on while the next batch is gathered.
      if (live.length > 0) yield* Effect.forkDaemon(flush(live))
    })
    yield* Effect.forkScoped(Effect.forever(collect))
    yield* Effect.addFinalizer(() =>
      Queue.takeAll(queue).pipe(Effect.flatMap((left) => Effect.forEach(left, (p) => Deferred.failCause(p.answer, stopped()))))
    )

    return (messages: ReadonlyArray<SmsMessage>): Effect.Effect<ReadonlyArray<A>, E | E2> =>
      Effect.flatMap(Deferred.make<ReadonlyArray<A>, E | E2>(), (answer) => {
        const pending: Pending<A, E | E2> = { messages, answer, cancelled: false }
        return Queue.offer(queue, pending).pipe(
          Effect.zipRight(Deferred.await(answer)),
          Effect.onInterrupt(() => Effect.sync(() => void (pending.cancelled = true)))
        )
      })
  })
