// How often calls may start: at most N in any one-second window, per channel webhook and for the SMS provider.
import { Deferred, Effect } from "effect"
import { steadyMillis } from "../steadyClock.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { Metrics } from "./Metrics.ts"

export type Limiter = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * At most `limit` calls in any window of `windowMs`, as the other side sees them: a call starts only a whole
 * window after the call `limit` back has *finished*. A request arrives after it started and before it finished,
 * so however the network delays them, no window at the other end holds more than `limit` arrivals.
 * Within that, starts are paced on slots `windowMs / limit` apart, so a backlog goes out evenly rather than in
 * bursts; slots keep their ideal times, so timers that fire late do not slow the rate.
 * (Effect's RateLimiter offers token-bucket and fixed-window, which both allow up to 2x the limit across a
 * window boundary; the platform counts any one-second window.)
 */
export const evenlySpaced = (
  limit: number,
  windowMs = 1000,
  onWait: (waitedMs: number) => void = () => undefined
): Effect.Effect<Limiter> =>
  Effect.gen(function*() {
    const gate = yield* Effect.makeSemaphore(1)
    const spacing = windowMs / limit
    /** When each of the last `limit` calls finished (pending while it runs), oldest first. */
    const finishes: Array<Deferred.Deferred<number>> = []
    let slot = 0
    const sleepUntil = (t: number) =>
      Effect.flatMap(steadyMillis, (now) => (t > now ? Effect.sleep(Math.ceil(t - now)) : Effect.void))

    const admit = (finished: Deferred.Deferred<number>) =>
      Effect.gen(function*() {
        const asked = yield* steadyMillis
        yield* gate.withPermits(1)(Effect.gen(function*() {
          if (finishes.length === limit) yield* sleepUntil((yield* Deferred.await(finishes[0]!)) + windowMs)
          yield* sleepUntil(slot)
          const now = yield* steadyMillis
          // A start more than a slot late (after a quiet spell, say) moves the slots instead of making up for it.
          slot = Math.max(slot + spacing, now)
          if (finishes.length === limit) finishes.shift()
          finishes.push(finished)
        }))
        onWait((yield* steadyMillis) - asked)
      })

    return (effect) =>
      Effect.flatMap(Deferred.make<number>(), (finished) =>
        // The wait for a turn can be interrupted even inside an uninterruptible attempt (a shutdown, a channel lost):
        // then the call never starts.
        Effect.zipRight(Effect.interruptible(admit(finished)), effect).pipe(
          // Also when interrupted while waiting: a call that never ran finished at once.
          Effect.ensuring(Effect.flatMap(steadyMillis, (t) => Deferred.succeed(finished, t)))
        ))
  })

const unlimited: Limiter = (effect) => effect


export class RateLimits extends Effect.Service<RateLimits>()("RateLimits", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const metrics = yield* Metrics
    const observe = (limiter: string) => (ms: number) => metrics.rateLimiterWait.observe({ limiter }, ms / 1000)
    const webhooks = new Map<string, Limiter>()
    for (const channel of config.channels) {
      webhooks.set(
        channel.channelId,
        yield* evenlySpaced(config.delivery.rateLimitPerSecond, 1000, observe(`webhook:${channel.name}`))
      )
    }
    const provider = config.provider.rateLimitPerSecond === undefined
      ? unlimited
      : yield* evenlySpaced(config.provider.rateLimitPerSecond, 1000, observe("provider"))
    return {
      webhook: (channelId: string): Limiter => webhooks.get(channelId) ?? unlimited,
      provider
    }
  })
}) {}
