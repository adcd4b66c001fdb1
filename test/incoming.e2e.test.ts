// ClickSend's pushes over real HTTP: inbound SMS and delivery receipts reach the webhook, or are kept visible.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startHttpFake } from "../src/simulators/httpFake.ts"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { form, harness, pushUrl, secrets, waitWhile } from "./harness.ts"

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

/** A receipt pushed from inside a fake ClickSend (a plain promise of its JSON answer). */
const receiptFromFake = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: "POST", body: new URLSearchParams(fields) }).then((r) => r.json())

const postForm = (url: string, fields: Record<string, string>) =>
  promise(() =>
    fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form(fields) })
      .then(async (r) => ({ status: r.status, json: (await r.json()) as any }))
  )

describe("POST /clicksend/push_message", () => {
  it.scopedLive("an inbound MMS (text and a picture) becomes a text event and an attachment event, each with its own mId", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const picture = "https://mms.example.net/i/AbC123/photo.jpg"
      // As a JSON rule pushes it, with the media under ClickSend's own name for an MMS's media URL.
      const mms = yield* promise(() =>
        fetch(pushUrl(h, "push_message"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...capture, timestamp: 1775012927, body: "the broken part", message: "the broken part", _media_file_url: picture })
        }).then((r) => r.status)
      )
      expect(mms).toBe(200)
      const events = (yield* promise(() => h.delivered(2))).map((p) => p.events[0])
      expect(events).toEqual([
        { ...expectedEvent.events[0], message: { type: "text", text: "the broken part" } },
        { type: "message", mId: `${capture.message_id}-m1`, timestamp: 1775012927000, message: { type: "attachment", attachment: { type: "image", url: picture } } }
      ])
      // A picture alone is one attachment event.
      expect((yield* postForm(pushUrl(h, "push_message"), { ...capture, message_id: "M-2", body: "", message: "", media_file: "https://mms.example.net/v.mp4" })).status).toBe(200)
      const third = (yield* promise(() => h.delivered(3)))[2]!.events[0]
      expect(third).toMatchObject({ mId: "M-2-m1", message: { type: "attachment", attachment: { type: "video", url: "https://mms.example.net/v.mp4" } } })
      // Media that is not a URL does not cost the contact their words: the text goes on, and the push is kept as a
      // dead letter saying what stayed behind. Nothing of it is forwarded as an attachment.
      const bad = yield* postForm(pushUrl(h, "push_message"), { ...capture, message_id: "M-3", body: "see this", message: "see this", media_file: "file:///etc/passwd" })
      expect(bad).toEqual({ status: 200, json: { ok: true, outcome: "accepted" } })
      const fourth = (yield* promise(() => h.delivered(4)))[3]!.events[0]
      expect(fourth).toMatchObject({ mId: "M-3", message: { type: "text", text: "see this" } })
      expect((yield* promise(() => h.deadLetters())).map((d) => d.lastError)).toEqual([
        "media_file: 1 of its values not an http(s) URL; the message went to the platform without them"
      ])
      // The same push again is the same dead letter and no second message.
      expect((yield* postForm(pushUrl(h, "push_message"), { ...capture, message_id: "M-3", body: "see this", message: "see this", media_file: "file:///etc/passwd" })).json)
        .toEqual({ ok: true, outcome: "duplicate" })
      expect(yield* promise(() => h.deadLetters())).toHaveLength(1)
      // A message that came after everything else is the last the webhook takes: nothing else was on its way.
      expect((yield* postForm(pushUrl(h, "push_message"), { ...capture, message_id: "M-4", body: "last", message: "last" })).status).toBe(200)
      const all = yield* promise(() => h.delivered(5))
      expect(all.map((p) => p.events[0].mId)).toEqual([capture.message_id, `${capture.message_id}-m1`, "M-2-m1", "M-3", "M-4"])
    }))

  it.scopedLive("a form push becomes the webhook's message event, posted with the channel's token", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const response = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(response).toEqual({ status: 200, json: { ok: true, outcome: "accepted" } })
      expect(yield* promise(() => h.delivered(1))).toEqual([expectedEvent])
      const [call] = h.webhook.requests
      expect(call!.path).toBe("/custom/channel/webhook/")
      expect(call!.headers.authorization).toBe(`Bearer ${secrets.tokenA}`)
      expect(call!.headers["content-type"]).toContain("application/json")
    }))

  it.scopedLive("JSON pushes (numbers or strings), GET pushes and legacy-only fields all decode the same", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const { timestamp: _, ...rest } = capture
      const path = pushUrl(h, "push_message").replace(h.url, "")
      const json = yield* promise(() => h.post(path, { ...rest, message_id: "JSON-1", timestamp: 1775012927, user_id: 304497 }))
      const jsonString = yield* promise(() => h.post(path, { ...capture, message_id: "JSON-2" }))
      const get = yield* promise(() => fetch(`${pushUrl(h, "push_message")}&${form({ ...capture, message_id: "GET-3" })}`))
      const legacy = yield* postForm(pushUrl(h, "push_message"), {
        timestamp: "1775012927",
        messageid: "LEGACY-4",
        message: "trigger reply",
        sms: "+61429912603",
        originalsenderid: "+61411111111"
      })
      expect([json.status, jsonString.status, get.status, legacy.status]).toEqual([200, 200, 200, 200])
      const payloads = yield* promise(() => h.delivered(4))
      expect(payloads.map((p) => p.events[0].mId).sort()).toEqual(["GET-3", "JSON-1", "JSON-2", "LEGACY-4"])
      for (const p of payloads) {
        expect({ ...p, events: [{ ...p.events[0], mId: capture.message_id }] }).toEqual(expectedEvent)
      }
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
      // Each refusal is counted by route and status; logged as a warning, one line per route and status at first
      // (the second guess within ten seconds waits for the next line); the guess itself is never logged.
      const refusals = h.logs.filter((l) => l.includes("requests refused")).map((l) => JSON.parse(l))
      expect(refusals.map((r) => [r.logLevel, r.annotations.route, r.annotations.status, r.annotations.error, r.annotations.count])).toEqual([
        ["WARN", "/clicksend/push_message", 401, "Unauthorized", 1],
        ["WARN", "/clicksend/delivery_receipt", 401, "Unauthorized", 1]
      ])
      expect(h.logs.join("\n")).not.toContain("guess")
      const metrics = yield* promise(() => fetch(`${h.url}/metrics`).then((r) => r.text()))
      expect(metrics).toContain('ccs_refused_requests_total{route="/clicksend/push_message",status="401"} 2')
      expect(metrics).toContain('ccs_refused_requests_total{route="/clicksend/delivery_receipt",status="401"} 1')
    }))

  it.scopedLive("an invalid push is a 400 naming the field; nothing is forwarded", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const { from: _f, sms: _s, ...noSender } = capture
      const response = yield* postForm(pushUrl(h, "push_message"), noSender)
      expect(response).toEqual({ status: 400, json: { error: { message: "from: is required" } } })
      expect(h.webhook.requests).toHaveLength(0)
      // ClickSend may never push it again: the operator still sees it.
      expect(yield* promise(h.deadLetters)).toMatchObject([
        { kind: "unroutable-inbound", lastError: "from: is required", body: { body: "trigger reply" } }
      ])
      expect(h.logs.join("\n")).toContain("invalid inbound message; kept as a dead letter")
    }))

  it.scopedLive("a JSON number as from gets its +; an implausible timestamp becomes the time of arrival, with a warning; a 300-digit from is a 400", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const json = (body: unknown) =>
        promise(() =>
          fetch(pushUrl(h, "push_message"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
            .then(async (r) => ({ status: r.status, json: await r.json() as any }))
        )
      const before = Date.now()
      expect((yield* json({ message_id: "NUM-1", from: 61429912603, to: 61411111111, body: "hi", timestamp: 1e303 })).status).toBe(200)
      const [event] = yield* promise(() => h.delivered(1))
      expect(event!.contactId).toBe("+61429912603")
      expect(event!.contact).toEqual({ phone: "+61429912603" })
      expect(event!.events[0].timestamp).toBeGreaterThanOrEqual(before)
      expect(event!.events[0].timestamp).toBeLessThanOrEqual(Date.now())
      expect(h.logs.map((l) => JSON.parse(l)).find((l) => l.logLevel === "WARN")).toMatchObject({
        message: "implausible timestamp in a push; the time of arrival is used instead",
        annotations: { mId: "NUM-1", timestamp: "1e+303" }
      })

      const long = yield* json({ message_id: "NUM-2", from: "1".repeat(300), to: "+61411111111", body: "hi" })
      expect(long).toEqual({ status: 400, json: { error: { message: "from: must be a phone number in E.164 form (7 to 15 digits) or a sender name of at most 50 characters" } } })
      expect((yield* promise(h.deadLetters)).map((d) => [d.kind, d.lastError.slice(0, 6)])).toEqual([["unroutable-inbound", "from: "]])
      expect(h.webhook.requests).toHaveLength(1)
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
      // The same message_id twice: one event (the second push is a duplicate of the first).
      expect(yield* promise(() => h.delivered(1))).toEqual([expectedEvent])
      expect(yield* promise(() => text.json())).toEqual({ ok: true, outcome: "duplicate" })
    }))

  it.scopedLive("two channels: the push goes to the channel whose numbers hold `to`; a push for no channel is kept", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true })
      const sales = yield* postForm(pushUrl(h, "push_message"), { ...capture, to: "61422222222", originalsenderid: "" })
      expect(sales.status).toBe(200)
      expect((yield* promise(() => h.delivered(1)))[0]!.channelId).toBe("sales-channel")
      expect(h.webhook.requests[0]!.headers.authorization).toBe(`Bearer ${secrets.tokenB}`)

      const stray = yield* postForm(pushUrl(h, "push_message"), { ...capture, to: "+61499999999", originalsenderid: "+61499999999" })
      expect(stray).toEqual({ status: 200, json: { ok: true, outcome: "dead-lettered" } })
      expect(h.webhook.requests).toHaveLength(1)
      const [letter] = yield* promise(h.deadLetters)
      expect(letter).toMatchObject({ kind: "unroutable-inbound", lastError: "no channel has +61499999999 in its numbers" })
      expect((letter!.body as Record<string, string>).body).toBe("trigger reply")
      expect(JSON.stringify(letter)).not.toContain(secrets.pushSecret)
      expect(h.logs.join("\n")).toContain("inbound message fits no channel")
    }))

  it.scopedLive("a push is answered 200 once committed, without waiting for the webhook; the worker retries it", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      h.webhook.script({ status: 500 }, { status: 429, headers: { "retry-after": "0" } }, { status: 0, reset: true })
      const response = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(response).toEqual({ status: 200, json: { ok: true, outcome: "accepted" } })
      expect(yield* promise(() => h.delivered(1))).toEqual([expectedEvent])
      expect(h.webhook.requests.map((r) => r.status)).toEqual([500, 429, 0, 200])
    }))

  it.scopedLive("a webhook that refuses an event (4xx) makes it a dead letter at once, with the reason", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      h.webhook.script({ status: 400, body: { error: { message: "contactId invalid" } } })
      expect((yield* postForm(pushUrl(h, "push_message"), capture)).status).toBe(200)
      yield* promise(() => waitWhile(async () => (await h.deadLetters()).length === 0))
      expect(yield* promise(h.deadLetters)).toMatchObject([{
        kind: "event",
        channelId: "gfd8g7fd89dgfd",
        mId: capture.message_id,
        attempts: 1,
        lastError: "the respond.io webhook refused the event: HTTP 400: {\"error\":{\"message\":\"contactId invalid\"}}"
      }])
      expect(h.webhook.requests).toHaveLength(1)
    }))

  it.scopedLive("a channel with its own webhookUrl gets its events there, with its token; the other channel's go to theirs", () =>
    Effect.gen(function*() {
      const sales = yield* Effect.acquireRelease(promise(() => startWebhookSimulator([secrets.tokenB])), (s) => promise(s.close))
      const h = yield* harness({ twoChannels: true, salesWebhookUrl: `${sales.url}/custom/channel/webhook/sales-7` })
      const main = { ...capture, message_id: "TO-MAIN-1" }
      const toSales = { ...capture, message_id: "TO-SALES-1", to: "+61422222222" }
      expect((yield* postForm(pushUrl(h, "push_message"), main)).status).toBe(200)
      expect((yield* postForm(pushUrl(h, "push_message"), toSales)).status).toBe(200)
      expect((yield* promise(() => h.delivered(1))).map((p) => [p.channelId, p.events[0].mId])).toEqual([["gfd8g7fd89dgfd", "TO-MAIN-1"]])
      yield* promise(() => waitWhile(() => sales.payloads().length === 0))
      expect(sales.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
        ["/custom/channel/webhook/sales-7", `Bearer ${secrets.tokenB}`]
      ])
      expect(sales.payloads().map((p) => [p.channelId, p.events[0].mId])).toEqual([["sales-channel", "TO-SALES-1"]])
      // Nothing of one channel reached the other's webhook.
      expect(h.webhook.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
        ["/custom/channel/webhook/", `Bearer ${secrets.tokenA}`]
      ])
    }))

  it.scopedLive("IS-Messenger as platform: same API, its own webhook URL", () =>
    Effect.gen(function*() {
      const h = yield* harness({ plugin: "is-messenger" })
      const response = yield* postForm(pushUrl(h, "push_message"), capture)
      expect(response.status).toBe(200)
      expect(yield* promise(() => h.delivered(1))).toEqual([expectedEvent])
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
      expect(yield* promise(() => h.delivered(2))).toEqual([status("sent"), status("delivered")])
      // A final status stays: a later "failed" of a message already delivered is recorded, not forwarded.
      expect(yield* promise(h.deadLetters)).toEqual([])
      yield* Effect.sleep("300 millis")
      expect(h.webhook.payloads()).toHaveLength(2)
    }))

  it.scopedLive("a split text's receipts fold into one status of the mId the platform knows", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const text = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ")
      const sendSplit = () => promise(() => h.send({ type: "text", text: text + " " + text }))
      const receipt = (part: { message_id: string; custom_string?: string }, status_code: string) =>
        postForm(pushUrl(h, "delivery_receipt"), {
          message_id: part.message_id,
          status_code,
          timestamp: "1775012927",
          error_text: status_code === "301" ? "Handset unreachable" : "",
          custom_string: part.custom_string!
        })

      const first = yield* sendSplit()
      const parts = [...h.clicksend.sentSms()]
      expect(parts.length).toBeGreaterThan(2)
      expect(first.json.mId).toBe(parts[0]!.message_id)
      // The later parts are delivered first: nothing final yet, but the message is on its way ("sent", once).
      for (const part of parts.slice(1)) expect((yield* receipt(part, "201")).status).toBe(200)
      for (const code of ["200", "201"]) expect((yield* receipt(parts[0]!, code)).status).toBe(200)
      const statuses = (yield* promise(() => h.delivered(2))).map((p) => [p.events[0].mId, p.events[0].type === "message_status" && p.events[0].status])
      expect(statuses).toEqual([[first.json.mId, { value: "sent" }], [first.json.mId, { value: "delivered" }]])

      // Another split text whose second part fails: failed as soon as that part failed, and only once.
      yield* sendSplit()
      const second = h.clicksend.sentSms().slice(parts.length)
      yield* receipt(second[1]!, "301")
      yield* receipt(second[0]!, "201")
      yield* receipt(second[0]!, "301")
      const last = (yield* promise(() => h.delivered(3))).slice(2)
      expect(last.map((p) => p.events[0])).toEqual([
        { type: "message_status", mId: second[0]!.message_id, timestamp: 1775012927000, status: { value: "failed", message: "Handset unreachable" } }
      ])
      yield* Effect.sleep("200 millis")
      expect(h.webhook.payloads()).toHaveLength(3)
      // No status ever names a later part's id.
      const known = new Set([parts[0]!.message_id, second[0]!.message_id])
      for (const p of h.webhook.payloads()) expect(known.has(p.events[0].mId)).toBe(true)
    }))

  it.scopedLive("receipts pushed before ClickSend answers the send are kept and folded in: part 2 failed means failed, not delivered", () =>
    Effect.gen(function*() {
      // A ClickSend that pushes both parts' receipts (part 1 delivered, part 2 failed) and only then answers the send.
      let receiptUrl = ""
      const pushed: Array<unknown> = []
      const early = yield* Effect.acquireRelease(
        promise(() =>
          startHttpFake(async (request) => {
            const messages = JSON.parse(request.body).messages as Array<{ to: string; custom_string: string }>
            const ids = messages.map((_, i) => `EARLY-${i + 1}`)
            for (const [i, code] of [[1, "301"], [0, "201"]] as const) {
              const answer = receiptFromFake(receiptUrl, { message_id: ids[i]!, status_code: code, error_text: code === "301" ? "Blocked by carrier" : "", custom_string: messages[i]!.custom_string, timestamp: "1775012927" })
              pushed.push(await answer)
            }
            return {
              status: 200,
              body: { http_code: 200, response_code: "SUCCESS", data: { messages: messages.map((m, i) => ({ status: "SUCCESS", to: m.to, message_id: ids[i] })) } }
            }
          })
        ),
        (f) => promise(f.close)
      )
      const h = yield* harness({ provider: { baseUrl: `${early.url}/v3` } })
      receiptUrl = pushUrl(h, "delivery_receipt")
      const text = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ")
      const sent = yield* promise(() => h.send({ type: "text", text }))
      expect(sent).toEqual({ status: 200, json: { mId: "EARLY-1" } })
      // Part 2's receipt was held (its part was not recorded yet), part 1's folded to "sent" only.
      expect(pushed).toEqual([{ ok: true, outcome: "held" }, { ok: true, outcome: "accepted" }])
      const statuses = (yield* promise(() => h.delivered(2))).map((p) => p.events[0].type === "message_status" && [p.events[0].mId, p.events[0].status])
      expect(statuses).toEqual([["EARLY-1", { value: "sent" }], ["EARLY-1", { value: "failed", message: "Blocked by carrier" }]])
      yield* Effect.sleep("300 millis")
      expect(h.webhook.payloads()).toHaveLength(2)
    }))

  it.scopedLive("a receipt that names no channel of ours is answered and kept as a dead letter", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const r = yield* postForm(pushUrl(h, "delivery_receipt"), { message_id: "ABC", status_code: "201", custom_string: "" })
      expect(r).toEqual({ status: 200, json: { ok: true, outcome: "dead-lettered" } })
      expect(yield* promise(h.deadLetters)).toMatchObject([{ kind: "unroutable-receipt", body: { message_id: "ABC" } }])
      expect(h.webhook.requests).toHaveLength(0)
    }))
})

