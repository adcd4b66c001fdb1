// The process's own time: the wall clock as it read when the process started, moved on by the monotonic clock.
// Every duration the bridge measures and every due time it stores is read from it, so a step of the machine's clock
// (an NTP correction, a resumed VM) neither stalls nor hastens anything; times shown to others use the wall clock.
import { Clock, Effect } from "effect"

/** Milliseconds since the epoch as the process counts them (Effect's Clock: hrtime, anchored once; TestClock in tests). */
export const steadyMillis: Effect.Effect<number> = Effect.map(Clock.currentTimeNanos, (ns) => Number(ns / 1_000_000n))
