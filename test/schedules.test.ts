// The retry schedule and the rate limiter, on the TestClock: no real waiting, exact timings.
import { describe, expect, it } from "@effect/vitest"
import { Data, Duration, Effect, Fiber, Ref, TestClock } from "effect"
import { evenlySpaced } from "../src/services/RateLimits.ts"
import { backoffSchedule, parseRetryAfter, Transient } from "../src/services/RetryPolicy.ts"

class Permanent extends Data.TaggedError("Permanent")<{}> {}
const backoff = { initialDelayMs: 100, maxDelayMs: 1000, deadlineMs: 5000 }

/** Runs an always-failing call under the schedule and returns when each attempt happened (ms on the TestClock). */
const attemptTimes = (fail: () => Transient | Permanent, advanceMs: number) =>
  Effect.gen(function*() {
    const times = yield* Ref.make<Array<number>>([])
    const call = Effect.gen(function*() {
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* Ref.update(times, (t) => [...t, now])
      return yield* Effect.fail(fail())
    })
    const fiber = yield* Effect.fork(Effect.retry(call, backoffSchedule<Transient | Permanent>(backoff, 0)))
    yield* TestClock.adjust(Duration.millis(advanceMs))
    const exit = yield* Fiber.await(fiber)
    return { times: yield* Ref.get(times), exit }
  })

describe("backoffSchedule", () => {
  it.effect("retries transient failures with delays under the exponential cap, and stops at the deadline", () =>
    Effect.gen(function*() {
      const { times, exit } = yield* attemptTimes(() => new Transient({ reason: "HTTP 500" }), 60_000)
      expect(exit._tag).toBe("Failure")
      expect(times.length).toBeGreaterThan(3)
      times.slice(1).forEach((t, i) => {
        const delay = t - times[i]!
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(Math.min(100 * 2 ** i, 1000))
      })
      expect(times.at(-1)!).toBeLessThan(5000)
    }))

  it.effect("does not retry when Retry-After asks for more time than the deadline leaves", () =>
    Effect.gen(function*() {
      const { times } = yield* attemptTimes(() => new Transient({ reason: "HTTP 429", retryAfterMs: 6000 }), 60_000)
      expect(times).toEqual([0])
    }))

  it.effect("waits at least as long as Retry-After asks", () =>
    Effect.gen(function*() {
      const { times } = yield* attemptTimes(() => new Transient({ reason: "HTTP 429", retryAfterMs: 2000 }), 60_000)
      expect(times.length).toBeGreaterThan(1)
      times.slice(1).forEach((t, i) => expect(t - times[i]!).toBeGreaterThanOrEqual(2000))
    }))

  it.effect("never retries a permanent failure", () =>
    Effect.gen(function*() {
      const { times } = yield* attemptTimes(() => new Permanent(), 60_000)
      expect(times).toEqual([0])
    }))

  it.each([
    ["3", 3000],
    ["0", 0],
    ["86400", 60_000],
    ["Thu, 01 Jan 1970 00:00:05 GMT", 5000],
    ["soon", undefined],
    [undefined, undefined]
  ])("Retry-After %j -> %j ms", (header, ms) => {
    expect(parseRetryAfter(header, 0)).toBe(ms)
  })
})

describe("evenlySpaced", () => {
  it.effect("never starts more than the limit in any window: starts are spaced window/limit apart, with no burst", () =>
    Effect.gen(function*() {
      const limit = yield* evenlySpaced(4, 1000)
      const starts = yield* Ref.make<Array<number>>([])
      const call = Effect.clockWith((c) => c.currentTimeMillis).pipe(Effect.flatMap((now) => Ref.update(starts, (s) => [...s, now])))
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 8 }, () => limit(call)), { concurrency: "unbounded" }))
      yield* TestClock.adjust(Duration.seconds(5))
      yield* Fiber.join(fiber)
      const times = yield* Ref.get(starts)
      expect(times).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750])
      for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(4)
    }))

  it.effect("a window counts from when the call `limit` back finished, so arrivals at the other end never crowd", () =>
    Effect.gen(function*() {
      const limit = yield* evenlySpaced(2, 1000)
      const starts = yield* Ref.make<Array<number>>([])
      const slow = Effect.clockWith((c) => c.currentTimeMillis).pipe(
        Effect.flatMap((now) => Ref.update(starts, (s) => [...s, now])),
        Effect.zipRight(Effect.sleep("300 millis"))
      )
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 4 }, () => limit(slow)), { concurrency: "unbounded" }))
      yield* TestClock.adjust(Duration.seconds(5))
      yield* Fiber.join(fiber)
      // The third waits for the first to finish (300) plus a window; the fourth likewise for the second.
      expect(yield* Ref.get(starts)).toEqual([0, 500, 1300, 1800])
    }))

  it.effect("a call after a quiet spell starts at once", () =>
    Effect.gen(function*() {
      const limit = yield* evenlySpaced(2, 1000)
      yield* limit(Effect.void)
      yield* TestClock.adjust(Duration.seconds(3))
      const before = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const fiber = yield* Effect.fork(limit(Effect.clockWith((c) => c.currentTimeMillis)))
      expect(yield* Fiber.join(fiber)).toBe(before)
    }))
})
