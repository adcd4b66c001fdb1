// `channel-server store copy-from-sqlite`: a SQLite store's work moved into PostgreSQL, as the operator runs it.
import { describe, expect, inject, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { lockStore } from "../src/stores/sqlite/storeLock.ts"
import type { FoldedStatus, NewEvent } from "../src/stores/Store.ts"
import { freshDatabase } from "./postgresCluster.ts"
import { event, openPostgres } from "./stores.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const cli = (args: Array<string>, env: Record<string, string | undefined>) =>
  Effect.promise(() =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [main, ...args], { timeout: 60_000, env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }))
    )
  )

const status = (fold: FoldedStatus): NewEvent => ({
  channelId: "C",
  contactId: "+3",
  mId: fold.mId,
  dedupeKey: `receipt:${fold.mId}:${fold.status}`,
  event: { kind: "status", channelId: "C", contactId: "+3", mId: fold.mId, timestamp: 1, status: fold.status }
})

describe("store copy-from-sqlite", () => {
  it.scopedLive("moves pending events in order behind the database's own, dead letters, history, parts and quick replies; twice is once", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-copy-"))
      const file = path.join(dir, "channel.db")
      // A SQLite store as a server left it: +1 has a delivered event and two pending; a dead event; a kept push; a
      // split text with one part's receipt; a quick reply.
      const { close, store } = openSqliteStore(file)
      yield* store.own("C")
      for (const e of [event("D1", "+1"), event("E1", "+1"), event("E2", "+1"), event("X1", "+2")]) yield* store.accept(e)
      const [d1, x1] = yield* store.claimDue("C", 10)
      yield* store.markDelivered(d1!.id)
      yield* store.markDead(x1!.id, "HTTP 422")
      yield* store.keepUnroutable("unroutable-inbound", "u:1", { to: "+61499999999" }, "no channel has +61499999999", "clicksend")
      yield* store.recordParts("P1", ["P1", "P2"], status)
      yield* store.foldReceipt({ partId: "P2", part: 2, parts: 2, status: "delivered" }, status)
      yield* store.rememberOutgoing("C", "+1", ["Yes", "No"])
      yield* store.optOut("C", "+4", "STOP", 1_700_000_000_000)
      yield* store.optIn("C", "+5", "START", 1_700_000_000_000)
      yield* Effect.sync(close)

      // The PostgreSQL store already has work of its own for +1.
      const url = freshDatabase(inject("postgresAdminUrl"))
      const pg = yield* openPostgres(url)
      yield* pg.accept(event("P0", "+1"))
      const configFile = path.join(dir, "pg.json")
      fs.writeFileSync(configFile, JSON.stringify({
        provider: { plugin: "clicksend", username: "u", apiKey: "k", pushSecret: "copy-push-secret-0123" },
        channels: [{ name: "main", channelId: "C", apiToken: "copy-token-0123456789", numbers: ["+61411111111"] }],
        store: { plugin: "postgres", url: "${DATABASE_URL}" }
      }))
      const env = { ...process.env, DATABASE_URL: url }

      const first = yield* cli(["store", "copy-from-sqlite", file, "--config", configFile], env)
      expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^copied 6 events \(0 were there already\), 2 part statuses, 1 quick replies, 2 opt-outs and opt-ins into postgres 127\.0\.0\.1:\d+\/t_/) })
      const again = yield* cli(["store", "copy-from-sqlite", file, "--config", configFile], env)
      expect(again.stdout).toMatch(/^copied 0 events \(6 were there already\), 0 part statuses, 0 quick replies, 0 opt-outs and opt-ins/)

      // +1's queue: the database's own event first, then the copied ones in their order, one at a time.
      yield* pg.own("C")
      const drained: Array<[string, string]> = []
      for (let claimed = yield* pg.claimDue("C", 10); claimed.length > 0; claimed = yield* pg.claimDue("C", 10)) {
        expect(new Set(claimed.map((e) => e.contactId)).size).toBe(claimed.length)
        for (const e of claimed) {
          drained.push([e.contactId, e.mId])
          yield* pg.markDelivered(e.id)
        }
      }
      expect(drained.filter(([contact]) => contact === "+1").map(([, mId]) => mId)).toEqual(["P0", "E1", "E2"])
      // The split text's fold (part 2 delivered, part 1 not yet: sent) was pending too.
      expect(drained.filter(([contact]) => contact === "+3")).toEqual([["+3", "P1"]])
      // Delivered history is known: the same push again is a duplicate.
      expect(yield* pg.accept(event("D1", "+1"))).toBe("duplicate")
      expect((yield* pg.deadLetters()).map((l) => [l.kind, l.mId ?? l.source, l.lastError])).toEqual([
        ["event", "X1", "HTTP 422"],
        ["unroutable-inbound", "clicksend", "no channel has +61499999999"]
      ])
      // The first part's receipt, copied, folds with the second's.
      expect(yield* pg.foldReceipt({ partId: "P1", part: 1, parts: 2, status: "delivered" }, status)).toBe("accepted")
      expect((yield* pg.lastOutgoing("C", "+1"))?.quickReplies).toEqual(["Yes", "No"])
      // A contact who texted STOP is still opted out after the move; one whose START was kept is still in, so an
      // older STOP taken after the move undoes nothing.
      expect(yield* pg.optedOut("C", "+4")).toMatchObject({ keyword: "STOP" })
      expect(yield* pg.optOut("C", "+5", "STOP", 1_699_999_999_000)).toBe(false)
      expect(yield* pg.optedOut("C", "+5")).toBeUndefined()
    }))

  it.scopedLive("refuses while a server holds the SQLite store, and when the configured store is not PostgreSQL; copies nothing", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-copy-"))
      const file = path.join(dir, "channel.db")
      const { close, store } = openSqliteStore(file)
      yield* store.accept(event("E1", "+1"))
      yield* Effect.sync(close)
      const url = freshDatabase(inject("postgresAdminUrl"))
      const write = (store: object) => {
        const configFile = path.join(dir, `${Math.random()}.json`)
        fs.writeFileSync(configFile, JSON.stringify({
          provider: { plugin: "clicksend", username: "u", apiKey: "k", pushSecret: "copy-push-secret-0123" },
          channels: [{ name: "main", channelId: "C", apiToken: "copy-token-0123456789", numbers: ["+61411111111"] }],
          store
        }))
        return configFile
      }
      const env = { ...process.env, DATABASE_URL: url }
      yield* lockStore(file)
      const held = yield* cli(["store", "copy-from-sqlite", file, "--config", write({ plugin: "postgres", url: "${DATABASE_URL}" })], env)
      expect(held.code).toBe(1)
      expect(held.stderr).toMatch(/^the store .*channel\.db is in use by another server \(process \d+\)/)
      const sqlite = yield* cli(["store", "copy-from-sqlite", file, "--config", write({ path: path.join(dir, "other.db") })], env)
      expect(sqlite).toMatchObject({ code: 64, stderr: "the configured store is sqlite: copy-from-sqlite copies into a PostgreSQL store (store.plugin \"postgres\")\n" })
      const pg = yield* openPostgres(url)
      expect((yield* pg.depth()).size).toBe(0)
    }))
})
