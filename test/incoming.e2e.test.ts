// ClickSend's pushes over real HTTP: inbound SMS and delivery receipts reach the webhook, or are kept visible.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { form, harness, pushUrl, secrets } from "./harness.ts"

const promise = Effect.promise

// A real inbound capture from clicksend-api.md, as the form POST (`webhook_type: post`) delivers it: all strings.
const capture = {
  timestamp: "1775012927",
  from: "+61429912603",
  to: "+61411111111",
  body: "trigger reply",
  message_id: "1F12D781-99C1-6D94-96FE-F5A311C8997D",
  original_message_id: "1F12D717-947A-6FBC-BBFE-D14C2927CEEF",
  original_body: "TESTING TRIGGER",
  custom_string: "",
  user_id: "304497",
  subaccount_id: "745158",
  originalsenderid: "+61411111111",
  message: "trigger reply",
  sms: "+61429912603",
  originalmessageid: "1F12D717-947A-6FBC-BBFE-D14C2927CEEF",
  originalmessage: "TESTING TRIGGER",
  customstring: ""
}

const expectedEvent = {
  channelId: "gfd8g7fd89dgfd",
  contactId: "+61429912603",
  events: [{
    type: "message",
    mId: "1F12D781-99C1-6D94-96FE-F5A311C8997D",
    timestamp: 1775012927000,
    message: { type: "text", text: "trigger reply" }
  }],
  contact: { phone: "+61429912603" }
}

const postForm = (url: string, fields: Record<string, string>) =>
  promise(() =>
    fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form(fields) })
      .then(async (r) => ({ status: r.status, json: (await r.json()) as any }))
  )

describe("POST /clicksend/push_message", () => {
  it.scopedLive("a form push becomes the webhook's message event, posted with the channel's token", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const response = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(response.status).toBe(200)
      expect(h.webhook.payloads()).toEqual([expectedEvent])
      const [call] = h.webhook.requests
      expect(call!.path).toBe("/custom/channel/webhook/")
      expect(call!.headers.authorization).toBe(`Bearer ${secrets.tokenA}`)
      expect(call!.headers["content-type"]).toContain("application/json")
    }))

  it.scopedLive("JSON pushes (numbers or strings), GET pushes and legacy-only fields all decode the same", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const { timestamp: _, ...rest } = capture
      const json = yield* promise(() => h.post(pushUrl(h, "push_message").replace(h.url, ""), { ...rest, timestamp: 1775012927, user_id: 304497 }))
      const jsonString = yield* promise(() => h.post(pushUrl(h, "push_message").replace(h.url, ""), capture))
      const get = yield* promise(() => fetch(`${pushUrl(h, "push_message")}&${form(capture)}`))
      const legacy = yield* postForm(pushUrl(h, "push_message"), {
        timestamp: "1775012927",
        message_id: capture.message_id,
        message: "trigger reply",
        sms: "+61429912603",
        originalsenderid: "+61411111111"
      })
      expect([json.status, jsonString.status, get.status, legacy.status]).toEqual([200, 200, 200, 200])
      expect(h.webhook.payloads()).toEqual([expectedEvent, expectedEvent, expectedEvent, expectedEvent])
    }))

  it.scopedLive("without the right secret: 401, and nothing reaches the webhook", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const wrong = yield* postForm(pushUrl(h, "push_message", "guess"), capture)
      const missing = yield* postForm(`${h.url}/clicksend/push_message`, capture)
      const receipt = yield* postForm(pushUrl(h, "delivery_receipt", "guess"), { message_id: "x", status_code: "201" })
      for (const r of [wrong, missing, receipt]) {
        expect(r).toEqual({ status: 401, json: { error: { message: "invalid or missing push secret" } } })
      }
      expect(h.webhook.requests).toHaveLength(0)
    }))

  it.scopedLive("an invalid push is a 400 naming the field; nothing is forwarded", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const { from: _f, sms: _s, ...noSender } = capture
      const response = yield* postForm(pushUrl(h, "push_message"), noSender)
      expect(response).toEqual({ status: 400, json: { error: { message: "from: is required" } } })
      expect(h.webhook.requests).toHaveLength(0)
      // ClickSend may never push it again: the operator still sees it.
      expect(h.deadLetters()).toMatchObject([{ kind: "inbound", reason: "from: is required", fields: { body: "trigger reply" } }])
      expect(h.logs.join("\n")).toContain("inbound SMS not forwarded; kept as a dead letter")
    }))

  it.scopedLive("a `+` sent unencoded arrives as a space and is mended; a JSON body sent as text/plain is still JSON", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const raw = `${form({ ...capture, from: "PLUS", sms: "PLUS" }).replaceAll("PLUS", "+61429912603")}`
      const plus = yield* promise(() =>
        fetch(pushUrl(h, "push_message"), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: raw })
      )
      const text = yield* promise(() =>
        fetch(pushUrl(h, "push_message"), { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(capture) })
      )
      expect([plus.status, text.status]).toEqual([200, 200])
      expect(h.webhook.payloads()).toEqual([expectedEvent, expectedEvent])
    }))

  it.scopedLive("two channels: the push goes to the channel whose numbers hold `to`; a push for no channel is kept", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true })
      const sales = yield* postForm(pushUrl(h, "push_message"), { ...capture, to: "61422222222", originalsenderid: "" })
      expect(sales.status).toBe(200)
      expect(h.webhook.payloads()[0]!.channelId).toBe("sales-channel")
      expect(h.webhook.requests[0]!.headers.authorization).toBe(`Bearer ${secrets.tokenB}`)

      const stray = yield* postForm(pushUrl(h, "push_message"), { ...capture, to: "+61499999999", originalsenderid: "+61499999999" })
      expect(stray).toEqual({ status: 200, json: { ok: true, outcome: "dead-lettered" } })
      expect(h.webhook.requests).toHaveLength(1)
      const [letter] = h.deadLetters()
      expect(letter).toMatchObject({ kind: "inbound", reason: "no channel has +61499999999 in its numbers" })
      expect(letter.fields.body).toBe("trigger reply")
      expect(JSON.stringify(letter)).not.toContain(secrets.pushSecret)
      expect(h.logs.join("\n")).toContain("inbound SMS fits no channel")
    }))

  it.scopedLive("the push is answered 200 only once the webhook took it; a failing webhook gets a non-2xx answer", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      h.webhook.script({ status: 500 }, { status: 429, headers: { "retry-after": "0" } })
      const retried = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(retried.status).toBe(200)
      expect(h.webhook.requests.map((r) => r.status)).toEqual([500, 429, 200])

      h.webhook.script(...Array(100).fill({ status: 503 }))
      const down = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(down.status).toBe(503)
      expect(down.json.error.message).toBe("the respond.io webhook could not be reached: HTTP 503")
      expect(h.deadLetters()).toMatchObject([{ kind: "inbound", reason: "the respond.io webhook could not be reached: HTTP 503" }])

      const refused = yield* harness()
      refused.webhook.script({ status: 400, body: { error: { message: "contactId invalid" } } })
      const bad = yield* postForm(pushUrl(refused, "push_message"), capture)
      expect(bad.status).toBe(502)
      expect(refused.webhook.requests).toHaveLength(1)
    }))

  it.scopedLive("IS-Messenger as platform: same API, its own webhook URL", () =>
    Effect.gen(function*() {
      const h = yield* harness({ plugin: "is-messenger" })
      const response = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(response.status).toBe(200)
      expect(h.webhook.payloads()).toEqual([expectedEvent])
      const out = yield* promise(() => h.send({ type: "text", text: "hello from IS-Messenger" }))
      expect(out.status).toBe(200)
    }))
})

