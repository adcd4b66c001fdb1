// When to try an outside call again: exponential backoff with full jitter, honouring Retry-After, within a deadline.
import { Data, Duration, Effect, Random, Schedule } from "effect"
import { steadyMillis } from "../steadyClock.ts"
import { AppConfig } from "../config/AppConfig.ts"

export interface Backoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly deadlineMs: number
}

/**
 * A failure worth trying again (network error, timeout, 408, 429, 5xx), and when the other side asked us back.
 * `mayHaveArrived`: the request may have been processed (timeout, connection lost after sending), so a caller
 * whose request is not idempotent (sending an SMS) must not send it again.
 */
export class Transient extends Data.TaggedError("Transient")<{
  readonly reason: string
  readonly retryAfterMs?: number | undefined
  readonly mayHaveArrived?: boolean | undefined
}> {
  /** A request that got no answer, said by the innermost cause's code (ECONNREFUSED, ...) or message. */
  static network(error: { readonly cause?: unknown }): Transient {
    let cause: unknown = error.cause
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause
    const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined
    const what = code ?? (cause instanceof Error ? cause.message : undefined)
    return new Transient({
      reason: what ? `network error: ${what}` : "network error",
      mayHaveArrived: !(typeof code === "string" && neverConnected.has(code)) && what !== "bad port"
    })
  }
}

/** Errors that happen before a connection exists: the request surely never arrived. */
const neverConnected = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"
])

export const isTransientStatus = (status: number) => status === 408 || status === 429 || status >= 500

/**
 * Full jitter (a random delay up to the exponential step, capped), so retries of many callers do not line up;
 * at least what Retry-After asks; and no retry whose delay would end past the deadline, counted from `startedAt`.
 */
export const backoffSchedule = <E extends { readonly _tag: string }>(backoff: Backoff, startedAt: number) =>
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
    Schedule.delays,
    Schedule.checkEffect((_, delay) =>
      steadyMillis.pipe(Effect.map((now) => now - startedAt + Duration.toMillis(delay) < backoff.deadlineMs))
    )
  )

/** Retry-After is honoured up to this, so a hostile header cannot park us for hours. */
export const retryAfterCapMs = 60_000

/** Seconds or an HTTP date, as `Retry-After` allows, up to `capMs`. */
export const parseRetryAfter = (header: string | undefined, now: number, capMs = retryAfterCapMs): number | undefined => {
  if (!header) return undefined
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), capMs) : undefined
}

export interface DurableBackoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  /** A stored event failing only transiently becomes a dead letter this long after it was accepted. */
  readonly giveUpAfterMs: number
}

/**
 * The wait after the `failures`-th failure in a row: full jitter up to the exponential step, capped at maxDelayMs,
 * and at least what Retry-After asked.
 */
export const nextDelay = (backoff: Pick<DurableBackoff, "initialDelayMs" | "maxDelayMs">, failures: number, retryAfterMs: number | undefined) =>
  Random.nextIntBetween(0, Math.min(backoff.initialDelayMs * 2 ** Math.min(failures - 1, 30), backoff.maxDelayMs) + 1)
    .pipe(Effect.map((jittered) => Math.max(jittered, retryAfterMs ?? 0)))

/**
 * The longest wait the bridge itself may choose before an event's next attempt: a stored due time further ahead was
 * written under another reading of the wall clock (it stepped while the bridge was down) and is due now.
 */
export const longestDelayMs = (backoff: Pick<DurableBackoff, "maxDelayMs">) => Math.max(backoff.maxDelayMs, retryAfterCapMs)

export class RetryPolicy extends Effect.Service<RetryPolicy>()("RetryPolicy", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    return {
      /** The provider's calls: inside `/message`, so bounded by its deadline. */
      provider: config.provider.retry as Backoff,
      /** Webhook deliveries from the outbox: the waits are stored, so they survive a restart. */
      delivery: config.delivery.retry as DurableBackoff
    }
  })
}) {}

/**
 * Retries `effect` on the backoff; the deadline counts from the first attempt. The schedule is only built once an
 * attempt failed (the first failure is replayed into it, so its delay and Retry-After count): most calls succeed
 * at once, and on the hot path of /message building it for each of them showed in the profile.
 */
export const retrying = <A, E extends { readonly _tag: string }, R>(backoff: Backoff) =>
(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(steadyMillis, (startedAt) =>
    Effect.catchIf(effect, (e) => e._tag === "Transient", (first) => {
      let replay: E | undefined = first
      const again = Effect.suspend(() => {
        if (replay === undefined) return effect
        const e = replay
        replay = undefined
        return Effect.fail(e)
      })
      return Effect.retry(again, backoffSchedule<E>(backoff, startedAt))
    }))
