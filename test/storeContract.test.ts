// The store's contract, one table run against SQLite and PostgreSQL: accept, dedupe, claim, order, retry, dead,
// requeue, split parts, quick replies. Time moves as each store sees it: the test clock for SQLite (its due times are
// the process's steady clock), the stored due times moved for PostgreSQL (its due times are the database's clock).
import { describe, expect, inject, it } from "@effect/vitest"
import { Effect, type Scope, TestClock } from "effect"
import { steadyMillis } from "../src/steadyClock.ts"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import type { FoldedStatus, NewEvent, PartStatus, StoreShape } from "../src/stores/Store.ts"
import { freshDatabase, psql } from "./postgresCluster.ts"
import { event, openPostgres } from "./stores.ts"

interface Subject {
  readonly name: string
  /** A new empty store that owns channel "C", for the scope. */
  readonly open: Effect.Effect<StoreShape, never, Scope.Scope>
  /** As if `ms` passed for the store's due times. */
  readonly elapse: (ms: number) => Effect.Effect<void>
  /** As if the clock the store keeps its due times in stepped back by `ms`. */
  readonly stepBack: (ms: number) => Effect.Effect<void>
}

const sqlite: Subject = {
  name: "sqlite",
  open: Effect.gen(function*() {
    yield* TestClock.setTime(10 * 3_600_000)
    const { store } = yield* Effect.acquireRelease(Effect.sync(() => openSqliteStore(":memory:")), ({ close }) => Effect.sync(close))
    yield* store.own("C")
    return store
  }),
  elapse: (ms) => TestClock.adjust(ms),
  stepBack: (ms) => Effect.flatMap(steadyMillis, (now) => TestClock.setTime(now - ms))
}

const postgres = (): Subject => {
  let url = ""
  const shift = (ms: number) =>
    Effect.sync(() => void psql(url, `UPDATE outbox SET next_attempt_at = next_attempt_at + ${ms}, retry_since = retry_since + ${ms} WHERE state = 'pending'`))
  return {
    name: "postgres",
    open: Effect.gen(function*() {
      url = freshDatabase(inject("postgresAdminUrl"))
      const store = yield* openPostgres(url)
      yield* store.own("C")
      return store
    }),
    elapse: (ms) => shift(-ms),
    stepBack: (ms) => shift(ms)
  }
}

