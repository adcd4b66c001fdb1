// What the store made of an event, said in the log: a duplicate is news from a push (info), the rule from a catch-up
// round (debug), which takes again what was pushed already.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { Deliveries } from "../src/delivery/Deliveries.ts"
import { committed, duplicatesExpected } from "../src/flows/committed.ts"
import { Metrics } from "../src/services/Metrics.ts"

const channel = { name: "main", channelId: "C" } as Parameters<typeof committed>[0]

describe("committed", () => {
  it.effect("a duplicate is logged at info from a push, at debug where duplicates are expected; each is counted", () => {
    const lines: Array<[string, string]> = []
    const logger = Logger.make(({ logLevel, message }) => void lines.push([logLevel.label, String(message)]))
    const woken: Array<string> = []
    const deliveries = Layer.succeed(
      Deliveries,
      Deliveries.make({ wake: (id) => Effect.sync(() => void woken.push(id)), running: Effect.succeed(true), owned: Effect.succeed([]), pauses: Effect.succeed(new Map()) })
    )
    return Effect.gen(function*() {
      yield* committed(channel, "inbound", "M1", "accepted")
      yield* committed(channel, "inbound", "M1", "duplicate")
      yield* Effect.locally(committed(channel, "receipt", "M2", "duplicate"), duplicatesExpected, true)
      expect(lines).toEqual([["INFO", "event accepted"], ["INFO", "duplicate push ignored"], ["DEBUG", "duplicate push ignored"]])
      expect(woken).toEqual(["C"])
      const counted = yield* Effect.flatMap(Metrics, (m) => Effect.promise(() => m.registry.getSingleMetricAsString("ccs_messages_total")))
      expect(counted).toContain('ccs_messages_total{direction="in",channel="main",outcome="duplicate"} 1')
      expect(counted).toContain('ccs_messages_total{direction="receipt",channel="main",outcome="duplicate"} 1')
    }).pipe(
      Effect.provide(Layer.mergeAll(Metrics.Default, deliveries)),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
  })
})
