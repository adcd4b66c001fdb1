// How often calls may start: at most N in any one-second window, per channel webhook and for ClickSend.
import { Clock, Effect } from "effect"
import { AppConfig } from "../config/ChannelConfig.ts"
import { Metrics } from "./Metrics.ts"

export type Limiter = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * At most `limit` calls start in any window of `windowMs`, exactly: a call starts only when the call `limit`
 * starts back is a whole window old. Within that, starts are paced on slots `windowMs / limit` apart, so a
 * backlog goes out evenly rather than in bursts (a burst reaches the other end bunched by queueing, which a
 * window counted there would see); slots keep their ideal times, so timers that fire late do not slow the rate.
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
    const starts: Array<number> = []
    let slot = 0
    const admit = gate.withPermits(1)(
      Effect.gen(function*() {
        const windowOpens = starts.length === limit ? starts[0]! + windowMs : 0
        const wait = Math.max(slot, windowOpens) - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(Math.ceil(wait))
        onWait(Math.max(wait, 0))
        const now = yield* Clock.currentTimeMillis
        starts.push(now)
        if (starts.length > limit) starts.shift()
        // A start more than a slot late (after a quiet spell, say) moves the slots instead of making up for it.
        slot = Math.max(slot + spacing, now)
      })
    )
    return (effect) => Effect.zipRight(admit, effect)
  })

const unlimited: Limiter = (effect) => effect

/**
 * The other side counts requests as they arrive; one admitted later may arrive sooner than the one before it by
 * a little network jitter, so our windows are this much longer than a second.
 */
export const arrivalMarginMs = 50

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
