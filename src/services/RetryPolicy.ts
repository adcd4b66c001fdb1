// When to try an outside call again: exponential backoff with full jitter, honouring Retry-After, within a deadline.
import { Data, Duration, Effect, Random, Schedule } from "effect"
import { AppConfig } from "../config/ChannelConfig.ts"

export interface Backoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly deadlineMs: number
}

/** A failure worth trying again (network error, timeout, 408, 429, 5xx), and when the other side asked us back. */
export class Transient extends Data.TaggedError("Transient")<{
  readonly reason: string
  readonly retryAfterMs?: number | undefined
}> {
  /** A request that got no answer, said by the innermost cause's code (ECONNREFUSED, ...) or message. */
  static network(error: { readonly cause?: unknown }): Transient {
    let cause: unknown = error.cause
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause
    const what = cause instanceof Error ? (cause as NodeJS.ErrnoException).code ?? cause.message : undefined
    return new Transient({ reason: what ? `network error: ${what}` : "network error" })
  }
}

export const isTransientStatus = (status: number) => status === 408 || status === 429 || status >= 500

/** Full jitter (a random delay up to the exponential step, capped): retries of many callers do not line up. */
export const backoffSchedule = <E extends { readonly _tag: string }>(backoff: Backoff) =>
  Schedule.exponential(Duration.millis(backoff.initialDelayMs)).pipe(
    Schedule.modifyDelayEffect((_, step) =>
      Random.nextIntBetween(0, Math.min(Duration.toMillis(step), backoff.maxDelayMs) + 1).pipe(Effect.map(Duration.millis))
    ),
    Schedule.intersect(Schedule.identity<E>()),
    Schedule.modifyDelay(([, error], delay) => {
      const after = error instanceof Transient ? error.retryAfterMs : undefined
      return after === undefined ? delay : Duration.max(delay, Duration.millis(after))
    }),
    Schedule.whileInput((error: E) => error._tag === "Transient"),
    Schedule.intersect(Schedule.elapsed),
    Schedule.whileOutput(([, elapsed]) => Duration.toMillis(elapsed) < backoff.deadlineMs)
  )

/** Seconds or an HTTP date, as `Retry-After` allows; bounded so a hostile header cannot park us for hours. */
export const parseRetryAfter = (header: string | undefined, now: number, capMs = 60_000): number | undefined => {
  if (!header) return undefined
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), capMs) : undefined
}

export class RetryPolicy extends Effect.Service<RetryPolicy>()("RetryPolicy", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    return {
      /** ClickSend calls: inside `/message`, so bounded by the provider deadline. */
      provider: config.provider.retry as Backoff,
      /** Webhook calls: a push waits for them, so a short deadline; ClickSend may push again after a non-2xx. */
      webhook: { initialDelayMs: 250, maxDelayMs: 1_000, deadlineMs: 3_000 } as Backoff
    }
  })
}) {}

export const retrying = <A, E extends { readonly _tag: string }, R>(backoff: Backoff) =>
(effect: Effect.Effect<A, E, R>) => Effect.retry(effect, backoffSchedule<E>(backoff))