describe("POST /clicksend/delivery_receipt", () => {
  it.scopedLive("receipts of our messages become message_status events; non-final ones are not forwarded", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const sent = yield* promise(() => h.send({ type: "text", text: "Hello World" }))
      const mId = sent.json.mId as string
      const custom_string = h.clicksend.sentSms()[0]!.custom_string!
      const receipt = (fields: Record<string, string>) =>
        postForm(pushUrl(h, "delivery_receipt"), {
          timestamp_send: "1775012900",
          timestamp: "1775012927",
          message_id: mId,
          custom_string,
          user_id: "304497",
          subaccount_id: "745158",
          message_type: "sms",
          error_code: "",
          error_text: "",
          ...fields
        })
      for (const code of ["200", "300", "302", "201"]) {
        const r = yield* receipt({ status_code: code, status: "x", status_text: "y" })
        expect(r.status).toBe(200)
      }
      const failed = yield* receipt({ status_code: "301", status: "Undelivered", status_text: "Failed", error_text: "Number disconnected" })
      expect(failed.status).toBe(200)
      const status = (value: string, message?: string) => ({
        channelId: "gfd8g7fd89dgfd",
        contactId: "+60177872890",
        events: [{ type: "message_status", mId, timestamp: 1775012927000, status: message ? { value, message } : { value } }]
      })
      expect(h.webhook.payloads()).toEqual([
        status("sent"),
        status("delivered"),
        status("failed", "Number disconnected")
      ])
    }))

  it.scopedLive("a split message's later parts never reach the platform as a status of an unknown mId", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const text = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ")
      yield* promise(() => h.send({ type: "text", text: text + " " + text }))
      const parts = h.clicksend.sentSms()
      expect(parts.length).toBeGreaterThan(1)
      for (const part of parts) {
        const r = yield* postForm(pushUrl(h, "delivery_receipt"), {
          message_id: part.message_id,
          status_code: "201",
          timestamp: "1775012927",
          custom_string: part.custom_string!
        })
        expect(r.status).toBe(200)
      }
      expect(h.webhook.payloads().map((p) => p.events[0].mId)).toEqual([parts[0]!.message_id])
    }))

  it.scopedLive("a receipt that names no channel of ours is answered and kept as a dead letter", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const r = yield* postForm(pushUrl(h, "delivery_receipt"), { message_id: "ABC", status_code: "201", custom_string: "" })
      expect(r).toEqual({ status: 200, json: { ok: true, outcome: "dead-lettered" } })
      expect(h.deadLetters()).toMatchObject([{ kind: "receipt", fields: { message_id: "ABC" } }])
      expect(h.webhook.requests).toHaveLength(0)
    }))
})

describe("secrets", () => {
  it.scopedLive("no token, key or push secret appears in any log line or response of a full flow", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const bodies: Array<string> = []
      bodies.push(JSON.stringify(yield* promise(() => h.send({ type: "text", text: "hi" }))))
      bodies.push(JSON.stringify(yield* promise(() => h.send({ type: "text", text: "hi" }, { token: "wrong" }))))
      bodies.push(JSON.stringify(yield* postForm(pushUrl(h, "push_message"), capture)))
      bodies.push(JSON.stringify(yield* postForm(pushUrl(h, "push_message", "wrong"), capture)))
      h.webhook.script(...Array(100).fill({ status: 500 }))
      bodies.push(JSON.stringify(yield* postForm(pushUrl(h, "push_message"), capture)))
      const everything = h.logs.join("\n") + bodies.join("\n")
      expect(h.logs.length).toBeGreaterThan(2)
      for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret)
      expect(everything).not.toContain(Buffer.from(`${secrets.username}:${secrets.apiKey}`).toString("base64"))
    }))
})
