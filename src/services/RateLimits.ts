// How often calls may start: at most N in any sliding one-second window, per channel webhook and for ClickSend.
import { Clock, Effect } from "effect"
import { AppConfig } from "../config/ChannelConfig.ts"

export type Limiter = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Exact sliding window: a call starts only when fewer than `limit` calls started in the last `windowMs`.
 * (Effect's RateLimiter offers token-bucket and fixed-window, which both allow up to 2x the limit across a
 * window boundary; the platform counts any one-second window.)
 */
export const slidingWindow = (limit: number, windowMs = 1000): Effect.Effect<Limiter> =>
  Effect.gen(function*() {
    const gate = yield* Effect.makeSemaphore(1)
    const starts: Array<number> = []
    const admit = gate.withPermits(1)(
      Effect.gen(function*() {
        if (starts.length >= limit) {
          const wait = starts[starts.length - limit]! + windowMs - (yield* Clock.currentTimeMillis)
          if (wait > 0) yield* Effect.sleep(wait)
        }
        starts.push(yield* Clock.currentTimeMillis)
        if (starts.length > limit) starts.shift()
      })
    )
    return (effect) => Effect.zipRight(admit, effect)
  })

const unlimited: Limiter = (effect) => effect

export class RateLimits extends Effect.Service<RateLimits>()("RateLimits", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const webhooks = new Map<string, Limiter>()
    for (const channel of config.channels) {
      webhooks.set(channel.channelId, yield* slidingWindow(config.delivery.rateLimitPerSecond))
    }
    const provider = config.provider.rateLimitPerSecond === undefined
      ? unlimited
      : yield* slidingWindow(config.provider.rateLimitPerSecond)
    return {
      webhook: (channelId: string): Limiter => webhooks.get(channelId) ?? unlimited,
      provider
    }
  })
}) {}
