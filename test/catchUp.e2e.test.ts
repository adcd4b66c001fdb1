// Catch-up: what ClickSend received while the bridge was down reaches the platform once the bridge is back, from the
// lists ClickSend keeps for its POLL rules; the same messages pushed late are not forwarded again.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { harness, pushUrl, secrets, waitWhile } from "./harness.ts"

const contact = "+60177872890"

const simulators = Effect.gen(function*() {
  const clicksend = yield* Effect.acquireRelease(
    Effect.promise(() => startClickSendSimulator({ username: secrets.username, apiKey: secrets.apiKey, poll: true })),
    (s) => Effect.promise(s.close)
  )
  const webhook = yield* Effect.acquireRelease(
    Effect.promise(() => startWebhookSimulator([secrets.tokenA, secrets.tokenB])),
    (s) => Effect.promise(s.close)
  )
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "ccs-catchup-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  return { clicksend, webhook, storePath: path.join(dir, "channel.db") }
})

const reconcile = (options: Record<string, unknown> = {}) => ({ provider: { reconcile: { enabled: true, intervalMs: 3_600_000, ...options } } })

describe("catch-up", () => {
  it.scopedLive("what ClickSend could not push while the bridge was down reaches the webhook once at start; late pushes are duplicates", () =>
    Effect.gen(function*() {
      const { clicksend, storePath, webhook } = yield* simulators
      const sims = { clicksend, webhook }
      // Two messages go out; the bridge stops before their receipts come.
      const mIds = yield* Effect.scoped(Effect.gen(function*() {
        const h = yield* harness({ simulators: sims, storePath, ...reconcile() })
        const a = yield* Effect.promise(() => h.send({ type: "text", text: "Your order shipped" }))
        const b = yield* Effect.promise(() => h.send({ type: "text", text: "Hello" }, { contactId: "+60111111111" }))
        expect([a.status, b.status]).toEqual([200, 200])
        // ClickSend pushes to the URLs of the bridge that is about to stop.
        clicksend.setInboundUrl(pushUrl(h, "push_message"))
        clicksend.setReceiptUrl(pushUrl(h, "delivery_receipt"))
        return [a.json.mId as string, b.json.mId as string]
      }))

      // While it is down: three messages (one a picture with text) and the two receipts, none of them pushed.
      yield* Effect.promise(() => clicksend.receive({ message_id: "IN-1", from: contact, to: "+61411111111", body: "Is it here yet?" }))
      yield* Effect.promise(() => clicksend.receive({ message_id: "IN-2", from: contact, to: "+61411111111", body: "STOP" }))
      yield* Effect.promise(() =>
        clicksend.receive({ message_id: "IN-3", from: "+60122222222", to: "+61411111111", body: "Look", media_file: "https://media.example/p/1.jpg" })
      )
      // And one to a number of the account that no channel has: another system's, not the bridge's (ClickSend's URL
      // rule, scoped to the bridge's number, does not push it).
      clicksend.setInboundUrl("")
      yield* Effect.promise(() => clicksend.receive({ message_id: "OTHER-1", from: contact, to: "+61499999999", body: "For the other team" }))
      yield* Effect.promise(() => clicksend.deliverAll())
      expect(clicksend.unread()).toEqual({ inbound: ["IN-1", "IN-2", "IN-3", "OTHER-1"], receipts: mIds })
      expect(webhook.payloads()).toHaveLength(0)

      const h = yield* harness({ simulators: sims, storePath, ...reconcile() })
      const events = yield* Effect.promise(() => h.delivered(6))
      const seen = events.map((p) => {
        const e = p.events[0]
        return [p.contactId, e.type !== "message_status" ? (e.message.type === "text" ? e.message.text : e.message.attachment.url) : e.status.value, e.mId]
      })
      expect(seen.sort()).toEqual([
        [contact, "Is it here yet?", "IN-1"],
        [contact, "STOP", "IN-2"],
        [contact, "delivered", mIds[0]],
        ["+60111111111", "delivered", mIds[1]],
        ["+60122222222", "Look", "IN-3"],
        ["+60122222222", "https://media.example/p/1.jpg", "IN-3-m1"]
      ].sort())
      // Each message and receipt was marked read, by its id, once it was in the store; the round said what it took.
      const tookLine = () => h.logs.find((l) => l.includes("catch-up took messages ClickSend kept"))
      yield* Effect.promise(() => waitWhile(() => tookLine() === undefined))
      expect(JSON.parse(tookLine()!).annotations).toMatchObject({ inbound: 3, receipts: 2, new: 5 })
      // What is not the bridge's is left alone: unread, not forwarded, no dead letter (the harness has one channel).
      expect(clicksend.unread()).toEqual({ inbound: ["OTHER-1"], receipts: [] })
      expect(yield* Effect.promise(() => h.deadLetters())).toEqual([])
      expect(clicksend.requests.filter((r) => r.method === "PUT").map((r) => r.path).sort()).toEqual(
        ["/v3/sms/inbound-read/IN-1", "/v3/sms/inbound-read/IN-2", "/v3/sms/inbound-read/IN-3", ...mIds.map((id) => `/v3/sms/receipts-read/${id}`)].sort()
      )
      // The STOP taken by catch-up counts like a pushed one.
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Offer" }))).status).toBe(422)

      // ClickSend retries its pushes late, to the running bridge: every one a duplicate, nothing forwarded twice.
      clicksend.setInboundUrl(pushUrl(h, "push_message"))
      clicksend.setReceiptUrl(pushUrl(h, "delivery_receipt"))
      expect(yield* Effect.promise(() => clicksend.retryFailedPushes())).toEqual([200, 200, 200, 200, 200])
      // One line per event: the picture's push is two.
      const duplicates = h.logs.filter((l) => l.includes("duplicate push ignored"))
      expect(duplicates).toHaveLength(6)
      // A message that came after everything else is the last the webhook takes: nothing else was on its way.
      yield* Effect.promise(() => clicksend.receive({ message_id: "IN-4", from: "+60122222222", to: "+61411111111", body: "Thanks" }))
      const after = yield* Effect.promise(() => h.delivered(7))
      expect(after).toHaveLength(7)
      expect(after.at(-1)!.events[0].mId).toBe("IN-4")
    }))

  it.scopedLive("without marking read, every page is walked and nothing is marked; a ClickSend that fails is logged once and tried again", () =>
    Effect.gen(function*() {
      const { clicksend, storePath, webhook } = yield* simulators
      // Listed in another order than they were sent (the later a message is listed, the earlier it was sent).
      const sent = Math.floor(Date.now() / 1000) - 600
      for (let i = 1; i <= 120; i++) {
        yield* Effect.promise(() =>
          clicksend.receive({ message_id: `IN-${i}`, from: contact, to: "+61411111111", body: `message ${i}`, timestamp: sent - i })
        )
      }
      clicksend.script({ status: 503, body: "down" })
      const h = yield* harness({ simulators: { clicksend, webhook }, storePath, ...reconcile({ markRead: false, intervalMs: 10_000 }) })
      yield* Effect.promise(() => waitWhile(() => !h.logs.some((l) => l.includes("catch-up failed"))))
      const failed = h.logs.find((l) => l.includes("catch-up failed"))!
      expect(JSON.parse(failed)).toMatchObject({ logLevel: "WARN", annotations: { reason: "ClickSend answered GET /sms/inbound with HTTP 503" } })
      // The next round is ten seconds on.
      yield* Effect.promise(() => waitWhile(() => webhook.payloads().length < 120, 40_000))
      const events = webhook.payloads()
      // In the order they were sent, each once, across the two pages of 100.
      expect(events.map((p) => p.events[0].mId)).toEqual(Array.from({ length: 120 }, (_, i) => `IN-${120 - i}`))
      expect(h.logs.some((l) => l.includes("catch-up works again"))).toBe(true)
      expect(clicksend.unread().inbound).toHaveLength(120)
      expect(clicksend.requests.filter((r) => r.method === "PUT")).toEqual([])
      // The failed round's page, then the two pages of the round that worked (a later round may have begun since).
      expect(clicksend.requests.filter((r) => r.path === "/v3/sms/inbound").map((r) => r.query.get("page")).slice(0, 3)).toEqual(["1", "1", "2"])
    }), { timeout: 90_000 })
})
