// Micro-batching on its own: every caller is answered, with its own results, and a gone caller is not sent.
import { describe, expect, it } from "@effect/vitest"
import { Data, Effect, Either, Fiber, Ref, TestClock } from "effect"
import type { SmsMessage } from "../src/providers/clicksend/wire.ts"
import { batched } from "../src/providers/clicksend/smsBatcher.ts"

class Mismatch extends Data.TaggedError("Mismatch")<{}> {}
const sms = (to: string): SmsMessage => ({ to, body: "x", source: "t", custom_string: "" })
const settings = { maxMessages: 10, windowMs: 20 }
const sameTo = (sent: SmsMessage, answer: { to: string }) => answer.to === sent.to

describe("batched", () => {
  it.scoped("the rule, on the TestClock: N callers within one window share ceil(N / maxMessages) calls; a later caller starts a new window", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make<Array<{ at: number; size: number }>>([])
      const send = (messages: ReadonlyArray<SmsMessage>) =>
        TestClock.currentTimeMillis.pipe(
          Effect.flatMap((at) => Ref.update(calls, (c) => [...c, { at, size: messages.length }])),
          Effect.as(messages.map((m) => ({ to: m.to })))
        )
      const viaBatch = yield* batched(send, { maxMessages: 10, windowMs: 100 }, sameTo, () => new Mismatch())
      const callers = yield* Effect.forEach(Array.from({ length: 25 }, (_, i) => `+${i}`), (to) => Effect.fork(viaBatch([sms(to)])))
      yield* TestClock.adjust("99 millis")
      // Full batches leave at once; the rest waits for its window to close.
      expect(yield* Ref.get(calls)).toEqual([{ at: 0, size: 10 }, { at: 0, size: 10 }])
      yield* TestClock.adjust("1 millis")
      expect(yield* Ref.get(calls)).toEqual([{ at: 0, size: 10 }, { at: 0, size: 10 }, { at: 100, size: 5 }])
      const answers = yield* Effect.forEach(callers, Fiber.join)
      expect(answers.map((a) => a[0]!.to)).toEqual(Array.from({ length: 25 }, (_, i) => `+${i}`))
      // A caller after the window closed opens a window of its own.
      yield* TestClock.adjust("50 millis")
      const late = yield* Effect.fork(viaBatch([sms("+late")]))
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(late)).toEqual([{ to: "+late" }])
      expect((yield* Ref.get(calls)).slice(3)).toEqual([{ at: 250, size: 1 }])
    }))

  it.scopedLive("callers in one window share a call and each gets its own slice", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const send = (messages: ReadonlyArray<SmsMessage>) => Ref.update(calls, (n) => n + 1).pipe(Effect.as(messages.map((m) => ({ to: m.to }))))
      const viaBatch = yield* batched(send, settings, sameTo, () => new Mismatch())
      const answers = yield* Effect.all([viaBatch([sms("+1")]), viaBatch([sms("+2"), sms("+3")]), viaBatch([sms("+4")])], { concurrency: "unbounded" })
      expect(answers).toEqual([[{ to: "+1" }], [{ to: "+2" }, { to: "+3" }], [{ to: "+4" }]])
      expect(yield* Ref.get(calls)).toBe(1)
    }))

  it.scopedLive("a defect in the call answers every caller with it; a reordered answer is a mismatch", () =>
    Effect.gen(function*() {
      const broken = yield* batched(() => Effect.die("boom"), settings, sameTo, () => new Mismatch())
      const died = yield* Effect.all([broken([sms("+1")]), broken([sms("+2")])], { concurrency: "unbounded", mode: "either" }).pipe(
        Effect.sandbox,
        Effect.either,
        Effect.timeout("2 seconds")
      )
      expect(Either.isLeft(died)).toBe(true)

      const reversed = yield* batched((m) => Effect.succeed([...m].reverse().map((x) => ({ to: x.to }))), settings, sameTo, () => new Mismatch())
      const answers = yield* Effect.all([reversed([sms("+1")]), reversed([sms("+2")])], { concurrency: "unbounded", mode: "either" })
      expect(answers.every((a) => Either.isLeft(a) && a.left._tag === "Mismatch")).toBe(true)
    }))

  it.scopedLive("a caller that went away before its batch left is not sent", () =>
    Effect.gen(function*() {
      const sent = yield* Ref.make<Array<string>>([])
      const send = (messages: ReadonlyArray<SmsMessage>) =>
        Ref.update(sent, (s) => [...s, ...messages.map((m) => m.to)]).pipe(Effect.as(messages.map((m) => ({ to: m.to }))))
      const viaBatch = yield* batched(send, { maxMessages: 10, windowMs: 200 }, sameTo, () => new Mismatch())
      const gone = yield* Effect.fork(viaBatch([sms("+gone")]))
      const kept = yield* Effect.fork(viaBatch([sms("+stays")]))
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(gone)
      yield* Fiber.join(kept)
      expect(yield* Ref.get(sent)).toEqual(["+stays"])
    }))
})