describe("secrets", () => {
  it.scopedLive("no token, key or push secret appears in any log line or response of a full flow", () =>
    Effect.gen(function*() {
      const h = yield* harness({ deliveryRetry: { giveUpAfterMs: 200 } })
      const bodies: Array<string> = []
      bodies.push(JSON.stringify(yield* promise(() => h.send({ type: "text", text: "hi" }))))
      bodies.push(JSON.stringify(yield* promise(() => h.send({ type: "text", text: "hi" }, { token: "wrong" }))))
      bodies.push(JSON.stringify(yield* postForm(pushUrl(h, "push_message"), capture)))
      bodies.push(JSON.stringify(yield* postForm(pushUrl(h, "push_message", "wrong"), capture)))
      h.webhook.script(...Array(100).fill({ status: 500 }))
      bodies.push(JSON.stringify(yield* postForm(pushUrl(h, "push_message"), { ...capture, message_id: "FAILS" })))
      yield* promise(() => waitWhile(async () => (await h.deadLetters()).length === 0))
      expect(h.logs.join("\n")).toContain("event is a dead letter")
      const everything = h.logs.join("\n") + bodies.join("\n")
      expect(h.logs.length).toBeGreaterThan(2)
      for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret)
      expect(everything).not.toContain(Buffer.from(`${secrets.username}:${secrets.apiKey}`).toString("base64"))
    }))
})
