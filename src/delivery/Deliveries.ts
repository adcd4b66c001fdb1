// The delivery workers: one per channel, posting outbox events to the webhook within the rate limit,
// a contact's events in order, retrying with stored backoff, and dead-lettering what cannot be delivered.
import { Cause, Deferred, Effect, FiberSet, Option, Queue, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { Channel } from "../config/ChannelConfig.ts"
import type { ChannelEvent } from "../domain/events.ts"
import { Metrics } from "../services/Metrics.ts"
import { type Limiter, RateLimits } from "../services/RateLimits.ts"
import { Platform } from "../platforms/Platform.ts"
import { nextDelay, RetryPolicy } from "../services/RetryPolicy.ts"
import { steadyMillis } from "../steadyClock.ts"
import { Store, type OutboxEvent, type StoreUnavailable } from "../stores/Store.ts"

/** The `direction` of an event's log lines: a contact's message came in, an echo went out, a status is a receipt. */
const directions = { message: "in", echo: "out", status: "receipt" } as const satisfies Record<ChannelEvent["kind"], string>

/** How often an idle worker looks at the store anyway (events replayed from the command line, say). */
const idlePollMs = 500

/**
 * An attempt whose record fails (the store cannot write) keeps its outcome and tries the record again, for this
 * long, rather than sending the event again; past it, the worker starts over and the event is sent again.
 */
const recordRetry = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("2 seconds")), Schedule.upTo("30 seconds"))

/** A worker that failed starts over after a second, then two, four... up to half a minute while it keeps failing. */
const restartDelayMs = (failedRuns: number) => Math.min(1000 * 2 ** Math.min(failedRuns - 1, 5), 30_000)

