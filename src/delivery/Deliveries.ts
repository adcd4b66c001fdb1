// The delivery workers: one per channel, posting outbox events to the webhook within the rate limit,
// a contact's events in order, retrying with stored backoff, and dead-lettering what cannot be delivered.
import { Clock, Effect, FiberSet, Option, Queue } from "effect"
import { AppConfig, type Channel } from "../config/ChannelConfig.ts"
import { RateLimits } from "../services/RateLimits.ts"
import { RespondIoClient } from "../services/RespondIoClient.ts"
import { nextDelay, RetryPolicy } from "../services/RetryPolicy.ts"
import { Store, type OutboxEvent } from "../store/Store.ts"

/** How often an idle worker looks at the store anyway (events replayed from the command line, say). */
const idlePollMs = 500

export class Deliveries extends Effect.Service<Deliveries>()("Deliveries", {
  scoped: Effect.gen(function*() {
    const config = yield* AppConfig
    const store = yield* Store
    const client = yield* RespondIoClient
    const limits = yield* RateLimits
    const { delivery: backoff } = yield* RetryPolicy
    // Requests in flight per channel: enough to keep the rate limit busy while some calls are slow.
    const inFlightLimit = Math.min(Math.max(config.delivery.rateLimitPerSecond, 4), 64)
    // A claimed event is hidden from other claims for this long: one attempt plus the rate limiter's wait.
    const leaseMs = config.platform.timeoutMs + Math.ceil((1000 * inFlightLimit) / config.delivery.rateLimitPerSecond) + 5_000

    const attempt = (channel: Channel, event: OutboxEvent) => {
      const log = { channel: channel.name, direction: event.payload.events[0].type === "message" ? "in" : "receipt", mId: event.mId }
      return client.deliver(channel, event.payload).pipe(
        Effect.matchEffect({
          onSuccess: () =>
            store.markDelivered(event.id).pipe(
              Effect.zipRight(Effect.logInfo("event delivered").pipe(
                Effect.annotateLogs({ ...log, attempt: event.attempts + 1, outcome: "delivered" })
              ))
            ),
          onFailure: (error) =>
            Effect.gen(function*() {
              const attempts = event.attempts + 1
              const delay = error._tag === "WebhookRefused"
                ? undefined
                : yield* nextDelay(backoff, attempts, error.retryAfterMs)
              if (delay === undefined) {
                const why = error._tag === "WebhookRefused" ? error.reason : `gave up after ${attempts} attempts: ${error.reason}`
                yield* store.markDead(event.id, why)
                yield* Effect.logWarning("event is a dead letter").pipe(Effect.annotateLogs({ ...log, attempt: attempts, outcome: "dead", reason: why }))
              } else {
                yield* store.markRetry(event.id, delay, error.reason)
                yield* Effect.logInfo("event will be retried").pipe(
                  Effect.annotateLogs({ ...log, attempt: attempts, outcome: "retry", reason: error.reason, retryInMs: delay })
                )
              }
            })
        }),
        // Once started, an attempt and its record finish even during shutdown.
        Effect.uninterruptible
      )
    }

    const worker = (channel: Channel, wake: Queue.Queue<void>) =>
      Effect.gen(function*() {
        const running = yield* FiberSet.make<void>()
        const limit = limits.webhook(channel.channelId)
        for (;;) {
          const free = inFlightLimit - (yield* FiberSet.size(running))
          const events = free > 0 ? yield* store.claimDue(channel.channelId, free, leaseMs) : []
          for (const event of events) {
            yield* FiberSet.run(running, limit(attempt(channel, event)).pipe(Effect.ensuring(Queue.offer(wake, undefined))))
          }
          if (events.length > 0 && events.length === free) continue
          const due = yield* store.nextDue(channel.channelId)
          const now = yield* Clock.currentTimeMillis
          const wait = due === undefined ? idlePollMs : Math.min(Math.max(due - now, 1), idlePollMs)
          yield* Effect.race(Queue.take(wake), Effect.sleep(wait))
        }
      }).pipe(Effect.scoped, Effect.annotateLogs({ worker: channel.name }))

    yield* store.releaseLeases()
    const wakers = new Map<string, Queue.Queue<void>>()
    const fibers = []
    for (const channel of config.channels) {
      const wake = yield* Queue.sliding<void>(1)
      wakers.set(channel.channelId, wake)
      fibers.push(yield* Effect.forkScoped(worker(channel, wake)))
    }

    return {
      /** Tells the channel's worker that an event was committed, so it need not wait for its next look. */
      wake: (channelId: string) => {
        const wake = wakers.get(channelId)
        return wake ? Queue.offer(wake, undefined).pipe(Effect.asVoid) : Effect.void
      },
      /** True while every channel's worker runs. */
      running: Effect.forEach(fibers, (f) => f.poll).pipe(Effect.map((polls) => polls.every(Option.isNone)))
    }
  })
}) {}
