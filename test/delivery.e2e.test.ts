// Nothing lost: the outbox and its workers under faults, restarts, rate limits and shutdown, over real HTTP.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { form, harness, pushUrl, secrets, waitWhile } from "./harness.ts"

const promise = Effect.promise

const sms = (id: string, from: string, body = `text of ${id}`) => ({
  timestamp: "1775012927",
  from,
  to: "+61411111111",
  body,
  message_id: id
})

const push = (url: string, fields: Record<string, string>) =>
  promise(() =>
    fetch(url, { method: "POST", body: form(fields) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }))
  )

/** The first delivery of each mId, in the order the webhook took them. */
const firstDeliveries = (payloads: ReadonlyArray<{ contactId: string; events: ReadonlyArray<{ mId: string }> }>) => {
  const seen = new Set<string>()
  return payloads.filter((p) => !seen.has(p.events[0]!.mId) && seen.add(p.events[0]!.mId))
}

const tmpStore = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ccs-store-")), "channel.db")

describe("delivery", () => {
  it.scopedLive("through 500s, 429 with Retry-After, a hang past the timeout, resets and a webhook down and back: every accepted push arrives, in per-contact order", () =>
    Effect.gen(function*() {
      const h = yield* harness({ platform: { timeoutMs: 200 }, deliveryRetry: { maxDelayMs: 50 } })
      h.webhook.script(
        { status: 500 },
        { status: 500 },
        { status: 503 },
        { status: 429, headers: { "retry-after": "1" } },
        { status: 200, body: "OK", delayMs: 400 },
        { status: 0, reset: true },
        { status: 0, reset: true },
        { status: 502 }
      )
      const contacts = ["+60100000001", "+60100000002", "+60100000003"]
      const sent: Array<{ id: string; contact: string }> = []
      for (let i = 0; i < 6; i++) {
        for (const contact of contacts) {
          const id = `M-${contact.slice(-1)}-${i}`
          expect((yield* push(pushUrl(h, "push_message"), sms(id, contact))).status).toBe(200)
          sent.push({ id, contact })
        }
      }
      yield* promise(() => h.delivered(sent.length))

      // Fully down: the webhook stops listening; pushes are still accepted; then it comes back on the same port.
      const port = Number(new URL(h.webhook.url).port)
      yield* promise(() => h.webhook.close())
      for (let i = 6; i < 9; i++) {
        for (const contact of contacts) {
          const id = `M-${contact.slice(-1)}-${i}`
          expect((yield* push(pushUrl(h, "push_message"), sms(id, contact))).status).toBe(200)
          sent.push({ id, contact })
        }
      }
      yield* Effect.sleep("300 millis")
      const back = yield* Effect.acquireRelease(
        promise(() => startWebhookSimulator([secrets.tokenA, secrets.tokenB], { port })),
        (s) => promise(s.close)
      )
      yield* promise(() => waitWhile(() => firstDeliveries([...h.webhook.payloads(), ...back.payloads()]).length < sent.length))
      const delivered = firstDeliveries([...h.webhook.payloads(), ...back.payloads()])
      expect(delivered.map((p) => p.events[0]!.mId).sort()).toEqual(sent.map((s) => s.id).sort())
      for (const contact of contacts) {
        expect(delivered.filter((p) => p.contactId === contact).map((p) => p.events[0]!.mId)).toEqual(
          sent.filter((s) => s.contact === contact).map((s) => s.id)
        )
      }
      // The 429 asked for a second: that event's retry waited at least that long (other contacts went on).
      const mIdOf = (r: { body: string }) => JSON.parse(r.body).events[0].mId as string
      const limited = h.webhook.requests.find((r) => r.status === 429)!
      const retried = h.webhook.requests.find((r) => r.at > limited.at && mIdOf(r) === mIdOf(limited))!
      expect(retried.at - limited.at).toBeGreaterThanOrEqual(950)
      expect(yield* promise(h.deadLetters)).toEqual([])
    }))

  it.scopedLive("an outage is waited out: a lone event retried far more than 25 times is delivered by itself once the webhook is back", () =>
    Effect.gen(function*() {
      const h = yield* harness({ deliveryRetry: { initialDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 600_000 } })
      const port = Number(new URL(h.webhook.url).port)
      yield* promise(() => h.webhook.close())
      yield* push(pushUrl(h, "push_message"), sms("LONE-1", "+60177872890"))
      const retries = () => h.logs.filter((l) => l.includes("event will be retried")).length
      yield* promise(() => waitWhile(() => retries() < 40, 30_000))
      expect(retries()).toBeGreaterThanOrEqual(40)
      expect(yield* promise(h.deadLetters)).toEqual([])
      const back = yield* Effect.acquireRelease(promise(() => startWebhookSimulator([secrets.tokenA], { port })), (s) => promise(s.close))
      yield* promise(() => waitWhile(() => back.payloads().length === 0))
      expect(back.payloads().map((p) => p.events[0].mId)).toEqual(["LONE-1"])
      expect(yield* promise(h.deadLetters)).toEqual([])
    }))

  it.scopedLive("past delivery.retry.giveUpAfterMs a transient failure makes a dead letter that says how long it was tried", () =>
    Effect.gen(function*() {
      const h = yield* harness({ deliveryRetry: { initialDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 300 } })
      yield* promise(() => h.webhook.close())
      yield* push(pushUrl(h, "push_message"), sms("LATE-1", "+60177872890"))
      yield* promise(() => waitWhile(async () => (await h.deadLetters()).length === 0))
      const [dead] = yield* promise(h.deadLetters)
      expect(dead).toMatchObject({ mId: "LATE-1", kind: "event" })
      expect(dead!.lastError).toMatch(/^gave up after \d+ attempts over 0 s: network error: ECONNREFUSED$/)
      expect(dead!.attempts).toBeGreaterThan(1)
    }))

  it.scopedLive("an outage or a 429 pauses the whole channel: one probe at a time, and Retry-After is kept", () =>
    Effect.gen(function*() {
      const h = yield* harness({ deliveryRetry: { initialDelayMs: 50, maxDelayMs: 400 } })
      const port = Number(new URL(h.webhook.url).port)
      yield* promise(() => h.webhook.close())
      const ids = Array.from({ length: 10 }, (_, i) => `O-${i}`)
      for (const [i, id] of ids.entries()) yield* push(pushUrl(h, "push_message"), sms(id, `+6010000000${i}`))
      yield* Effect.sleep("1500 millis") // down for longer than 4 attempts of one event would take
      const back = yield* Effect.acquireRelease(
        promise(() => startWebhookSimulator([secrets.tokenA], { port })),
        (s) => promise(s.close)
      )
      back.script({ status: 429, headers: { "retry-after": "1" } })
      yield* promise(() => waitWhile(() => back.payloads().length < ids.length))
      expect(back.payloads().map((p) => p.events[0].mId).sort()).toEqual(ids)
      expect(yield* promise(h.deadLetters)).toEqual([])
      // After the 429, the channel waited the second it asked for before anything else was sent.
      const [limited, next] = back.requests
      expect(limited!.status).toBe(429)
      expect(next!.at - limited!.at).toBeGreaterThanOrEqual(950)
    }))

  it.scopedLive("a backlog drains near the rate limit and never above it in any one-second window", () =>
    Effect.gen(function*() {
      const limit = 40
      const h = yield* harness({ delivery: { rateLimitPerSecond: limit } })
      // The webhook is down while the backlog builds up, so all of it is waiting when it comes back.
      const port = Number(new URL(h.webhook.url).port)
      yield* promise(() => h.webhook.close())
      const count = 160
      yield* Effect.forEach(
        Array.from({ length: count }, (_, i) => i),
        (i) => push(pushUrl(h, "push_message"), sms(`R-${i}`, `+6010${String(i).padStart(7, "0")}`)),
        { concurrency: 16 }
      )
      const back = yield* Effect.acquireRelease(
        promise(() => startWebhookSimulator([secrets.tokenA], { port })),
        (s) => promise(s.close)
      )
      yield* promise(() => waitWhile(() => back.payloads().length < count))
      const times = back.requests.filter((r) => r.status === 200).map((r) => r.at).sort((a, b) => a - b)
      expect(times).toHaveLength(count)
      const crowded = times.map((t, i) => [t, times.filter((u) => u >= t && u < t + 1000).length, times[i + limit] !== undefined ? times[i + limit]! - t : 0])
      expect(crowded.filter(([, n]) => n! > limit)).toEqual([])
      // A window counts from when the call `limit` back finished, so each call's round trip slows the drain a little:
      // ~99% of the limit on a quiet machine (npm run bench measures it), and well above 75% on a busy one.
      const rate = (count - 1) / ((times.at(-1)! - times[0]!) / 1000)
      expect(rate).toBeGreaterThanOrEqual(0.75 * limit)
    }))

  it.scopedLive("a push repeated after a restart is answered 200 and forwarded once", () =>
    Effect.gen(function*() {
      const storePath = tmpStore()
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const h = yield* harness({ storePath })
        expect((yield* push(pushUrl(h, "push_message"), sms("DUP-1", "+60177872890"))).json.outcome).toBe("accepted")
        return yield* promise(() => h.delivered(1))
      }))
      expect(first).toHaveLength(1)
      const h = yield* harness({ storePath })
      const again = yield* push(pushUrl(h, "push_message"), sms("DUP-1", "+60177872890"))
      expect(again).toEqual({ status: 200, json: { ok: true, outcome: "duplicate" } })
      yield* Effect.sleep("300 millis")
      expect(h.webhook.requests).toHaveLength(0)
    }))

  it.scopedLive("shutdown lets the attempt in flight end; what was not delivered stays and goes after restart", () =>
    Effect.gen(function*() {
      const storePath = tmpStore()
      yield* Effect.scoped(Effect.gen(function*() {
        const h = yield* harness({ storePath })
        // Long enough that S-1 is surely still in flight when the scope closes, however busy the machine.
        h.webhook.script({ status: 200, body: "OK", delayMs: 1500 })
        yield* push(pushUrl(h, "push_message"), sms("S-1", "+60177872890"))
        yield* push(pushUrl(h, "push_message"), sms("S-2", "+60177872890"))
        yield* promise(() => waitWhile(() => h.webhook.requests.length === 0))
        expect(h.webhook.requests).toHaveLength(1)
      })) // the scope closes here: the server and the workers stop while S-1 is in flight
      const { close, store } = openSqliteStore(storePath)
      const depth = yield* store.depth()
      close()
      // S-1's attempt ended (delivered); S-2, the same contact's later message, waits in the outbox.
      expect(depth.get("gfd8g7fd89dgfd")).toEqual({ outbox: 1, deadLetters: 0 })
      const h = yield* harness({ storePath })
      expect((yield* promise(() => h.delivered(1))).map((p) => p.events[0].mId)).toEqual(["S-2"])
    }))

  it.scopedLive("/readyz reports the outbox and the dead letters per channel", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true })
      h.webhook.script({ status: 400 })
      yield* push(pushUrl(h, "push_message"), sms("D-1", "+60177872890"))
      yield* push(pushUrl(h, "push_message"), { ...sms("U-1", "+60177872890"), to: "+61499999999" })
      yield* promise(() => waitWhile(async () => (await h.deadLetters()).length < 2))
      const ready = yield* promise(() => fetch(`${h.url}/readyz`).then(async (r) => ({ status: r.status, json: await r.json() })))
      expect(ready).toEqual({
        status: 200,
        json: {
          status: "ready",
          store: "open",
          database: `sqlite ${h.storePath}`,
          workers: "running",
          delivering: ["main", "sales"],
          channels: { main: { outbox: 0, deadLetters: 1 }, sales: { outbox: 0, deadLetters: 0 } },
          unroutable: 1,
          warnings: []
        }
      })
    }))

  it.scopedLive("quick replies over SMS: a bare number answers the contact's latest quick reply with that option", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const contact = "+60177872890"
      yield* promise(() => h.send({ type: "quick_reply", title: "Language?", replies: ["Malay", "English"] }, { contactId: contact }))
      yield* push(pushUrl(h, "push_message"), sms("Q-1", contact, " 2 "))
      yield* push(pushUrl(h, "push_message"), sms("Q-2", contact, "3"))
      yield* push(pushUrl(h, "push_message"), sms("Q-3", "+60111111111", "1"))
      yield* promise(() => h.send({ type: "text", text: "Thanks" }, { contactId: contact }))
      yield* push(pushUrl(h, "push_message"), sms("Q-4", contact, "1"))
      const texts = (yield* promise(() => h.delivered(4))).map((p) => [p.events[0].mId, p.events[0].type === "message" && p.events[0].message.type === "text" && p.events[0].message.text])
      expect(texts.sort()).toEqual([["Q-1", "English"], ["Q-2", "3"], ["Q-3", "1"], ["Q-4", "1"]])

      const off = yield* harness({ quickReplies: { mapNumbers: false } })
      yield* promise(() => off.send({ type: "quick_reply", title: "Language?", replies: ["Malay", "English"] }, { contactId: contact }))
      yield* push(pushUrl(off, "push_message"), sms("Q-5", contact, "2"))
      expect((yield* promise(() => off.delivered(1)))[0]!.events[0]).toMatchObject({ message: { text: "2" } })
    }))
})
