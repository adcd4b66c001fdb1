// The operator's surface over real HTTP: metrics, logs without secrets or full phone numbers, hardening.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Logger } from "effect"
import * as net from "node:net"
import { jsonLines, maskPhones } from "../src/logging.ts"
import { form, harness, pushUrl, secrets } from "./harness.ts"

const promise = Effect.promise

describe("operator", () => {
  it.scopedLive("/metrics: Prometheus text of messages, latencies, retries, outbox, dead letters and rate-limiter waits", () =>
    Effect.gen(function*() {
      const h = yield* harness({ server: { metricsToken: "metrics-secret-token" } })
      h.clicksend.script({ status: 500, body: { http_code: 500, response_code: "INTERNAL_ERROR" } })
      expect((yield* promise(() => h.send({ type: "text", text: "hi" }))).status).toBe(200)
      yield* promise(() =>
        fetch(pushUrl(h, "push_message"), { method: "POST", body: form({ message_id: "M-1", from: "+60177872890", to: "+61411111111", body: "x" }) })
      )
      yield* promise(() => h.delivered(1))
      const denied = yield* promise(() => fetch(`${h.url}/metrics`))
      expect(denied.status).toBe(401)
      const page = yield* promise(() =>
        fetch(`${h.url}/metrics`, { headers: { authorization: "Bearer metrics-secret-token" } }).then(async (r) => ({
          type: r.headers.get("content-type"),
          text: await r.text()
        }))
      )
      expect(page.type).toContain("text/plain")
      for (
        const line of [
          `ccs_messages_total{direction="out",channel="main",outcome="sent"} 1`,
          `ccs_messages_total{direction="in",channel="main",outcome="accepted"} 1`,
          `ccs_messages_total{direction="delivery",channel="main",outcome="delivered"} 1`,
          `ccs_retries_total{target="provider"} 1`,
          `ccs_provider_request_duration_seconds_count{path="/sms/send",status="500"} 1`,
          `ccs_provider_request_duration_seconds_count{path="/sms/send",status="200"} 1`,
          `ccs_webhook_request_duration_seconds_count{channel="main",status="200"} 1`,
          `ccs_outbox_depth{channel="main"} 0`,
          `ccs_dead_letters{channel="main"} 0`,
          `ccs_rate_limiter_wait_seconds_count{limiter="webhook:main"} 1`
        ]
      ) expect(page.text).toContain(line)
    }))

  it.scopedLive("a webhook on respond.io's old host: one warning per channel at start, and /readyz lists it (still ready)", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true, platform: { webhookUrl: "https://app.respond.io/custom/channel/webhook/" } })
      const warnings = h.logs.map((l) => JSON.parse(l)).filter((l) => l.logLevel === "WARN")
      expect(warnings.map((l) => l.message.split(":")[0])).toEqual(["channel main", "channel sales"])
      for (const line of warnings) expect(line.message).toContain("webhook.respond.io")
      const ready = yield* promise(() => fetch(`${h.url}/readyz`).then(async (r) => ({ status: r.status, json: await r.json() as { warnings: Array<string> } })))
      expect(ready.status).toBe(200)
      expect(ready.json.warnings).toEqual(warnings.map((l) => l.message))

      const fine = yield* harness()
      expect(fine.logs.map((l) => JSON.parse(l)).filter((l) => l.logLevel === "WARN")).toEqual([])
      expect((yield* promise(() => fetch(`${fine.url}/readyz`).then((r) => r.json() as Promise<{ warnings: Array<string> }>))).warnings).toEqual([])
    }))

  it.scopedLive("logs are JSON lines with channel, direction, mId and outcome; phone numbers masked; no secret or body", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true })
      yield* promise(() => h.send({ type: "text", text: "a very private body" }, { contactId: "+60177872890" }))
      yield* promise(() =>
        fetch(pushUrl(h, "push_message"), { method: "POST", body: form({ message_id: "M-2", from: "+60177872890", to: "+61499999999", body: "another private body" }) })
      )
      const text = h.logs.join("\n")
      expect(text).toContain("no channel has +6149****999 in its numbers")
      expect(text).not.toMatch(/\+60177872890|\+61499999999|private body/)
      for (const secret of Object.values(secrets)) expect(text).not.toContain(secret)
      const lines = h.logs.map((l) => JSON.parse(l))
      const sent = lines.find((l) => l.message === "outgoing message sent")
      expect(sent).toMatchObject({ logLevel: "INFO", annotations: { channel: "main", direction: "out", outcome: "sent" } })
      expect(sent.annotations.mId).toMatch(/^[0-9A-F-]{36}$/)
    }))

  it.scopedLive("hardening: no CORS, no framework banner, no stack trace; a client that never finishes its headers is dropped", () =>
    Effect.gen(function*() {
      const h = yield* harness({ server: { headersTimeoutMs: 300, requestTimeoutMs: 600 } })
      const preflight = yield* promise(() =>
        fetch(`${h.url}/message`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } })
      )
      expect(preflight.status).toBe(404)
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
      const response = yield* promise(() => h.post("/message", "{", { authorization: `Bearer ${secrets.tokenA}` }))
      expect(JSON.stringify(response.json)).not.toMatch(/at .*\.ts|Error:|stack/)
      const headers = yield* promise(() => fetch(`${h.url}/healthz`).then((r) => [...r.headers.keys()]))
      expect(headers.filter((k) => /x-powered-by|server/.test(k))).toEqual([])

      // Slowloris: headers started, never finished.
      const { port } = new URL(h.url)
      const closed = yield* promise(() =>
        new Promise<number>((resolve) => {
          const started = Date.now()
          const socket = net.connect(Number(port), "127.0.0.1", () => socket.write("POST /message HTTP/1.1\r\nHost: x\r\n"))
          socket.on("data", () => undefined)
          socket.on("close", () => resolve(Date.now() - started))
          setTimeout(() => socket.destroy(), 5000)
        })
      )
      expect(closed).toBeLessThan(4000)
    }))
})

