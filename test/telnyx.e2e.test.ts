// Telnyx over real HTTP: the bridge between a simulated Telnyx (signing its webhooks with its own key pair) and a
// simulated webhook. What is particular to Telnyx: one signed webhook route, errors by code and title, media.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { harness, secrets } from "./harness.ts"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)
const contact = "+60177872890"
const ours = "+61411111111"

describe("Telnyx: sending", () => {
  it.scopedLive("a text goes to POST /v2/messages with the bearer key; the platform gets data.id as mId", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const answer = yield* promise(() => h.send({ type: "text", text: "Hello from the bridge" }))
      const [sent] = h.telnyx.sent()
      expect(answer).toEqual({ status: 200, json: { mId: sent!.id } })
      expect(sent).toMatchObject({ to: contact, from: ours, text: "Hello from the bridge" })
      expect(h.telnyx.requests[0]!.headers.authorization).toBe(`Bearer ${secrets.telnyxKey}`)
    }))

  it.scopedLive("a text longer than 10 segments goes as several messages in order, none truncated; mId is the first's", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const words = Array.from({ length: 250 }, (_, i) => `word${i}`).join(" ") // 1,889 GSM-7 characters
      const answer = yield* promise(() => h.send({ type: "text", text: words }))
      const sent = h.telnyx.sent()
      expect(sent.length).toBe(2)
      expect(sent.map((m) => m.text).join("")).toBe(words)
      expect(sent.every((m) => m.text!.length <= 1530)).toBe(true)
      expect(answer.json).toEqual({ mId: sent[0]!.id })
    }))

  it.scopedLive("a refusal is a 422 naming Telnyx's code and title (a STOP block); nothing is retried", () =>
    Effect.gen(function*() {
      const blocked = "+15550000000"
      const h = yield* harness({
        use: "telnyx",
        telnyxRefuse: { [blocked]: { code: "40300", title: "Blocked due to STOP message", detail: "Messages cannot be sent due to an existing block rule." } }
      })
      const answer = yield* promise(() => h.send({ type: "text", text: "Hi" }, { contactId: blocked }))
      expect(answer).toEqual({
        status: 422,
        json: { error: { message: "Telnyx refused the message: 40300 Blocked due to STOP message: Messages cannot be sent due to an existing block rule." } }
      })
      expect(h.telnyx.requests).toHaveLength(1)
      // Logged once, naming the channel whose token was used.
      const logged = h.logs.filter((l) => l.includes("request refused")).map((l) => JSON.parse(l).annotations)
      expect(logged).toEqual([expect.objectContaining({ route: "/message", status: 422, error: "ProviderRefused", channel: "main" })])
      // Telnyx's STOP block is now the bridge's opt-out too: the next message is refused without a call.
      const again = yield* promise(() => h.send({ type: "text", text: "Hi again" }, { contactId: blocked }))
      expect(again.status).toBe(422)
      expect(again.json.error.message).toMatch(/^\+15550000000 opted out of this channel \(PROVIDER on /)
      expect(h.telnyx.requests).toHaveLength(1)
    }))

  it.scopedLive("wrong credentials are a 502 that says which setting to check; 429 is retried; a timeout is a 504, never sent again", () =>
    Effect.gen(function*() {
      const wrong = yield* harness({ use: "telnyx", provider: { apiKey: "not-the-key" } })
      const denied = yield* promise(() => wrong.send({ type: "text", text: "Hi" }))
      expect(denied.status).toBe(502)
      expect(denied.json.error.message).toMatch(/^Telnyx rejected the bridge's credentials \(HTTP 401 10009 Authentication failed.*check provider\.apiKey$/)
      expect(wrong.telnyx.sent()).toHaveLength(0)

      const h = yield* harness({ use: "telnyx" })
      h.telnyx.script({ status: 429, headers: { "retry-after": "0" }, body: { errors: [{ code: "10011", title: "Too many requests" }] } })
      expect((yield* promise(() => h.send({ type: "text", text: "after a 429" }))).status).toBe(200)
      expect(h.telnyx.requests.map((r) => r.status)).toEqual([429, 200])

      h.telnyx.script({ status: 200, body: { data: { id: "late" } }, delayMs: 2500 })
      const late = yield* promise(() => h.send({ type: "text", text: "no answer in time" }))
      expect(late.status).toBe(504)
      expect(late.json.error.message).toMatch(/may have been sent, so it was not sent again/)
      expect(h.telnyx.requests.filter((r) => r.body.includes("no answer in time"))).toHaveLength(1)
    }))
})

describe("Telnyx: split texts", () => {
  const words = Array.from({ length: 250 }, (_, i) => `word${i}`).join(" ") // two messages
  const outbound = (id: string, status: string, errors: Array<unknown> = []) => ({
    id,
    direction: "outbound",
    from: { phone_number: ours },
    to: [{ phone_number: contact, status }],
    errors
  })

  it.scopedLive("the statuses of a text sent as several messages fold into one, for the first's id only", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const { json } = yield* promise(() => h.send({ type: "text", text: words }))
      const [first, second] = h.telnyx.sent()
      expect(json.mId).toBe(first!.id)
      yield* promise(() => h.telnyx.webhook("message.finalized", outbound(second!.id, "delivered")))
      yield* promise(() => h.telnyx.webhook("message.finalized", outbound(first!.id, "delivered")))
      const delivered = yield* promise(() => h.delivered(2))
      expect(delivered.map((p) => [p.events[0].mId, p.events[0].type === "message_status" && p.events[0].status.value])).toEqual([
        [first!.id, "sent"],
        [first!.id, "delivered"]
      ])
    }))

  it.scopedLive("a part that cannot be sent after others went out is a 504, not a 503: the text is not sent again", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      h.telnyx.script({ status: 200, body: { data: { id: "PART-1" } } }, ...Array.from({ length: 50 }, () => ({ status: 503, body: "down" })))
      const answer = yield* promise(() => h.send({ type: "text", text: words }))
      expect(answer.status).toBe(504)
      expect(answer.json.error.message).toMatch(/^part 2 of 2 was not sent \(Telnyx could not be reached: HTTP 503\); the parts before it were, so it was not sent again$/)
      expect(h.logs.some((l) => l.includes("split message partly sent"))).toBe(true)
    }))
})

