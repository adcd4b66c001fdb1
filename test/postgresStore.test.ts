// The PostgreSQL store with several replicas on one database (each replica a store of its own, with its own pool):
// migrations started at once, the same push at two replicas, one contact's pushes at two replicas, a split text's
// receipts at two replicas, one owner per channel and its hand-over, and a database that cannot be reached.
import { describe, expect, inject, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Redacted, Scope } from "effect"
import * as Reactivity from "@effect/experimental/Reactivity"
import { ownPollMs } from "../src/stores/postgres/channelLeases.ts"
import { migrations } from "../src/stores/postgres/migrations.ts"
import { makePostgresStore } from "../src/stores/postgres/PostgresStore.ts"
import type { FoldedStatus, NewEvent } from "../src/stores/Store.ts"
import * as net from "node:net"
import { freePort, freshDatabase, psql } from "./postgresCluster.ts"
import { event, openPostgres } from "./stores.ts"

/** `n` replicas' stores on one new database, opened at the same moment. */
const replicas = (n: number, leaseMs = 10_000) =>
  Effect.gen(function*() {
    const url = freshDatabase(inject("postgresAdminUrl"))
    const stores = yield* Effect.all(Array.from({ length: n }, () => openPostgres(url, leaseMs)), { concurrency: "unbounded" })
    return { url, stores }
  })

