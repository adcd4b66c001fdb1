// The log of what strangers can cause: one line per route and status in any ten seconds, with the count since the
// line before; decided by the clock (TestClock), not by how fast the machine is.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, TestClock } from "effect"
import { RefusalLog, windowMs } from "../src/services/RefusalLog.ts"

/** The lines the service writes, as [message, route, status, count, reason]. */
const captured = () => {
  const lines: Array<[string, string, number, number, string]> = []
  const logger = Logger.make(({ annotations, message }) => {
    const a = Object.fromEntries(annotations) as Record<string, unknown>
    lines.push([String(message), a.route as string, a.status as number, a.count as number, a.reason as string])
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

const guess = (route: string, status = 401, reason = "invalid or missing push secret") => ({ route, status, error: "Unauthorized", reason })

describe("RefusalLog", () => {
  it.scoped("a flood is one line at once, then one per window with the count since; the last of a burst is said too", () => {
    const { layer, lines } = captured()
    return Effect.gen(function*() {
      const log = yield* RefusalLog
      for (let i = 0; i < 50; i++) yield* log.note(guess("/clicksend/push_message"))
      yield* log.note(guess("/message", 401, "invalid API token"))
      expect(lines).toEqual([
        ["requests refused", "/clicksend/push_message", 401, 1, "invalid or missing push secret"],
        ["requests refused", "/message", 401, 1, "invalid API token"]
      ])
      // Nothing more within the window, however many come.
      yield* TestClock.adjust(windowMs - 1)
      yield* log.note(guess("/clicksend/push_message"))
      expect(lines).toHaveLength(2)
      // At the window's end, the 50 held back (49 + 1) in one line; /message had nothing more to say.
      yield* TestClock.adjust(windowMs)
      expect(lines.slice(2)).toEqual([["requests refused", "/clicksend/push_message", 401, 50, "invalid or missing push secret"]])
      // A quiet route says nothing; the next refusal after a quiet window is a line at once.
      yield* TestClock.adjust(3 * windowMs)
      expect(lines).toHaveLength(3)
      yield* log.note(guess("/clicksend/push_message", 413, "body: at most 1048576 bytes"))
      expect(lines.at(-1)).toEqual(["requests refused", "/clicksend/push_message", 413, 1, "body: at most 1048576 bytes"])
    }).pipe(Effect.provide(RefusalLog.Default), Effect.provide(layer))
  })

  it.effect("what is held back when the scope closes (shutdown) is said then", () => {
    const { layer, lines } = captured()
    return Effect.gen(function*() {
      yield* Effect.scoped(Effect.gen(function*() {
        const log = yield* RefusalLog
        for (let i = 0; i < 3; i++) yield* log.note(guess("other", 404, "no route for GET /x"))
      }).pipe(Effect.provide(RefusalLog.Default)))
      expect(lines.map((l) => l[3])).toEqual([1, 2])
    }).pipe(Effect.provide(layer))
  })
})
