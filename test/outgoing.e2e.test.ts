// POST /message over real HTTP: every message type, the seed's own sample, every error the route can give.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as net from "node:net"
import { freePort, harness, secrets } from "./harness.ts"

const promise = Effect.promise

describe("POST /message", () => {
  it.scopedLive("the seed's own curl sample is sent to ClickSend and answered with ClickSend's message_id", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      // Verbatim from seed 001, "Step 3: Handle Outgoing Messages from respond.io".
      const response = yield* promise(() =>
        fetch(`${h.url}/message`, {
          method: "POST",
          headers: {
            "authorization": "Bearer aaaxczsadzxcasdacxzcasdaaaxczsadzxcasdacxzcasd",
            "cache-control": "no-cache",
            "content-type": "application/json"
          },
          body: `{
"channelId": "gfd8g7fd89dgfd",
"contactId": "+60177872890",
"message": {
"type": "text",
"text": "Hello World"
}
}`
        })
      )
      const body = yield* promise(() => response.json())
      const [call] = h.clicksend.requests
      expect(response.status).toBe(200)
      expect(body).toEqual({ mId: h.clicksend.sentSms()[0]!.message_id })
      expect(call!.path).toBe("/v3/sms/send")
      expect(call!.headers.authorization).toBe(
        `Basic ${Buffer.from(`${secrets.username}:${secrets.apiKey}`).toString("base64")}`
      )
      const sent = JSON.parse(call!.body).messages
      expect(sent).toHaveLength(1)
      expect(sent[0]).toMatchObject({ to: "+60177872890", body: "Hello World", from: "+61411111111" })
      expect(new URLSearchParams(sent[0].custom_string).get("ch")).toBe("gfd8g7fd89dgfd")
    }))

  it.scopedLive("the route is found as a router would: a base URL with a trailing slash, a query, any case; other methods 404", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const body = { channelId: "gfd8g7fd89dgfd", contactId: "+60177872890", message: { type: "text", text: "hi" } }
      const auth = { authorization: `Bearer ${secrets.tokenA}` }
      const paths = ["//message", "/message/", "/Message?via=test", "/message;session=1", "/m%65ssage"]
      for (const path of paths) {
        const response = yield* promise(() => h.post(path, body, auth))
        expect({ path, status: response.status }).toEqual({ path, status: 200 })
      }
      expect(h.clicksend.requests).toHaveLength(paths.length)
      const get = yield* promise(() => fetch(`${h.url}/message`).then(async (r) => ({ status: r.status, json: await r.json() })))
      expect(get).toEqual({ status: 404, json: { error: { message: "no route for GET /message" } } })
      for (const path of ["/messages", "/message/x", "/message%2F"]) {
        const other = yield* promise(() => h.post(path, body, auth))
        expect({ path, status: other.status }).toEqual({ path, status: 404 })
      }
      expect(h.clicksend.requests).toHaveLength(paths.length)
    }))

  it.scopedLive("every message type becomes the SMS body its mapping promises", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const cases = [
        [{ type: "text", text: "Hi there" }, "Hi there"],
        [
          { type: "attachment", attachment: { type: "image", url: "https://abc/japan.png", description: "latest company logo" } },
          "latest company logo\nhttps://abc/japan.png"
        ],
        [
          { type: "attachment", attachment: { type: "file", url: "https://abc/menu.pdf", fileName: "menu.pdf" } },
          "menu.pdf\nhttps://abc/menu.pdf"
        ],
        [
          { type: "location", latitude: 0.123456, longitude: -0.1234, address: "Sky Suites, Kuala Lumpur" },
          "Sky Suites, Kuala Lumpur\nhttps://www.google.com/maps/search/?api=1&query=0.123456,-0.1234"
        ],
        [
          { type: "quick_reply", title: "Select your preferred language", replies: ["Malay", "English"] },
          "Select your preferred language\n1. Malay\n2. English"
        ]
      ] as const
      for (const [message, body] of cases) {
        const response = yield* promise(() => h.send(message))
        expect(response.status, JSON.stringify(message)).toBe(200)
        const last = h.clicksend.sentSms().at(-1)!
        expect(last.body).toBe(body)
        expect(response.json.mId).toBe(last.message_id)
      }
    }))

  it.scopedLive("a text longer than the part limit goes as several messages in one call; joined they are the text", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const text = Array.from({ length: 800 }, (_, i) => `word${i}`).join(" ")
      const response = yield* promise(() => h.send({ type: "text", text }))
      expect(response.status).toBe(200)
      expect(h.clicksend.requests).toHaveLength(1)
      const sent = JSON.parse(h.clicksend.requests[0]!.body).messages as Array<{ body: string; custom_string: string }>
      expect(sent.length).toBeGreaterThan(1)
      expect(sent.map((m) => m.body).join("")).toBe(text)
      for (const m of sent) expect(m.body.length).toBeLessThanOrEqual(918)
      expect(sent.map((m) => new URLSearchParams(m.custom_string).get("p"))).toEqual(
        sent.map((_, i) => `${i + 1}/${sent.length}`)
      )
      expect(response.json.mId).toBe(h.clicksend.sentSms()[0]!.message_id)
    }))

  it.scopedLive("with provider.mms an image goes by MMS, and falls back to SMS with the link when ClickSend refuses it", () =>
    Effect.gen(function*() {
      const h = yield* harness({ provider: { mms: true } })
      const jpg = yield* promise(() =>
        h.send({ type: "attachment", attachment: { type: "image", url: "https://abc/cat.jpg", description: "Our new shop front at night" } })
      )
      expect(jpg.status).toBe(200)
      const mms = JSON.parse(h.clicksend.requests[0]!.body)
      expect(h.clicksend.requests[0]!.path).toBe("/v3/mms/send")
      expect(mms.media_file).toBe("https://abc/cat.jpg")
      expect(mms.messages[0].subject).toBe("Our new shop front")
      expect(mms.messages[0].body).toBe("Our new shop front at night")

      // The simulator, like ClickSend, refuses a png for MMS (it must be converted first).
      const png = yield* promise(() =>
        h.send({ type: "attachment", attachment: { type: "image", url: "https://abc/logo.png", fileName: "logo.png" } })
      )
      expect(png.status).toBe(200)
      expect(h.clicksend.requests.map((r) => r.path)).toEqual(["/v3/mms/send", "/v3/mms/send", "/v3/sms/send"])
      expect(h.clicksend.sentSms().at(-1)!.body).toBe("logo.png\nhttps://abc/logo.png")
      expect(png.json.mId).toBe(h.clicksend.sentSms().at(-1)!.message_id)
    }))

  it.scopedLive("provider.rateLimitPerSecond caps how often calls to ClickSend start", () =>
    Effect.gen(function*() {
      const h = yield* harness({ provider: { rateLimitPerSecond: 10 } })
      const responses = yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => i),
        (i) => promise(() => h.send({ type: "text", text: `broadcast ${i}` })),
        { concurrency: "unbounded" }
      )
      expect(responses.every((r) => r.status === 200)).toBe(true)
      const times = h.clicksend.requests.map((r) => r.at).sort((a, b) => a - b)
      for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10)
    }))

  it.scopedLive("provider.batch: concurrent messages share ClickSend calls; each caller gets its own mId or its own refusal", () =>
    Effect.gen(function*() {
      // The window held open long enough (its maximum, a second) for every caller to arrive, however busy the machine.
      const h = yield* harness({ provider: { batch: { maxMessages: 50, windowMs: 1000 } }, refuse: { "+61400000000": "INVALID_RECIPIENT" } })
      const contacts = Array.from({ length: 120 }, (_, i) => (i === 7 ? "+61400000000" : `+6010${String(i).padStart(7, "0")}`))
      const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ")
      const responses = yield* Effect.forEach(
        contacts,
        (contactId, i) => promise(() => h.send({ type: "text", text: i === 3 ? long : `hello ${i}` }, { contactId })),
        { concurrency: "unbounded" }
      )
      // 120 callers, 121 messages (one text is 2 SMS), share at most ceil(121 / 50) calls, none over 50 messages.
      const batches = h.clicksend.requests.map((r) => JSON.parse(r.body).messages.length as number)
      expect(batches.reduce((a, b) => a + b, 0)).toBe(121)
      expect(batches.length).toBeLessThanOrEqual(Math.ceil(121 / 50))
      for (const size of batches) expect(size).toBeLessThanOrEqual(50)
      const sent = h.clicksend.sentSms()
      contacts.forEach((contactId, i) => {
        const response = responses[i]!
        if (contactId === "+61400000000") {
          expect(response).toEqual({ status: 422, json: { error: { message: "ClickSend refused the message: INVALID_RECIPIENT" } } })
          return
        }
        expect(response.status).toBe(200)
        // The mId is the id ClickSend gave this caller's (first) message.
        expect(sent.find((m) => m.message_id === response.json.mId)!.to).toBe(contactId)
      })
      const parts = sent.filter((m) => m.to === contacts[3])
      expect(parts.length).toBeGreaterThan(1)
      expect(parts.map((m) => m.body).join("")).toBe(long)
      expect(responses[3]!.json.mId).toBe(parts[0]!.message_id)
    }))

  it.scopedLive("the token decides the channel: two channels, each with its own token and sender", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true })
      const sales = yield* promise(() => h.send({ type: "text", text: "from sales" }, { token: secrets.tokenB, channelId: "sales-channel" }))
      expect(sales.status).toBe(200)
      const sent = JSON.parse(h.clicksend.requests[0]!.body).messages[0]
      expect(sent.from).toBeUndefined()
      expect(new URLSearchParams(sent.custom_string).get("ch")).toBe("sales-channel")

      const crossed = yield* promise(() => h.send({ type: "text", text: "x" }, { token: secrets.tokenB }))
      expect(crossed).toEqual({ status: 403, json: { error: { message: "channelId: does not belong to this API token" } } })
      expect(h.clicksend.requests).toHaveLength(1)
    }))

  describe("errors: a JSON {error:{message}} with a fitting status, and nothing sent", () => {
    it.scopedLive("401 for a missing token, a wrong token, or another scheme; the Bearer scheme is case-insensitive", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        const message = { channelId: "gfd8g7fd89dgfd", contactId: "+60177872890", message: { type: "text", text: "x" } }
        const cases: Array<[Record<string, string>, number]> = [
          [{}, 401],
          [{ authorization: "Bearer wrong-token" }, 401],
          [{ authorization: `Basic ${secrets.tokenA}` }, 401],
          [{ authorization: secrets.tokenA }, 401],
          [{ authorization: `Bearer ${secrets.tokenA}x` }, 401],
          [{ authorization: `bearer ${secrets.tokenA}` }, 200],
          [{ authorization: `BEARER ${secrets.tokenA}` }, 200]
        ]
        for (const [headers, status] of cases) {
          const response = yield* promise(() => h.post("/message", message, headers))
          expect(response.status, JSON.stringify(headers)).toBe(status)
          if (status === 401) expect(response.json.error.message).toMatch(/token|Authorization/)
        }
        expect(h.clicksend.requests).toHaveLength(2)
      }))

    it.scopedLive("the token is checked before the body is read: garbage with no token is a 401, not a 400", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        const response = yield* promise(() => h.post("/message", "{not json"))
        expect(response.status).toBe(401)
      }))

    it.scopedLive("400 names the field and the rule", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        const cases: Array<[unknown, string]> = [
          [{ type: "text", text: "a".repeat(7001) }, "message.text: at most 7000 characters"],
          [{ type: "text", text: "" }, "message.text: must not be empty"],
          [{ type: "location", latitude: 91, longitude: 0 }, "message.latitude: between -90 and 90"],
          [{ type: "quick_reply", title: "t", replies: Array(11).fill("r") }, "message.replies: at most 10 replies"],
          [{ type: "sticker" }, "message.type"]
        ]
        for (const [message, error] of cases) {
          const response = yield* promise(() => h.send(message))
          expect(response.status).toBe(400)
          expect(response.json.error.message).toContain(error)
        }
        const notPhone = yield* promise(() => h.send({ type: "text", text: "x" }, { contactId: "john_doe" }))
        expect(notPhone.status).toBe(400)
        expect(notPhone.json.error.message).toMatch(/^contactId: must be a phone number in E\.164 form/)
        const notJson = yield* promise(() => h.post("/message", "{", { authorization: `Bearer ${secrets.tokenA}` }))
        expect(notJson).toEqual({ status: 400, json: { error: { message: "body: must be valid JSON" } } })
        expect(h.clicksend.requests).toHaveLength(0)
      }))

    it.scopedLive("a value nested 100,000 levels deep is a 400 naming where, with nothing sent and no error logged", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        const deep = (levels: number) => `${"{\"a\":".repeat(levels)}1${"}".repeat(levels)}`
        const bodies = [
          `{"channelId":${deep(100_000)},"contactId":"+60177872890","message":{"type":"text","text":"x"}}`,
          `{"channelId":"gfd8g7fd89dgfd","contactId":"+60177872890","message":{"type":"text","text":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`
        ]
        const answers = yield* Effect.forEach(bodies, (body) => promise(() => h.post("/message", body, { authorization: `Bearer ${secrets.tokenA}` })))
        expect(answers.map((a) => a.status)).toEqual([400, 400])
        expect(answers[0]!.json.error.message).toBe(`channelId${".a".repeat(31)}: nested more than 32 levels deep`)
        expect(answers[1]!.json.error.message).toBe(`message.text${"[0]".repeat(30)}: nested more than 32 levels deep`)
        expect(h.clicksend.requests).toHaveLength(0)
        expect(h.logs.filter((l) => JSON.parse(l).logLevel === "ERROR")).toEqual([])
      }))

    it.scopedLive("404 for an unknown route, 413 for a body over server.maxBodyBytes", () =>
      Effect.gen(function*() {
        const h = yield* harness({ server: { maxBodyBytes: 2048 } })
        const unknown = yield* promise(() => fetch(`${h.url}/nowhere`))
        expect(unknown.status).toBe(404)
        expect(yield* promise(() => unknown.json())).toEqual({ error: { message: "no route for GET /nowhere" } })
        const big = yield* promise(() => h.send({ type: "text", text: "a".repeat(3000) }))
        expect(big).toEqual({ status: 413, json: { error: { message: "body: at most 2048 bytes" } } })
        // Without a content-length (chunked), the limit still holds and the caller still gets the 413.
        const chunks = [`{"channelId":"gfd8g7fd89dgfd","contactId":"+60177872890","message":{"type":"text","text":"`, "a".repeat(1500), "a".repeat(1500), `"}}`]
        const streamed = yield* promise(() =>
          fetch(`${h.url}/message`, {
            method: "POST",
            headers: { authorization: `Bearer ${secrets.tokenA}`, "content-type": "application/json" },
            body: new ReadableStream({
              start(controller) {
                for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
                controller.close()
              }
            }),
            duplex: "half"
          } as RequestInit).then(async (r) => ({ status: r.status, json: await r.json(), chunked: true }))
        )
        expect(streamed).toEqual({ status: 413, json: { error: { message: "body: at most 2048 bytes" } }, chunked: true })
        expect(h.clicksend.requests).toHaveLength(0)
        // Each counted; logged as a warning with its reason, no stack trace, the 413s in one line for now.
        const metrics = yield* promise(() => fetch(`${h.url}/metrics`).then((r) => r.text()))
        expect(metrics).toContain('ccs_refused_requests_total{route="other",status="404"} 1')
        expect(metrics).toContain('ccs_refused_requests_total{route="/message",status="413"} 2')
        const lines = h.logs.filter((l) => l.includes("requests refused")).map((l) => JSON.parse(l))
        expect(lines.map((l) => [l.logLevel, l.annotations.route, l.annotations.status, l.annotations.reason, l.annotations.count])).toEqual([
          ["WARN", "other", 404, "no route for GET /nowhere", 1],
          ["WARN", "/message", 413, "body: at most 2048 bytes", 1]
        ])
        expect(h.logs.join("\n")).not.toMatch(/\bat \S+ \(|"cause"|\.ts:\d/)
      }))

    it.scopedLive("422 when ClickSend's HTTP 200 carries a per-message status other than SUCCESS", () =>
      Effect.gen(function*() {
        const h = yield* harness({ refuse: { "+61400000000": "INVALID_RECIPIENT" } })
        const response = yield* promise(() => h.send({ type: "text", text: "x" }, { contactId: "+61400000000" }))
        expect(response.status).toBe(422)
        expect(response.json.error.message).toBe("ClickSend refused the message: INVALID_RECIPIENT")
        expect(h.clicksend.requests).toHaveLength(1)
      }))

    it.scopedLive("429 and 500 from ClickSend are retried (Retry-After honoured); the caller sees only the success", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        h.clicksend.script(
          { status: 429, headers: { "retry-after": "0" }, body: { http_code: 429, response_code: "TOO_MANY_REQUESTS" } },
          { status: 500, body: { http_code: 500, response_code: "INTERNAL_ERROR" } }
        )
        const response = yield* promise(() => h.send({ type: "text", text: "retry me" }))
        expect(response.status).toBe(200)
        expect(h.clicksend.requests.map((r) => r.status)).toEqual([429, 500, 200])
        expect(h.clicksend.sentSms()).toHaveLength(1)
      }))

    it.scopedLive("a gateway's 502 or 504 in front of ClickSend: 504 to the caller and never sent again (ClickSend may have it)", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        h.clicksend.script({ status: 504, body: "Gateway Timeout" }, { status: 502, body: "Bad Gateway" })
        const timedOut = yield* promise(() => h.send({ type: "text", text: "once" }))
        const badGateway = yield* promise(() => h.send({ type: "text", text: "once too" }))
        expect([timedOut.status, badGateway.status]).toEqual([504, 504])
        expect(timedOut.json.error.message).toBe(
          "ClickSend did not answer (HTTP 504); the message may have been sent, so it was not sent again"
        )
        expect(h.clicksend.requests.map((r) => r.status)).toEqual([504, 502])
      }))

    it.scopedLive("503 when ClickSend stays down past the deadline, 502 when it rejects our credentials", () =>
      Effect.gen(function*() {
        const h = yield* harness()
        h.clicksend.script(...Array(100).fill({ status: 500, body: { http_code: 500, response_code: "INTERNAL_ERROR" } }))
        const down = yield* promise(() => h.send({ type: "text", text: "x" }))
        expect(down.status).toBe(503)
        expect(down.json.error.message).toBe("ClickSend could not be reached: HTTP 500 INTERNAL_ERROR")
        expect(h.clicksend.requests.length).toBeGreaterThan(1)

        const wrong = yield* harness({ provider: { apiKey: "not-the-key" } })
        const refused = yield* promise(() => wrong.send({ type: "text", text: "x" }))
        expect(refused.status).toBe(502)
        expect(refused.json.error.message).toContain("rejected the bridge's credentials (HTTP 401 UNAUTHORIZED)")
        expect(wrong.clicksend.requests).toHaveLength(1)
        expect(JSON.stringify(refused.json)).not.toContain("not-the-key")
      }))

    it.scopedLive("504 and no second SMS when ClickSend took the request but gave no answer (timeout, reset)", () =>
      Effect.gen(function*() {
        const h = yield* harness({ provider: { timeoutMs: 300 } })
        h.clicksend.script({ status: 200, delayMs: 800, body: { http_code: 200, response_code: "SUCCESS", data: { messages: [] } } })
        const slow = yield* promise(() => h.send({ type: "text", text: "once only" }))
        expect(slow.status).toBe(504)
        expect(slow.json.error.message).toBe(
          "ClickSend did not answer (no answer within 300 ms); the message may have been sent, so it was not sent again"
        )
        h.clicksend.script({ status: 0, reset: true })
        const reset = yield* promise(() => h.send({ type: "text", text: "once only too" }))
        expect(reset.status).toBe(504)
        yield* Effect.sleep("600 millis")
        expect(h.clicksend.requests.map((r) => JSON.parse(r.body).messages[0].body)).toEqual(["once only", "once only too"])
      }))

    it.scopedLive("provider.maxConnections bounds the connections to ClickSend: a call waiting for one is sent once one is free", () =>
      Effect.gen(function*() {
        const h = yield* harness({ provider: { timeoutMs: 300, maxConnections: 1 } })
        h.clicksend.script({ status: 200, delayMs: 800, body: { http_code: 200, response_code: "SUCCESS", data: { messages: [] } } })
        const [held, waiting] = yield* promise(() =>
          Promise.all([
            h.send({ type: "text", text: "holds the only connection" }),
            new Promise((r) => setTimeout(r, 50)).then(() => h.send({ type: "text", text: "waits for it" }))
          ])
        )
        expect(held.status).toBe(504)
        expect(waiting.status).toBe(200)
        const [first, second] = h.clicksend.requests
        expect(h.clicksend.requests.map((r) => JSON.parse(r.body).messages[0].body)).toEqual(["holds the only connection", "waits for it"])
        // The second reached ClickSend only when the first one's connection was given up, at its timeout.
        expect(second!.at - first!.at).toBeGreaterThanOrEqual(250)
      }))

    it.scopedLive("503, not 504, when the connection fails before the request was written (a TLS handshake reset)", () =>
      Effect.gen(function*() {
        // A TCP server that resets every connection at once: the TLS handshake never completes.
        const resetter = net.createServer((socket) => socket.resetAndDestroy())
        yield* Effect.acquireRelease(
          Effect.promise(() => new Promise<void>((resolve) => resetter.listen(0, "127.0.0.1", resolve))),
          () => Effect.promise(() => new Promise<void>((resolve) => resetter.close(() => resolve())))
        )
        const { port } = resetter.address() as net.AddressInfo
        const h = yield* harness({ provider: { baseUrl: `https://127.0.0.1:${port}/v3` } })
        const response = yield* promise(() => h.send({ type: "text", text: "x" }))
        expect(response.status).toBe(503)
        expect(response.json.error.message).toBe("ClickSend could not be reached: network error: ECONNRESET")
      }))

    it.scopedLive("503 when ClickSend does not answer at all", () =>
      Effect.gen(function*() {
        const closed = yield* promise(() => freePort())
        const h = yield* harness({ provider: { baseUrl: `http://127.0.0.1:${closed}/v3` } })
        const response = yield* promise(() => h.send({ type: "text", text: "x" }))
        expect(response.status).toBe(503)
        expect(response.json.error.message).toBe("ClickSend could not be reached: network error: ECONNREFUSED")
      }))
  })
})
