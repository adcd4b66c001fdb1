// The log of refused requests a stranger can cause (a wrong token or push secret, a bad body, an unknown path, a body
// too large): a warning, at most one line per route and status in any `windowMs`, which says how many were refused
// since the line before. A flood of guesses costs the log one line per ten seconds; the metric counts every one.
import { Clock, Effect, Schedule } from "effect"
import { steadyMillis } from "../steadyClock.ts"

export interface Refused {
  readonly route: string
  readonly status: number
  /** The error's tag: Unauthorized, InvalidPayload, ... */
  readonly error: string
  /** Why, never a secret (the caller's guess is not in it). */
  readonly reason: string
}

/** Lines at most this often per route and status. */
export const windowMs = 10_000

interface Seen {
  refused: Refused
  /** When its last line was written. */
  loggedAt: number
  /** Refused since that line, not yet in a line. */
  since: number
}

/** The refusals of a route and status since the process started, for the operator's console. */
export interface Tally extends Refused {
  readonly count: number
  /** When the last of them came (ms since the epoch). */
  readonly lastAt: number
}

const line = (refused: Refused, count: number) =>
  Effect.logWarning("requests refused").pipe(
    Effect.annotateLogs({ route: refused.route, status: refused.status, error: refused.error, reason: refused.reason, count })
  )

export class RefusalLog extends Effect.Service<RefusalLog>()("RefusalLog", {
  scoped: Effect.gen(function*() {
    const seen = new Map<string, Seen>()
    const tallies = new Map<string, Tally>()
    /** The refusals held back once their window is over, so the last of a burst is said too. */
    const flush = Effect.gen(function*() {
      const now = yield* steadyMillis
      for (const entry of seen.values()) {
        if (entry.since > 0 && now - entry.loggedAt >= windowMs) {
          yield* line(entry.refused, entry.since)
          entry.since = 0
          entry.loggedAt = now
        }
      }
    })
    yield* Effect.forkScoped(Effect.repeat(flush, Schedule.spaced(windowMs)))
    // What is held back is said at shutdown too.
    yield* Effect.addFinalizer(() => Effect.forEach(seen.values(), (e) => (e.since > 0 ? line(e.refused, e.since) : Effect.void)))
    /** Counts one refusal of any kind for the console, by route and status. */
    const tally = (refused: Refused) =>
      Effect.map(Clock.currentTimeMillis, (lastAt) => {
        const key = `${refused.route} ${refused.status}`
        tallies.set(key, { ...refused, count: (tallies.get(key)?.count ?? 0) + 1, lastAt })
      })
    return {
      tally,
      /** Notes one refusal a stranger can cause: counted, and a line now if none was written for its route and status within the window. */
      note: (refused: Refused) =>
        Effect.gen(function*() {
          yield* tally(refused)
          const now = yield* steadyMillis
          const key = `${refused.route} ${refused.status}`
          const entry = seen.get(key)
          if (entry === undefined || now - entry.loggedAt >= windowMs) {
            yield* line(refused, (entry?.since ?? 0) + 1)
            seen.set(key, { refused, loggedAt: now, since: 0 })
          } else {
            entry.since++
            entry.refused = refused
          }
        }),
      /** Every route and status refused since the start, the latest first. */
      tallies: Effect.sync((): ReadonlyArray<Tally> => [...tallies.values()].sort((a, b) => b.lastAt - a.lastAt))
    }
  })
}) {}