export class Deliveries extends Effect.Service<Deliveries>()("Deliveries", {
  scoped: Effect.gen(function*() {
    const config = yield* AppConfig
    const store = yield* Store
    const platform = yield* Platform
    const limits = yield* RateLimits
    const { delivery: backoff } = yield* RetryPolicy
    const metrics = yield* Metrics
    const count = (channel: Channel, outcome: string) =>
      Effect.sync(() => metrics.messages.inc({ direction: "delivery", channel: channel.name, outcome }))
    // Requests in flight per channel: enough to keep the rate limit busy while some calls are slow.
    const inFlightLimit = Math.min(Math.max(config.delivery.rateLimitPerSecond, 4), 64)

    /**
     * A transient failure pauses the whole channel (the webhook is down, or said 429 with Retry-After): the
     * pause grows with the channel's consecutive failures, with full jitter; while it lasts no event is sent,
     * and after it one event at a time probes until one gets through. The waiting events take turns as the
     * probe, so an outage costs each of them an attempt now and then, not 25 in a row.
     */
    const makePause = () => {
      let failures = 0
      let until = 0
      return {
        /** The wait before the failed event's next attempt; the attempts in flight when a pause began add none. */
        failed: (retryAfterMs: number | undefined) =>
          Effect.gen(function*() {
            const now = yield* steadyMillis
            if (now < until) {
              until = Math.max(until, now + (retryAfterMs ?? 0))
              return until - now
            }
            failures++
            const delay = yield* nextDelay(backoff, failures, retryAfterMs)
            until = now + delay
            return delay
          }),
        succeeded: Effect.sync(() => void (failures = 0)),
        remaining: Effect.map(steadyMillis, (now) => until - now),
        /** After a failure, one event at a time probes the webhook until one gets through. */
        probing: Effect.sync(() => failures > 0),
        /** For the operator: how much longer the pause lasts (0 when none), and the failures in a row behind it. */
        state: Effect.map(steadyMillis, (now) => ({ pausedForMs: Math.max(0, until - now), failures }))
      }
    }

    /** One attempt: the webhook call within the channel's rate limit (`limit`), then its record (outside it). */
    const attempt = (channel: Channel, pause: ReturnType<typeof makePause>, limit: Limiter, event: OutboxEvent) => {
      const log = { channel: channel.name, direction: directions[event.event.kind], mId: event.mId }
      let recordFailures = 0
      /** The attempt's record, tried again while the store cannot write (said once). */
      const kept = <A>(record: Effect.Effect<A, StoreUnavailable>) =>
        record.pipe(
          Effect.tapError((e) =>
            recordFailures++ === 0
              ? Effect.logWarning("the attempt could not be recorded; trying the record again").pipe(
                Effect.annotateLogs({ ...log, reason: e.reason })
              )
              : Effect.void
          ),
          Effect.retry(recordRetry)
        )
      return limit(platform.deliver(channel, event.event)).pipe(
        Effect.matchEffect({
          onSuccess: () =>
            Effect.all([kept(store.markDelivered(event.id)), pause.succeeded, count(channel, "delivered")]).pipe(
              Effect.zipRight(Effect.logInfo("event delivered").pipe(
                Effect.annotateLogs({ ...log, attempt: event.attempts + 1, outcome: "delivered" })
              ))
            ),
          onFailure: (error) =>
            Effect.gen(function*() {
              const attempts = event.attempts + 1
              // A refusal is final; a transient failure is waited out, for as long as giveUpAfterMs allows.
              const retriedFor = (yield* steadyMillis) - event.retrySince
              const dead = error._tag === "WebhookRefused"
                ? error.reason
                : retriedFor >= backoff.giveUpAfterMs
                ? `gave up after ${attempts} attempts over ${Math.round(retriedFor / 1000)} s: ${error.reason}`
                : undefined
              if (dead !== undefined) {
                yield* kept(store.markDead(event.id, dead))
                yield* count(channel, "dead")
                yield* Effect.logWarning("event is a dead letter").pipe(Effect.annotateLogs({ ...log, attempt: attempts, outcome: "dead", reason: dead }))
                return
              }
              const delay = yield* pause.failed(error._tag === "Transient" ? error.retryAfterMs : undefined)
              yield* kept(store.markRetry(event.id, delay, error.reason))
              yield* count(channel, "retry")
              metrics.retries.inc({ target: "webhook" })
              yield* Effect.logInfo("event will be retried").pipe(
                Effect.annotateLogs({ ...log, attempt: attempts, outcome: "retry", reason: error.reason, retryInMs: delay })
              )
            })
        }),
        // Once started, an attempt and its record finish even during shutdown.
        Effect.uninterruptible
      )
    }

    /** The channels whose delivery runs here (all of them with one process per store; some with several replicas). */
    const owned = new Set<string>()
    const pauses = new Map<string, ReturnType<typeof makePause>>()

    const worker = (channel: Channel, wake: Queue.Queue<void>) => {
      // Kept across the worker's runs: a restart neither forgets an outage nor waits less after many failures.
      const pause = makePause()
      pauses.set(channel.channelId, pause)
      let failedRuns = 0
      const run = Effect.gen(function*() {
        // No attempt of this channel is in flight here (the last run's ended with its scope): what is still leased
        // was being sent when the process (or the replica that owned the channel) stopped, or its record failed,
        // and is sent again.
        yield* store.releaseLeases(channel.channelId)
        const running = yield* FiberSet.make<void>()
        // An attempt whose record failed (the store cannot write) ends this run; the next frees its lease.
        const recordFailed = yield* Deferred.make<never, StoreUnavailable>()
        const limit = limits.webhook(channel.channelId)
        for (;;) {
          const failed = yield* Deferred.poll(recordFailed)
          if (Option.isSome(failed)) yield* failed.value
          const paused = yield* pause.remaining
          if (paused > 0) {
            yield* Effect.sleep(paused)
            continue
          }
          const busy = yield* FiberSet.size(running)
          const free = (yield* pause.probing) ? (busy === 0 ? 1 : 0) : inFlightLimit - busy
          // Every slot busy: the next finished attempt wakes us.
          if (free <= 0) {
            yield* Queue.take(wake)
            continue
          }
          const events = yield* store.claimDue(channel.channelId, free)
          failedRuns = 0
          for (const event of events) {
            yield* FiberSet.run(
              running,
              attempt(channel, pause, limit, event).pipe(
                Effect.catchTag("StoreUnavailable", (e) => Deferred.fail(recordFailed, e)),
                Effect.ensuring(Queue.offer(wake, undefined))
              )
            )
          }
          if (events.length > 0) continue
          const due = yield* store.nextDue(channel.channelId)
          const now = yield* steadyMillis
          const wait = due === undefined ? idlePollMs : Math.min(Math.max(due - now, 1), idlePollMs)
          yield* Effect.race(Queue.take(wake), Effect.sleep(wait))
        }
      })
      return Effect.gen(function*() {
        // Delivers only while this process owns the channel; losing it ends the run (its attempts finish first).
        const ownership = yield* store.own(channel.channelId)
        yield* Effect.acquireRelease(Effect.sync(() => owned.add(channel.channelId)), () => Effect.sync(() => owned.delete(channel.channelId)))
        yield* Effect.raceFirst(run, ownership.lost)
      }).pipe(
        Effect.scoped,
        // A worker that meets a failure starts over, later each time it keeps failing: quietly while the store
        // cannot write (the store says so once), loudly for anything unexpected.
        Effect.catchAllCause((cause) => {
          if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
          const delayMs = restartDelayMs(++failedRuns)
          return (Option.isSome(Cause.failureOption(cause))
            ? Effect.logDebug("delivery waits for the store").pipe(Effect.annotateLogs({ retryInMs: delayMs }))
            : Effect.logError("delivery worker failed; restarting", cause).pipe(Effect.annotateLogs({ retryInMs: delayMs })))
            .pipe(Effect.zipRight(Effect.sleep(delayMs)))
        }),
        Effect.forever,
        Effect.annotateLogs({ worker: channel.name })
      )
    }

    const abandoned = yield* store.abandonOtherChannels(config.channels.map((c) => c.channelId))
    if (abandoned > 0) {
      yield* Effect.logWarning("pending events of channels no longer configured are now dead letters").pipe(
        Effect.annotateLogs({ events: abandoned })
      )
    }
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
      /** True while every channel's worker runs (delivering, or waiting to own its channel). */
      running: Effect.forEach(fibers, (f) => f.poll).pipe(Effect.map((polls) => polls.every(Option.isNone))),
      /** The ids of the channels this process delivers now. */
      owned: Effect.sync((): ReadonlyArray<string> => [...owned]),
      /** How each channel delivered here stands: paused for how long more after how many failures in a row. */
      pauses: Effect.suspend(() => Effect.forEach([...owned], (id) =>
        pauses.get(id)?.state.pipe(Effect.map((state) => [id, state] as const)) ?? Effect.succeed([id, { pausedForMs: 0, failures: 0 }] as const)).pipe(
          Effect.map((entries): ReadonlyMap<string, { readonly pausedForMs: number; readonly failures: number }> => new Map(entries))
        ))
    }
  })
}) {}