describe("the PostgreSQL store with several replicas", () => {
  it.scopedLive("three replicas started at once: one applies the migrations, the others wait and find them applied", () =>
    Effect.gen(function*() {
      const { url, stores } = yield* replicas(3)
      expect(stores).toHaveLength(3)
      // Each migration applied once.
      expect(psql(url, "SELECT version FROM ccs_schema_migrations ORDER BY version")).toBe(migrations.map((m) => m.version).join("\n"))
      expect(migrations.length).toBeGreaterThanOrEqual(2)
    }))

  it.scopedLive("the same push at two replicas at once is kept once", () =>
    Effect.gen(function*() {
      const { stores: [a, b], url } = yield* replicas(2)
      const keys = Array.from({ length: 40 }, (_, i) => event(`M${i}`, `+${i % 5}`))
      const outcomes = yield* Effect.all(keys.flatMap((e) => [a!.accept(e), b!.accept(e)]), { concurrency: "unbounded" })
      expect(outcomes.filter((o) => o === "accepted")).toHaveLength(40)
      expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(40)
      expect(psql(url, "SELECT COUNT(*) FROM outbox")).toBe("40")
    }))

  it.scopedLive("one contact's pushes at two replicas at once keep one queue: one head, claimed in the order accepted", () =>
    Effect.gen(function*() {
      const { stores: [a, b] } = yield* replicas(2)
      yield* a!.own("C")
      const events = Array.from({ length: 30 }, (_, i) => event(`N${i}`, "+1"))
      yield* Effect.all(events.map((e, i) => (i % 2 === 0 ? a! : b!).accept(e)), { concurrency: "unbounded" })
      const claims: Array<{ readonly mId: string; readonly id: number }> = []
      for (let i = 0; i < 30; i++) {
        const claimed = yield* a!.claimDue("C", 10)
        // Only the contact's oldest pending event is ever claimable.
        expect(claimed).toHaveLength(1)
        claims.push(claimed[0]!)
        yield* a!.markDelivered(claimed[0]!.id)
      }
      expect(new Set(claims.map((c) => c.mId)).size).toBe(30)
      // Claimed in the order accepted (the order of the ids the database gave), each once.
      expect(claims.map((c) => c.id)).toEqual(claims.map((c) => c.id).toSorted((x, y) => x - y))
      expect(yield* a!.claimDue("C", 10)).toEqual([])
    }))

  it.scopedLive("two receipts of one split text at two replicas at once fold into one final status", () =>
    Effect.gen(function*() {
      const { stores: [a, b] } = yield* replicas(2)
      yield* a!.own("C")
      const toEvent = (fold: FoldedStatus): NewEvent => ({
        channelId: "C",
        contactId: "+1",
        mId: fold.mId,
        dedupeKey: `receipt:${fold.mId}:${fold.status}`,
        event: { kind: "status", channelId: "C", contactId: "+1", mId: fold.mId, timestamp: 1, status: fold.status }
      })
      const texts = Array.from({ length: 20 }, (_, i) => [`T${i}-1`, `T${i}-2`, `T${i}-3`] as const)
      for (const parts of texts) yield* a!.recordParts(parts[0], parts, toEvent)
      // Each text's three parts delivered, the receipts spread over both replicas at once.
      yield* Effect.all(
        texts.flatMap((parts) =>
          parts.map((partId, i) => (i % 2 === 0 ? a! : b!).foldReceipt({ partId, part: i + 1, parts: 3, status: "delivered" }, toEvent))
        ),
        { concurrency: "unbounded" }
      )
      const last = new Map<string, string>()
      for (let claimed = yield* a!.claimDue("C", 100); claimed.length > 0; claimed = yield* a!.claimDue("C", 100)) {
        for (const e of claimed) {
          if (e.event.kind === "status") last.set(e.mId, e.event.status)
          yield* a!.markDelivered(e.id)
        }
      }
      expect([...last.entries()].sort()).toEqual(texts.map((parts) => [parts[0], "delivered"]).sort())
    }))

  it.scopedLive("an opt-out taken by one replica holds at the others", () =>
    Effect.gen(function*() {
      const { stores: [a, b] } = yield* replicas(2)
      yield* a!.optOut("C", "+1", "STOP", 1_000)
      expect(yield* b!.optedOut("C", "+1")).toMatchObject({ keyword: "STOP", at: 1_000 })
      expect(yield* b!.optIn("C", "+1", "START", 1_001)).toBe(true)
      expect(yield* a!.optedOut("C", "+1")).toBeUndefined()
    }))

  it.scopedLive("one owner per channel: another replica claims nothing and waits; it takes over when the owner lets go", () =>
    Effect.gen(function*() {
      const { stores: [a, b] } = yield* replicas(2)
      const ownerScope = yield* Scope.make()
      yield* a!.own("C").pipe(Scope.extend(ownerScope))
      yield* a!.accept(event("E1", "+1"))
      yield* a!.accept(event("E2", "+2"))
      const [e1] = yield* a!.claimDue("C", 1)
      expect(e1?.mId).toBe("E1")
      // B does not own C: it claims nothing, and its records of A's attempt count for nothing.
      expect(yield* b!.claimDue("C", 10)).toEqual([])
      yield* b!.markDelivered(e1!.id)
      const waiting = yield* Effect.fork(Effect.scoped(Effect.flatMap(b!.own("C"), () => Effect.never)))
      const waited = yield* Effect.fork(b!.own("C").pipe(Effect.zipRight(Effect.succeed("owned")), Effect.scoped, Effect.timeout(ownPollMs * 2)))
      expect(Exit.isFailure(yield* Fiber.await(waited))).toBe(true)
      yield* Fiber.interrupt(waiting)
      // A lets go (a shutdown): B owns C on its next try, and sends again what A had in flight (same event).
      yield* Scope.close(ownerScope, Exit.void)
      yield* b!.own("C")
      yield* b!.releaseLeases("C")
      expect((yield* b!.claimDue("C", 10)).map((e) => [e.mId, e.id])).toEqual([["E1", e1!.id], ["E2", e1!.id + 1]])
      // A's late record of E1 changes nothing: E1 is B's attempt now.
      yield* a!.markRetry(e1!.id, 0, "late")
      expect(yield* b!.claimDue("C", 10)).toEqual([])
    }))

  it.scopedLive("an owner whose lease another replica took (it was cut off) hears that it lost the channel", () =>
    Effect.gen(function*() {
      const { stores: [a, b], url } = yield* replicas(2, 3_000)
      const ownership = yield* a!.own("C")
      const lost = yield* Deferred.make<void>()
      yield* Effect.fork(Effect.zipRight(ownership.lost, Deferred.succeed(lost, undefined)))
      // As if A had not renewed for a whole lease: its lease has ended, and another replica had taken it.
      psql(url, "UPDATE channel_owner SET owner = 'gone', lease_until = 0")
      yield* b!.own("C")
      yield* Deferred.await(lost).pipe(Effect.timeoutFail({ duration: 3_000, onTimeout: () => new Error("A never heard it lost C") }))
      yield* a!.accept(event("E1", "+1"))
      expect(yield* a!.claimDue("C", 10)).toEqual([])
      expect((yield* b!.claimDue("C", 10)).map((e) => e.mId)).toEqual(["E1"])
    }))

  it.scopedLive("a database that cannot be reached: StoreUnavailable, and the reason never holds the password", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const failure = yield* makePostgresStore({
        url: Redacted.make(`postgres://bridge:S3cret-Pa55@127.0.0.1:${port}/bridge`),
        poolSize: 2,
        leaseMs: 10_000,
        dueHorizonMs: 60_000
      }).pipe(Effect.provide(Reactivity.layer), Effect.flip)
      expect(failure._tag).toBe("StoreUnavailable")
      expect(failure.reason).toMatch(new RegExp(`^the database \\(postgres 127\\.0\\.0\\.1:${port}/bridge\\) cannot take the write`))
      expect(failure.reason).not.toContain("S3cret-Pa55")
    }))

  it.scopedLive("a network cut (the database silent, not refusing): operations fail within their bound, and the owner gives up its channel before its lease ends", () =>
    Effect.gen(function*() {
      const url = new URL(freshDatabase(inject("postgresAdminUrl")))
      // A TCP relay between the store and the database that can stop passing bytes either way, as a cut cable would.
      let cut = false
      const database = { host: url.hostname, port: Number(url.port) }
      const sockets = new Set<net.Socket>()
      const relay = net.createServer((client) => {
        const server = net.connect(database.port, database.host)
        for (const s of [client, server]) {
          sockets.add(s)
          s.on("error", () => undefined)
        }
        client.on("data", (d) => void (cut || server.write(d)))
        server.on("data", (d) => void (cut || client.write(d)))
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve))),
        () => Effect.sync(() => (sockets.forEach((s) => s.destroy()), relay.close()))
      )
      url.port = String((relay.address() as net.AddressInfo).port)
      const store = yield* openPostgres(url.toString(), 3_000)
      const ownership = yield* store.own("C")
      yield* store.accept(event("E1", "+1"))
      cut = true
      const failure = yield* Effect.flip(store.accept(event("E2", "+1")))
      expect(failure._tag).toBe("StoreUnavailable")
      // The lease is given up here (its worker stops), however long the database takes to answer.
      yield* ownership.lost
      expect(yield* Effect.flip(store.claimDue("C", 10))).toMatchObject({ _tag: "StoreUnavailable" })
      // The cable is back: the connections that were cut are not reused (a late answer would land in another
      // operation), and the store works again.
      cut = false
      expect(yield* store.accept(event("E3", "+1"))).toBe("accepted")
      expect(yield* store.accept(event("E1", "+1"))).toBe("duplicate")
    }), { timeout: 120_000 })

  it.scopedLive("a claim of an earlier worker run that commits late (after the next run began) does not keep its events", () =>
    Effect.gen(function*() {
      const { stores: [a], url } = yield* replicas(1)
      yield* a!.own("C")
      yield* a!.accept(event("E1", "+1"))
      yield* a!.releaseLeases("C")
      expect((yield* a!.claimDue("C", 10)).map((e) => e.mId)).toEqual(["E1"])
      const earlier = psql(url, "SELECT leased_by FROM outbox")
      // The worker starts over (its attempts ended), and then the earlier run's claim commits.
      yield* a!.releaseLeases("C")
      psql(url, `UPDATE outbox SET leased_by = '${earlier}'`)
      expect((yield* a!.claimDue("C", 10)).map((e) => e.mId)).toEqual(["E1"])
    }))
})