describe.each([sqlite, postgres()])("the $name store", (subject) => {
  const withStore = <A, E>(f: (store: StoreShape) => Effect.Effect<A, E>) => Effect.flatMap(subject.open, f)

  it.scoped("pending events of a channel no longer configured become dead letters", () =>
    withStore((store) =>
      Effect.gen(function*() {
        yield* store.accept(event("A1", "+1"))
        yield* store.accept({ ...event("X1", "+1"), channelId: "GONE", dedupeKey: "x" })
        expect(yield* store.abandonOtherChannels(["C"])).toBe(1)
        expect(yield* store.deadLetters()).toMatchObject([{ mId: "X1", channelId: "GONE", lastError: "channel GONE is no longer configured" }])
        expect((yield* store.depth()).get("C")).toEqual({ outbox: 1, deadLetters: 0 })
      })
    ))

  it.scoped("says how long a channel's oldest pending event has waited, and (with several replicas) who delivers it", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const owner = subject.name === "postgres" ? expect.any(String) : undefined
        expect((yield* store.deliveryStates()).get("C")?.oldestPendingAgeMs).toBeUndefined()
        yield* store.accept(event("A1", "+1"))
        yield* subject.elapse(5_000)
        yield* store.accept(event("A2", "+2"))
        const waiting = (yield* store.deliveryStates()).get("C")
        expect(waiting).toEqual({ oldestPendingAgeMs: expect.any(Number), owner })
        // The older of the two, on the store's own clock (PostgreSQL's runs on while the test does).
        expect(waiting!.oldestPendingAgeMs).toBeGreaterThanOrEqual(5_000)
        expect(waiting!.oldestPendingAgeMs).toBeLessThan(60_000)
        for (const claimed of yield* store.claimDue("C", 10)) yield* store.markDelivered(claimed.id)
        expect((yield* store.deliveryStates()).get("C")?.oldestPendingAgeMs).toBeUndefined()
        expect((yield* store.deliveryStates()).get("C")?.owner).toEqual(owner)
      })))

  it.scoped("accepts an event once per dedupe key", () =>
    withStore((store) =>
      Effect.gen(function*() {
        expect(yield* store.accept(event("A", "+1"))).toBe("accepted")
        expect(yield* store.accept(event("A", "+1"))).toBe("duplicate")
        expect((yield* store.depth()).get("C")).toEqual({ outbox: 1, deadLetters: 0 })
      })
    ))

  it.scoped("claims only each contact's oldest event, hides leased ones, and frees leases on release", () =>
    withStore((store) =>
      Effect.gen(function*() {
        for (const [m, c] of [["A1", "+1"], ["B1", "+2"], ["A2", "+1"], ["B2", "+2"], ["C1", "+3"]]) yield* store.accept(event(m!, c!))
        const first = yield* store.claimDue("C", 10)
        expect(first.map((e) => e.mId)).toEqual(["A1", "B1", "C1"])
        expect(yield* store.claimDue("C", 10)).toEqual([])
        yield* store.markDelivered(first[0]!.id)
        // A1 delivered: A2 is next for +1; B1 and C1 are still leased.
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["A2"])
        // However long an attempt takes, and whatever the clock does, a lease is never taken back by time.
        yield* subject.elapse(2 * 3_600_000)
        expect(yield* store.claimDue("C", 10)).toEqual([])
        yield* store.releaseLeases("C")
        // By due time: A2 became due when A1 was delivered, after the others.
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["B1", "C1", "A2"])
      })
    ))

  it.scoped("a retry waits its delay, keeps the contact's later events behind it, and counts attempts", () =>
    withStore((store) =>
      Effect.gen(function*() {
        yield* store.accept(event("A1", "+1"))
        yield* store.accept(event("A2", "+1"))
        const [a1] = yield* store.claimDue("C", 10)
        expect(a1).toMatchObject({ mId: "A1", attempts: 0 })
        yield* store.markRetry(a1!.id, 5000, "HTTP 500")
        expect(yield* store.claimDue("C", 10)).toEqual([])
        const now = yield* steadyMillis
        const due = (yield* store.nextDue("C"))!
        expect(due).toBeGreaterThan(now + 4000)
        expect(due).toBeLessThanOrEqual(now + 5000)
        yield* subject.elapse(5000)
        const [again] = yield* store.claimDue("C", 10)
        expect(again).toMatchObject({ mId: "A1", attempts: 1 })
        yield* store.markDead(again!.id, "gave up")
        // A dead event no longer holds the contact's queue.
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["A2"])
        expect(yield* store.deadLetters()).toMatchObject([{ mId: "A1", attempts: 2, lastError: "gave up", kind: "event" }])
        // Replayed while A2 is in flight: it joins the queue behind A2 instead of overtaking it.
        expect(yield* store.requeue(again!.id)).toBe(true)
        expect(yield* store.requeue(again!.id)).toBe(false)
        expect(yield* store.deadLetters()).toEqual([])
        expect(yield* store.claimDue("C", 10)).toEqual([])
        expect((yield* store.depth()).get("C")).toEqual({ outbox: 2, deadLetters: 0 })
      })
    ))

  it.scoped("a due time further ahead than the longest delay the bridge chooses is due now (the clock stepped back)", () =>
    withStore((store) =>
      Effect.gen(function*() {
        yield* store.accept(event("A1", "+1"))
        const [a1] = yield* store.claimDue("C", 10)
        // The longest delay (60 s by default) is waited out as it is...
        yield* store.markRetry(a1!.id, 60_000, "HTTP 503")
        expect(yield* store.claimDue("C", 10)).toEqual([])
        expect((yield* store.nextDue("C"))! - (yield* steadyMillis)).toBeGreaterThan(50_000)
        // ...but read after the clock went back an hour (a restart across an NTP step), it is due at once.
        yield* subject.stepBack(3_600_000)
        expect(yield* store.nextDue("C")).toBe(yield* steadyMillis)
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["A1"])
      })
    ))

  it.scoped("a push that fits no channel is kept once as a dead letter, with the provider that received it, until resolved", () =>
    withStore((store) =>
      Effect.gen(function*() {
        expect(yield* store.keepUnroutable("unroutable-inbound", "u:1", { to: "+61400000000" }, "no channel", "clicksend")).toBe("accepted")
        expect(yield* store.keepUnroutable("unroutable-inbound", "u:1", { to: "+61400000000" }, "no channel", "clicksend")).toBe("duplicate")
        const [letter] = yield* store.deadLetters()
        expect(letter).toMatchObject({ kind: "unroutable-inbound", source: "clicksend", body: { to: "+61400000000" }, channelId: undefined })
        expect((yield* store.depth()).get("")).toEqual({ outbox: 0, deadLetters: 1 })
        // Only an event goes back to the outbox; a kept push is resolved instead.
        expect(yield* store.requeue(letter!.id)).toBe(false)
        yield* store.resolve(letter!.id)
        expect(yield* store.deadLetters()).toEqual([])
      })
    ))

  it.scoped("remembers each contact's latest quick replies", () =>
    withStore((store) =>
      Effect.gen(function*() {
        expect(yield* store.lastOutgoing("C", "+1")).toBeUndefined()
        yield* store.rememberOutgoing("C", "+1", ["Malay", "English"])
        const latest = (yield* store.lastOutgoing("C", "+1"))!
        expect(latest.quickReplies).toEqual(["Malay", "English"])
        expect(Math.abs(latest.at - (yield* steadyMillis))).toBeLessThan(5_000)
        yield* store.rememberOutgoing("C", "+1", undefined)
        expect((yield* store.lastOutgoing("C", "+1"))!.quickReplies).toBeUndefined()
        expect(yield* store.lastOutgoing("C", "+2")).toBeUndefined()
      })
    ))

  it.scoped("keeps each contact's opt-out of a channel until they opt back in", () =>
    withStore((store) =>
      Effect.gen(function*() {
        expect(yield* store.optedOut("C", "+1")).toBeUndefined()
        expect(yield* store.optOut("C", "+1", "STOP", 2_000)).toBe(true)
        // An older STOP arriving late changes nothing; a newer one moves the time on (it is the one a START must beat).
        expect(yield* store.optOut("C", "+1", "QUIT", 1_000)).toBe(false)
        expect(yield* store.optedOut("C", "+1")).toEqual({ channelId: "C", contactId: "+1", keyword: "STOP", at: 2_000 })
        expect(yield* store.optOut("C", "+1", "END", 3_000)).toBe(true)
        expect(yield* store.optedOut("C", "+1")).toEqual({ channelId: "C", contactId: "+1", keyword: "END", at: 3_000 })
        expect(yield* store.optedOut("D", "+1")).toBeUndefined()
        yield* store.optOut("D", "+2", "OPERATOR", 500)
        expect((yield* store.optOuts()).map((o) => [o.channelId, o.contactId, o.keyword])).toEqual([["D", "+2", "OPERATOR"], ["C", "+1", "END"]])
        // A START sent before the latest STOP undoes nothing, nor one sent at the same time (when in doubt, send
        // nothing); one sent after it does.
        expect(yield* store.optIn("C", "+1", "START", 2_999)).toBe(false)
        expect(yield* store.optIn("C", "+1", "START", 3_000)).toBe(false)
        expect(yield* store.optedOut("C", "+1")).toMatchObject({ keyword: "END" })
        expect(yield* store.optIn("C", "+1", "START", 3_001)).toBe(true)
        expect(yield* store.optIn("C", "+1", "YES", 4_000)).toBe(false)
        expect(yield* store.optedOut("C", "+1")).toBeUndefined()
        // The START is remembered: the old STOP taken again (a late push, a catch-up round) undoes nothing.
        expect(yield* store.optOut("C", "+1", "STOP", 2_000)).toBe(false)
        expect(yield* store.optOut("C", "+1", "END", 3_000)).toBe(false)
        expect(yield* store.optedOut("C", "+1")).toBeUndefined()
        // So is a START from a contact who never opted out: a STOP sent before it and taken after it undoes nothing.
        expect(yield* store.optIn("C", "+3", "START", 9_000)).toBe(false)
        expect(yield* store.optOut("C", "+3", "STOP", 8_000)).toBe(false)
        expect(yield* store.optedOut("C", "+3")).toBeUndefined()
        // A STOP at the very time of the START wins, and a later one always does.
        expect(yield* store.optOut("C", "+3", "STOP", 9_000)).toBe(true)
        expect(yield* store.optedOut("C", "+3")).toMatchObject({ keyword: "STOP", at: 9_000 })
        expect((yield* store.optOuts()).map((o) => [o.channelId, o.contactId])).toEqual([["D", "+2"], ["C", "+3"]])
      })
    ))

  it.scoped("statuses only move forward, for every message; receipts before the parts are recorded are held, then folded in", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const toEvent = (fold: FoldedStatus): NewEvent => ({
          channelId: "C",
          contactId: "+1",
          mId: fold.mId,
          dedupeKey: `receipt:${fold.mId}:${fold.status}`,
          event: { kind: "status", channelId: "C", contactId: "+1", mId: fold.mId, timestamp: 1, status: fold.status, error: fold.error }
        })
        // What the platform is sent, in order: the outbox drained as the worker would.
        const forwarded = Effect.gen(function*() {
          const out: Array<[string, unknown]> = []
          for (let events = yield* store.claimDue("C", 100); events.length > 0; events = yield* store.claimDue("C", 100)) {
            for (const e of events) {
              out.push([e.mId, e.event.kind === "status" ? (e.event.error ? { value: e.event.status, message: e.event.error } : { value: e.event.status }) : undefined])
              yield* store.markDelivered(e.id)
            }
          }
          return out
        })
        const one = (partId: string, status: PartStatus, error?: string) => store.foldReceipt({ partId, part: 1, parts: 1, status, error }, toEvent)
        // A single-part message: delivered, then a late sent; failed, then a late sent or delivered.
        expect(yield* one("S1", "delivered")).toBe("accepted")
        expect(yield* one("S1", "sent")).toBe("duplicate")
        expect(yield* one("S2", "failed", "Number disconnected")).toBe("accepted")
        expect(yield* one("S2", "sent")).toBe("duplicate")
        expect(yield* one("S2", "delivered")).toBe("duplicate")
        expect(yield* forwarded).toEqual([["S1", { value: "delivered" }], ["S2", { value: "failed", message: "Number disconnected" }]])

        // A split text whose receipts come before the send's answer: part 1 delivered, part 2 failed.
        const part = (partId: string, n: number, status: PartStatus, error?: string) =>
          store.foldReceipt({ partId, part: n, parts: 2, status, error }, toEvent)
        expect(yield* part("P1", 1, "delivered")).toBe("accepted") // its fold: sent, not delivered
        expect(yield* part("P2", 2, "failed", "Blocked")).toBe("held")
        expect(yield* store.recordParts("P1", ["P1", "P2"], toEvent)).toBe("accepted")
        expect(yield* part("P2", 2, "delivered")).toBe("duplicate")
        // The fold went sent -> failed (the held failure, with its reason), never to delivered.
        expect(yield* forwarded).toEqual([["P1", { value: "sent" }], ["P1", { value: "failed", message: "Blocked" }]])
      })
    ))
})
