// The scenarios every provider must pass, from one table: each row says how to drive its simulator; the bridge,
// the webhook and what must (and must not) happen are the same for all of them.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { encodeRoute } from "../src/providers/clicksend/routing.ts"
import { composeText } from "../src/translate/composeText.ts"
import { form, type Harness, harness, type HarnessOptions, pushUrl } from "./harness.ts"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)
const contact = "+60177872890"
const ours = "+61411111111"
const refused = "+61400000000"
type Answer = { readonly status: number; readonly json: any }

interface Provider {
  readonly name: string
  readonly options: HarnessOptions
  /** The texts the simulated provider accepted, in order, and the id it gave each. */
  readonly sent: (h: Harness) => Array<{ readonly id: string; readonly text: string }>
  /** The provider's own fake, to script failures on. */
  readonly fake: (h: Harness) => Harness["clicksend"] | Harness["telnyx"]
  /** A contact's message as the provider delivers it to the bridge. */
  readonly inbound: (h: Harness, id: string, text: string) => Promise<Answer>
  /** The provider says the message it gave `mId` was delivered. */
  readonly delivered: (h: Harness, mId: string) => Promise<Answer>
  /** A message as a stranger would post it: without the provider's credentials. */
  readonly forged: (h: Harness, text: string) => Promise<Answer>
  readonly refusal: RegExp
}

const postForm = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form(fields) })
    .then(async (r) => ({ status: r.status, json: await r.json() }))

// The Telnyx payload of a message a contact sent, with the id we choose (so a second delivery is the same message).
const telnyxInbound = (h: Harness, id: string, text: string) => ({ ...h.telnyx.inbound(contact, ours, text), id })

const providers: ReadonlyArray<Provider> = [
  {
    name: "clicksend",
    options: { refuse: { [refused]: "INVALID_RECIPIENT" } },
    sent: (h) => h.clicksend.sentSms().map((m) => ({ id: m.message_id, text: m.body })),
    fake: (h) => h.clicksend,
    inbound: (h, id, text) => postForm(pushUrl(h, "push_message"), { message_id: id, from: contact, to: ours, body: text, timestamp: String(Math.floor(Date.now() / 1000)) }),
    delivered: (h, mId) =>
      postForm(pushUrl(h, "delivery_receipt"), {
        message_id: mId,
        status_code: "201",
        custom_string: encodeRoute({ channelId: "gfd8g7fd89dgfd", contactId: contact, part: 1, parts: 1 })
      }),
    forged: (h, text) => postForm(pushUrl(h, "push_message", "not-the-secret-0123456789"), { message_id: "F-1", from: contact, to: ours, body: text }),
    refusal: /^ClickSend refused the message: INVALID_RECIPIENT$/
  },
  {
    name: "telnyx",
    options: { use: "telnyx", telnyxRefuse: { [refused]: { code: "40310", title: "Invalid 'to' address" } } },
    sent: (h) => h.telnyx.sent().map((m) => ({ id: m.id, text: m.text ?? "" })),
    fake: (h) => h.telnyx,
    inbound: (h, id, text) => h.telnyx.webhook("message.received", telnyxInbound(h, id, text)),
    delivered: (h, mId) =>
      h.telnyx.webhook("message.finalized", { id: mId, direction: "outbound", from: { phone_number: ours }, to: [{ phone_number: contact, status: "delivered" }] }),
    forged: (h, text) => h.telnyx.webhook("message.received", telnyxInbound(h, "F-1", text), { signature: Buffer.alloc(64, 1).toString("base64") }),
    refusal: /^Telnyx refused the message: 40310 Invalid 'to' address$/
  }
]

const messages = [
  { type: "text", text: "Hello World" },
  { type: "attachment", attachment: { type: "file", url: "https://abc/menu.pdf", fileName: "menu.pdf" } },
  { type: "location", latitude: 3.139, longitude: 101.6869, address: "Kuala Lumpur" },
  { type: "quick_reply", title: "Pick one", replies: ["Malay", "English"] }
] as const

describe.each(providers)("every provider: $name", (provider) => {
  it.scopedLive("every message type goes out as its text, and the platform gets the provider's id as mId", () =>
    Effect.gen(function*() {
      const h = yield* harness(provider.options)
      for (const message of messages) {
        const answer = yield* promise(() => h.send(message))
        const last = provider.sent(h).at(-1)!
        expect(answer).toEqual({ status: 200, json: { mId: last.id } })
        expect(last.text).toBe(composeText(message))
      }
      expect(provider.sent(h)).toHaveLength(messages.length)
    }))

  it.scopedLive("a refusal is a 422 with the provider's reason; a 503 is retried; no answer in time is a 504, sent once", () =>
    Effect.gen(function*() {
      const h = yield* harness(provider.options)
      const no = yield* promise(() => h.send({ type: "text", text: "to a bad number" }, { contactId: refused }))
      expect(no.status).toBe(422)
      expect(no.json.error.message).toMatch(provider.refusal)

      provider.fake(h).script({ status: 503, body: "down" })
      expect((yield* promise(() => h.send({ type: "text", text: "after a 503" }))).status).toBe(200)
      expect(provider.fake(h).requests.slice(-2).map((r) => r.status)).toEqual([503, 200])

      provider.fake(h).script({ status: 200, body: {}, delayMs: 2500 })
      const late = yield* promise(() => h.send({ type: "text", text: "never twice" }))
      expect(late.status).toBe(504)
      expect(provider.fake(h).requests.filter((r) => r.body.includes("never twice"))).toHaveLength(1)
    }))

  it.scopedLive("a contact's message reaches the webhook once, however often the provider delivers it", () =>
    Effect.gen(function*() {
      const h = yield* harness(provider.options)
      expect((yield* promise(() => provider.inbound(h, "IN-1", "Is my order ready?"))).json).toEqual({ ok: true, outcome: "accepted" })
      expect((yield* promise(() => provider.inbound(h, "IN-1", "Is my order ready?"))).json).toEqual({ ok: true, outcome: "duplicate" })
      const [payload] = yield* promise(() => h.delivered(1))
      expect(payload).toMatchObject({ channelId: "gfd8g7fd89dgfd", contactId: contact, events: [{ type: "message", mId: "IN-1", message: { type: "text", text: "Is my order ready?" } }] })
      expect(h.webhook.requests).toHaveLength(1)
    }))

  it.scopedLive("a delivery receipt becomes the delivered status of the mId the platform was given", () =>
    Effect.gen(function*() {
      const h = yield* harness(provider.options)
      const { json } = yield* promise(() => h.send({ type: "text", text: "track me" }))
      expect((yield* promise(() => provider.delivered(h, json.mId))).json).toEqual({ ok: true, outcome: "accepted" })
      const [payload] = yield* promise(() => h.delivered(1))
      expect(payload!.events).toEqual([{ type: "message_status", mId: json.mId, timestamp: expect.any(Number), status: { value: "delivered" } }])
    }))

  it.scopedLive("a message without the provider's credentials is a 401: nothing stored, nothing forwarded", () =>
    Effect.gen(function*() {
      const h = yield* harness(provider.options)
      expect((yield* promise(() => provider.forged(h, "let me in"))).status).toBe(401)
      expect(yield* promise(() => h.deadLetters())).toEqual([])
      const ready = yield* promise(() => fetch(`${h.url}/readyz`).then((r) => r.json() as Promise<any>))
      expect(ready.channels.main).toEqual({ outbox: 0, deadLetters: 0 })
      expect(h.webhook.requests).toHaveLength(0)
    }))
})
