// Micro-batching for broadcasts: SMS asked for within a short window go to ClickSend in one call, and each
// caller gets back its own messages' answers (so its own mId, or its own refusal).
import { Clock, Deferred, Effect, Option, Queue } from "effect"
import type { SmsMessage } from "../provider/ClickSend.ts"

export interface BatchSettings {
  /** At most this many messages in one call (ClickSend takes up to 1,000). */
  readonly maxMessages: number
  /** How long the first message of a batch waits for others. */
  readonly windowMs: number
}

interface Pending<A, E> {
  readonly messages: ReadonlyArray<SmsMessage>
  readonly answer: Deferred.Deferred<ReadonlyArray<A>, E>
}

/**
 * Wraps `send` (one ClickSend call for a list of messages, answering one result per message, in order) so that
 * concurrent callers share calls. A failure of the whole call (not a per-message status) fails every caller in it.
 */
export const batched = <A, E, E2>(
  send: (messages: ReadonlyArray<SmsMessage>) => Effect.Effect<ReadonlyArray<A>, E>,
  settings: BatchSettings,
  mismatch: () => E2
) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Pending<A, E | E2>>()
    let carried: Pending<A, E | E2> | undefined

    const flush = (batch: ReadonlyArray<Pending<A, E | E2>>) =>
      send(batch.flatMap((p) => p.messages)).pipe(
        Effect.flatMap((results) =>
          results.length === batch.reduce((n, p) => n + p.messages.length, 0)
            ? Effect.succeed(results)
            : Effect.fail(mismatch())
        ),
        Effect.matchEffect({
          onSuccess: (results) =>
            Effect.forEach(batch, (p, i) => {
              const start = batch.slice(0, i).reduce((n, q) => n + q.messages.length, 0)
              return Deferred.succeed(p.answer, results.slice(start, start + p.messages.length))
            }),
          onFailure: (error) => Effect.forEach(batch, (p) => Deferred.fail(p.answer, error))
        })
      )

    const collect = Effect.gen(function*() {
      const first = carried ?? (yield* Queue.take(queue))
      carried = undefined
      const batch = [first]
      let count = first.messages.length
      const closes = (yield* Clock.currentTimeMillis) + settings.windowMs
      while (count < settings.maxMessages) {
        const left = closes - (yield* Clock.currentTimeMillis)
        const next = left > 0 ? yield* Queue.take(queue).pipe(Effect.timeout(left), Effect.option) : yield* Queue.poll(queue)
        if (Option.isNone(next)) break
        if (count + next.value.messages.length > settings.maxMessages) {
          carried = next.value
          break
        }
        batch.push(next.value)
        count += next.value.messages.length
      }
      // The call goes on while the next batch is collected.
      yield* Effect.forkDaemon(flush(batch))
    })
    yield* Effect.forkScoped(Effect.forever(collect))

    return (messages: ReadonlyArray<SmsMessage>): Effect.Effect<ReadonlyArray<A>, E | E2> =>
      Effect.flatMap(Deferred.make<ReadonlyArray<A>, E | E2>(), (answer) =>
        Queue.offer(queue, { messages, answer }).pipe(Effect.zipRight(Deferred.await(answer))))
  })
