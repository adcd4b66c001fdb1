// How often calls may start: at most N in any one-second window, per channel webhook and for ClickSend.
import { Clock, Effect } from "effect"
import { AppConfig } from "../config/ChannelConfig.ts"
import { Metrics } from "./Metrics.ts"

export type Limiter = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * At most `limit` calls start in any window of `windowMs`, because starts are spaced `windowMs / limit` apart.
 * No bursts: a burst reaches the other end bunched by queueing, which a window counted there would see.
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
    let next = 0
    const admit = gate.withPermits(1)(
      Effect.gen(function*() {
        const wait = next - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(Math.ceil(wait))
        onWait(Math.max(wait, 0))
        next = Math.max(next, yield* Clock.currentTimeMillis) + spacing
      })
    )
    return (effect) => Effect.zipRight(admit, effect)
  })

const unlimited: Limiter = (effect) => effect

/**
 * The other side counts requests as they arrive; one admitted later may arrive sooner than the one before it by
 * a little network jitter, so our windows are this much longer than a second.
 */
export const arrivalMarginMs = 40

export class RateLimits extends Effect.Service<RateLimits>()("RateLimits", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const metrics = yield* Metrics
    const observe = (limiter: string) => (ms: number) => metrics.rateLimiterWait.observe({ limiter }, ms / 1000)
    const webhooks = new Map<string, Limiter>()
    for (const channel of config.channels) {
      webhooks.set(
        channel.channelId,
        yield* evenlySpaced(config.delivery.rateLimitPerSecond, 1000 + arrivalMarginMs, observe(`webhook:${channel.name}`))
      )
    }
    const provider = config.provider.rateLimitPerSecond === undefined
      ? unlimited
      : yield* evenlySpaced(config.provider.rateLimitPerSecond, 1000 + arrivalMarginMs, observe("clicksend"))
    return {
      webhook: (channelId: string): Limiter => webhooks.get(channelId) ?? unlimited,
      provider
    }
  })
}) {}
