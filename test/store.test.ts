// The SQLite store on its own: what it does when it cannot write, and at shutdown (its contract with the other
// stores is in storeContract.test.ts).
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { type NewEvent, StoreUnavailable } from "../src/stores/Store.ts"

const event = (mId: string, contactId: string): NewEvent => ({
  channelId: "C",
  contactId,
  mId,
  dedupeKey: `inbound:${mId}`,
  event: { kind: "message", channelId: "C", contactId, mId, timestamp: 0, message: { type: "text", text: mId } }
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