describe("Telnyx: its webhook", () => {
  it.scopedLive("message.received: the text and each media item reach the platform as messages of their own", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const payload = h.telnyx.inbound(contact, ours, "Here is the photo", [{ url: "https://media.example/p.jpg", content_type: "image/jpeg" }, { url: "https://media.example/v.mp4", content_type: "video/mp4" }])
      const answer = yield* promise(() => h.telnyx.webhook("message.received", payload))
      expect(answer).toEqual({ status: 200, json: { ok: true, outcome: "accepted" } })
      const delivered = yield* promise(() => h.delivered(3))
      const id = payload.id as string
      expect(delivered.map((p) => p.events[0])).toEqual([
        { type: "message", mId: id, timestamp: expect.any(Number), message: { type: "text", text: "Here is the photo" } },
        { type: "message", mId: `${id}-m1`, timestamp: expect.any(Number), message: { type: "attachment", attachment: { type: "image", url: "https://media.example/p.jpg", mimeType: "image/jpeg" } } },
        { type: "message", mId: `${id}-m2`, timestamp: expect.any(Number), message: { type: "attachment", attachment: { type: "video", url: "https://media.example/v.mp4", mimeType: "video/mp4" } } }
      ])
      expect(delivered.every((p) => p.contactId === contact && p.channelId === "gfd8g7fd89dgfd")).toBe(true)
      // Telnyx delivers a webhook more than once at times: the same message is forwarded once.
      expect(yield* promise(() => h.telnyx.webhook("message.received", payload))).toEqual({ status: 200, json: { ok: true, outcome: "duplicate" } })
    }))

  it.scopedLive("message.sent and message.finalized become sent, then delivered or failed (with Telnyx's reason)", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const { json } = yield* promise(() => h.send({ type: "text", text: "status please" }))
      const mId = json.mId as string
      const outbound = (status: string, errors: Array<unknown> = []) => ({
        id: mId,
        direction: "outbound",
        from: { phone_number: ours },
        to: [{ phone_number: contact, status }],
        errors
      })
      yield* promise(() => h.telnyx.webhook("message.sent", outbound("sent")))
      yield* promise(() => h.telnyx.webhook("message.finalized", outbound("delivery_failed", [{ code: "40008", title: "Undeliverable", detail: "The carrier could not deliver it." }])))
      // A late "sent" after the final status changes nothing.
      expect((yield* promise(() => h.telnyx.webhook("message.sent", outbound("sent")))).json.outcome).toBe("duplicate")
      const delivered = yield* promise(() => h.delivered(2))
      expect(delivered.map((p) => p.events[0])).toEqual([
        { type: "message_status", mId, timestamp: expect.any(Number), status: { value: "sent" } },
        { type: "message_status", mId, timestamp: expect.any(Number), status: { value: "failed", message: "Undeliverable: The carrier could not deliver it." } }
      ])
    }))

  it.scopedLive("a missing, wrong or stale signature is a 401 and nothing is stored or forwarded", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const payload = h.telnyx.inbound(contact, ours, "forged")
      const forged = yield* promise(() => h.telnyx.webhook("message.received", payload, { signature: Buffer.alloc(64, 7).toString("base64") }))
      const stale = yield* promise(() => h.telnyx.webhook("message.received", payload, { timestamp: Math.floor(Date.now() / 1000) - 600 }))
      const unsigned = yield* promise(() => h.post("/telnyx/webhook", { data: { event_type: "message.received", id: "x", payload } }))
      expect(forged).toEqual({ status: 401, json: { error: { message: "telnyx-signature-ed25519 does not verify with provider.publicKey" } } })
      expect(stale).toEqual({ status: 401, json: { error: { message: "telnyx-timestamp is more than 300 s from now" } } })
      expect(unsigned).toEqual({ status: 401, json: { error: { message: "telnyx-signature-ed25519 and telnyx-timestamp are required" } } })
      expect(yield* promise(() => h.deadLetters())).toEqual([])
      const ready = yield* promise(() => fetch(`${h.url}/readyz`).then((r) => r.json() as Promise<any>))
      expect(ready.channels.main).toEqual({ outbox: 0, deadLetters: 0 })
      expect(h.webhook.requests).toHaveLength(0)
    }))

  it.scopedLive("a signed webhook that breaks a rule is a 400 naming the field, kept as a dead letter; other events are ignored", () =>
    Effect.gen(function*() {
      const h = yield* harness({ use: "telnyx" })
      const { from: _from, ...noSender } = h.telnyx.inbound(contact, ours, "who am I")
      const invalid = yield* promise(() => h.telnyx.webhook("message.received", noSender))
      expect(invalid).toEqual({ status: 400, json: { error: { message: "data.payload.from: is required" } } })
      const letters = yield* promise(() => h.deadLetters())
      expect(letters.map((l) => [l.kind, l.lastError])).toEqual([["unroutable-inbound", "data.payload.from: is required"]])
      const other = yield* promise(() => h.telnyx.webhook("call.initiated", { id: "c1" }))
      expect(other).toEqual({ status: 200, json: { ok: true, outcome: "ignored" } })
      expect(h.webhook.requests).toHaveLength(0)
    }))
})