describe("maskPhones", () => {
  it.each([
    ["+60177872890", "+6017****890"],
    ["to 61422222222 and +14155550123", "to 614******22 and +1415****123"],
    ["+1234567", "+12***67"],
    ["12345678", "123***78"],
    ["order 123456", "order 123456"],
    ["mId 37FFAF44-E707-496C-AB5D-0B82663976F1", "mId 37FFAF44-E707-496C-AB5D-0B82663976F1"],
    ["id 1775012927000-1", "id 1775012927000-1"]
  ])("%s -> %s", (text, masked) => {
    expect(maskPhones(text)).toBe(masked)
  })
})

describe("jsonLines", () => {
  const linesOf = (logger: Logger.Logger<unknown, string>, program: Effect.Effect<void>) => {
    const lines: Array<string> = []
    Effect.runSync(program.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger.pipe(Logger.map((l) => void lines.push(l)))))))
    return lines.map((l) => JSON.parse(l))
  }
  const program = Effect.gen(function*() {
    yield* Effect.logInfo("sent to +60177872890").pipe(Effect.annotateLogs({ to: "+60177872890", parts: 2 }))
    yield* Effect.logWarning(new Error("refused +61411111111"))
    yield* Effect.logError("failed", Cause.die(new Error("no route for 61422222222")))
  })

  it("the fields of Effect's JSON logger, with every phone number masked: message, annotations, an error, the cause", () => {
    const [sent, refused, failed] = linesOf(jsonLines(true), program)
    expect(sent).toMatchObject({ message: "sent to +6017****890", logLevel: "INFO", annotations: { to: "+6017****890", parts: 2 }, spans: {} })
    expect(Object.keys(sent).sort()).toEqual(["annotations", "fiberId", "logLevel", "message", "spans", "timestamp"])
    expect(refused.message).toEqual({ name: "Error", message: "refused +6141****111" })
    expect(failed.cause).toContain("no route for 614******22")
    expect(JSON.stringify([sent, refused, failed])).not.toMatch(/60177872890|61411111111|61422222222/)
  })

  it("masked at any depth, a Date as its ISO text, a circular value as [Circular], stack frames left as they are", () => {
    const circular: Record<string, unknown> = { to: "+60177872890", at: new Date(0) }
    circular.self = circular
    const error = new Error("no route for 61422222222")
    error.stack = "Error: no route for 61422222222\n    at f (main.cjs:1:1234567)"
    const [line, failed] = linesOf(
      jsonLines(true),
      Effect.logInfo(circular).pipe(
        Effect.annotateLogs({ nested: { to: "+61411111111" } }),
        Effect.zipRight(Effect.logError("failed", Cause.die(error)))
      )
    )
    expect(line.message).toEqual({ to: "+6017****890", at: "1970-01-01T00:00:00.000Z", self: "[Circular]" })
    expect(line.annotations).toEqual({ nested: { to: "+6141****111" } })
    expect(failed.cause).toBe("Error: no route for 614******22\n    at f (main.cjs:1:1234567)")
  })

  it("unmasked (log.level debug): the same lines as Effect's JSON logger", () => {
    const strip = ({ timestamp: _t, fiberId: _f, ...rest }: Record<string, unknown>) => rest
    expect(linesOf(jsonLines(false), program).map(strip)).toEqual(linesOf(Logger.jsonLogger, program).map(strip))
  })
})
