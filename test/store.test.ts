// The SQLite store on its own: dedupe, per-contact order, leases, retries, dead letters, split parts.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { type FoldedStatus, type NewEvent, type PartStatus, StoreUnavailable } from "../src/stores/Store.ts"

const event = (mId: string, contactId: string): NewEvent => ({
  channelId: "C",
  contactId,
  mId,
  dedupeKey: `inbound:${mId}`,
  event: { kind: "message", channelId: "C", contactId, mId, timestamp: 0, message: { type: "text", text: mId } }
})

const withStore = <A, E>(f: (store: ReturnType<typeof openSqliteStore>["store"]) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(Effect.sync(() => openSqliteStore(":memory:")), ({ store }) => f(store), ({ close }) => Effect.sync(close))

describe("SqliteStore", () => {
  it.effect("pending events of a channel no longer configured become dead letters", () =>
    withStore((store) =>
      Effect.gen(function*() {
        yield* store.accept(event("A1", "+1"))
        yield* store.accept({ ...event("X1", "+1"), channelId: "GONE", dedupeKey: "x" })
        expect(yield* store.abandonOtherChannels(["C"])).toBe(1)
        expect(yield* store.deadLetters()).toMatchObject([{ mId: "X1", channelId: "GONE", lastError: "channel GONE is no longer configured" }])
        expect((yield* store.depth()).get("C")).toEqual({ outbox: 1, deadLetters: 0 })
      })
    ))

  it.effect("accepts an event once per dedupe key", () =>
    withStore((store) =>
      Effect.gen(function*() {
        expect(yield* store.accept(event("A", "+1"))).toBe("accepted")
        expect(yield* store.accept(event("A", "+1"))).toBe("duplicate")
        expect((yield* store.depth()).get("C")).toEqual({ outbox: 1, deadLetters: 0 })
      })
    ))

  it.effect("claims only each contact's oldest event, hides leased ones, and frees leases on release", () =>
    withStore((store) =>
      Effect.gen(function*() {
        for (const [m, c] of [["A1", "+1"], ["B1", "+2"], ["A2", "+1"], ["B2", "+2"], ["C1", "+3"]]) yield* store.accept(event(m!, c!))
        const first = yield* store.claimDue("C", 10)
        expect(first.map((e) => e.mId)).toEqual(["A1", "B1", "C1"])
        expect(yield* store.claimDue("C", 10)).toEqual([])
        yield* store.markDelivered(first[0]!.id)
        // A1 delivered: A2 is next for +1; B1 and C1 are still leased.
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["A2"])
        // However long an attempt takes, and whatever the wall clock does, a lease is never taken back by time.
        yield* TestClock.adjust("2 hours")
        expect(yield* store.claimDue("C", 10)).toEqual([])
        yield* store.releaseLeases("C")
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["B1", "A2", "C1"])
      })
    ))

  it.effect("a retry waits its delay, keeps the contact's later events behind it, and counts attempts", () =>
    withStore((store) =>
      Effect.gen(function*() {
        yield* store.accept(event("A1", "+1"))
        yield* store.accept(event("A2", "+1"))
        const [a1] = yield* store.claimDue("C", 10)
        yield* store.markRetry(a1!.id, 5000, "HTTP 500")
        expect(yield* store.claimDue("C", 10)).toEqual([])
        expect(yield* store.nextDue("C")).toBe(5000)
        yield* TestClock.adjust(Duration.millis(5000))
        const [again] = yield* store.claimDue("C", 10)
        expect(again).toMatchObject({ mId: "A1", attempts: 1 })
        yield* store.markDead(again!.id, "gave up")
        // A dead event no longer holds the contact's queue.
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["A2"])
        expect(yield* store.deadLetters()).toMatchObject([{ mId: "A1", attempts: 2, lastError: "gave up", kind: "event" }])
        // Replayed while A2 is in flight: it joins the queue behind A2 instead of overtaking it.
        expect(yield* store.requeue(again!.id)).toBe(true)
        expect(yield* store.deadLetters()).toEqual([])
        expect(yield* store.claimDue("C", 10)).toEqual([])
      })
    ))

  it.effect("a due time further ahead than the longest delay the bridge chooses is due now (the wall clock stepped back)", () =>
    withStore((store) =>
      Effect.gen(function*() {
        yield* TestClock.setTime(2 * 3_600_000)
        yield* store.accept(event("A1", "+1"))
        const [a1] = yield* store.claimDue("C", 10)
        // The longest delay (60 s by default) is waited out as it is...
        yield* store.markRetry(a1!.id, 60_000, "HTTP 503")
        yield* TestClock.setTime(2 * 3_600_000 + 1)
        expect(yield* store.claimDue("C", 10)).toEqual([])
        expect(yield* store.nextDue("C")).toBe(2 * 3_600_000 + 60_000)
        // ...but read after the clock went back an hour (a restart across an NTP step), it is due at once.
        yield* TestClock.setTime(3_600_000)
        expect(yield* store.nextDue("C")).toBe(3_600_000)
        expect((yield* store.claimDue("C", 10)).map((e) => e.mId)).toEqual(["A1"])
      })
    ))

  it.effect("statuses only move forward, for every message; receipts before the parts are recorded are held, then folded in", () =>
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

describe("SqliteStore that cannot write", () => {
  const openKept = () => {
    let db: DatabaseSync | undefined
    const opened = openSqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ccs-fault-")), "db"), {
      connect: (file) => (db = new DatabaseSync(file))
    })
    return { ...opened, db: db! }
  }
  const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect))

  it("disk full: the batch fails with StoreUnavailable and keeps nothing; the store is ready until then and after", async () => {
    const { close, db, store } = openKept()
    try {
      await Effect.runPromise(store.ready())
      // No page can be added: a write that needs one fails as on a full disk, and so does its batch.
      db.exec(`PRAGMA max_page_count = ${(db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count}`)
      const big: NewEvent = { ...event("BIG", "+1"), event: { ...event("BIG", "+1").event, message: { type: "text", text: "x".repeat(50_000) } } as NewEvent["event"] }
      const [small, large] = await Promise.all([failure(store.accept(event("SMALL", "+2"))), failure(store.accept(big))])
      expect(small).toBeInstanceOf(StoreUnavailable)
      expect(large).toMatchObject({ _tag: "StoreUnavailable", reason: "the store cannot commit: database or disk is full" })
      db.exec("PRAGMA max_page_count = 1073741823")
      expect(Object.fromEntries(await Effect.runPromise(store.depth()))).toEqual({})
      expect(await Effect.runPromise(store.accept(big))).toBe("accepted")
      await Effect.runPromise(store.ready())
    } finally {
      close()
    }
  })

  it("read-only (a file system remounted after I/O errors): not ready, writes fail; ready again once a write commits", async () => {
    const { close, db, store } = openKept()
    try {
      db.exec("PRAGMA query_only = 1")
      expect(await failure(store.accept(event("A", "+1")))).toMatchObject({ _tag: "StoreUnavailable" })
      // Still failing: readiness tries a write of its own, which fails too.
      expect(await failure(store.ready())).toMatchObject({ _tag: "StoreUnavailable" })
      db.exec("PRAGMA query_only = 0")
      await Effect.runPromise(store.ready())
      expect(await Effect.runPromise(store.accept(event("A", "+1")))).toBe("accepted")
    } finally {
      close()
    }
  })

  it("its file removed or replaced under it: not ready, and every write fails rather than go to a file nobody reads", async () => {
    const removed = openKept()
    const replacedOne = openKept()
    // A store reached through a symlink has its log beside the target.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-link-"))
    fs.mkdirSync(path.join(dir, "real"))
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "link"))
    const linked = openSqliteStore(path.join(dir, "link", "db"))
    try {
      fs.rmSync(path.join(dir, "real", "db-wal"))
      expect(await failure(linked.store.accept(event("A", "+1")))).toMatchObject({ reason: expect.stringMatching(/removed or replaced/) })

      const file = removed.db.location()!
      fs.rmSync(file)
      fs.rmSync(`${file}-wal`)
      expect(await failure(removed.store.ready())).toMatchObject({ reason: expect.stringMatching(/removed or replaced/) })
      expect(await failure(removed.store.accept(event("A", "+1")))).toMatchObject({ _tag: "StoreUnavailable" })

      const other = replacedOne.db.location()!
      fs.copyFileSync(other, `${other}.copy`)
      fs.renameSync(`${other}.copy`, other)
      expect(await failure(replacedOne.store.accept(event("A", "+1")))).toMatchObject({ reason: expect.stringMatching(/removed or replaced/) })
      expect(await failure(replacedOne.store.ready())).toBeInstanceOf(StoreUnavailable)
    } finally {
      removed.close()
      replacedOne.close()
      linked.close()
    }
  })
})

describe("SqliteStore shutdown", () => {
  it("closing commits the writes already asked for, and a write asked for later fails instead of hanging", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ccs-close-")), "db")
    const { close, store } = openSqliteStore(file)
    const queued = Effect.runPromise(store.accept(event("LAST", "+1")))
    close()
    expect(await queued).toBe("accepted")
    await expect(Effect.runPromise(store.accept(event("LATE", "+1")))).rejects.toThrow(/closed/)
    const reopened = openSqliteStore(file)
    expect((await Effect.runPromise(reopened.store.depth())).get("C")).toEqual({ outbox: 1, deadLetters: 0 })
    reopened.close()
  })
})
