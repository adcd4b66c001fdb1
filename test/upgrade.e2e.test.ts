// A store written by release 0.1.0 (test/fixtures/store-0.1.0.db, made with that release's store: pending events
// of two contacts, a dead event, an unroutable push, a split text with one part's receipt, a receipt held before its
// parts were known, a delivered status, quick-reply state) is taken over by this release: migrated on start,
// everything pending delivers in each contact's order, dead letters replay, and later receipts still fold.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { form, harness, pushUrl } from "./harness.ts"

const fixture = path.join(import.meta.dirname, "fixtures", "store-0.1.0.db")

const summary = (p: any) => {
  const e = p.events[0]
  return e.type === "message" ? `${p.contactId} message ${e.mId} ${e.message.text}` : `${p.contactId} status ${e.mId} ${e.status.value}`
}

describe("upgrade", () => {
  it.scopedLive("a 0.1.0 store is migrated and all of it still delivers", () =>
    Effect.gen(function*() {
      const storePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ccs-upgrade-")), "channel.db")
      fs.copyFileSync(fixture, storePath)
      const h = yield* harness({ storePath })
      const delivered = yield* Effect.promise(() => h.delivered(5))
      const lines = delivered.map(summary)
      expect([...lines].sort()).toEqual([
        "+60177872890 message IN-1 Hello, is my order ready?",
        "+60177872890 message IN-2 Second message",
        "+60177872890 status SPLIT-1 sent",
        "+60188888888 message IN-3 Другой контакт 👋",
        "+60188888888 status ONE-1 delivered"
      ])
      // Each contact's events in the order they were accepted.
      expect(lines.filter((l) => l.startsWith("+60177872890"))).toEqual([
        "+60177872890 message IN-1 Hello, is my order ready?",
        "+60177872890 message IN-2 Second message",
        "+60177872890 status SPLIT-1 sent"
      ])
      expect(delivered[0]).toMatchObject({ channelId: "gfd8g7fd89dgfd", contact: { phone: expect.any(String) } })

      const letters = yield* Effect.promise(() => h.deadLetters())
      expect(letters.map((l) => [l.kind, l.mId ?? (l.body as any).message_id])).toEqual([["event", "DEAD-1"], ["unroutable-inbound", "LOST-1"]])

      // The split text's second part is delivered: the fold becomes delivered.
      const receipt = yield* Effect.promise(() =>
        fetch(pushUrl(h, "delivery_receipt"), {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form({ message_id: "SPLIT-1-P2", status_code: "201", custom_string: "v=1&ch=gfd8g7fd89dgfd&c=%2B60177872890&p=2%2F2" })
        }).then((r) => r.json())
      )
      expect(receipt).toEqual({ ok: true, outcome: "accepted" })
      yield* Effect.promise(() => h.delivered(6))
      expect(summary(h.webhook.payloads()[5])).toBe("+60177872890 status SPLIT-1 delivered")

      // The quick-reply state is still there; the dead event replays (as the command line does it) and delivers.
      const { close, store } = openSqliteStore(storePath)
      try {
        expect((yield* store.lastOutgoing("gfd8g7fd89dgfd", "+60177872890"))?.quickReplies).toEqual(["Yes", "No"])
        expect(yield* store.requeue(letters[0]!.id)).toBe(true)
      } finally {
        close()
      }
      yield* Effect.promise(() => h.delivered(7))
      expect(summary(h.webhook.payloads()[6])).toBe("+60199999999 message DEAD-1 refused once")
    }))
})
