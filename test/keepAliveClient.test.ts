// The kept-alive poster: where a call goes, what it gets back, and what a timeout says about the request.
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { type HttpFake, startHttpFake } from "../src/simulators/httpFake.ts"
import { keepAliveClient, NoAnswer } from "../src/services/keepAliveClient.ts"

const fakes: Array<HttpFake> = []
const closers: Array<() => void> = []
const fake = async () => {
  const f = await startHttpFake(() => ({ status: 201, body: { ok: true }, headers: { "retry-after": "7" } }))
  fakes.push(f)
  return f
}
const pool = (base: string, maxConnections = 8, timeoutMs = 2_000, maxAnswerBytes = 1024 * 1024) => {
  const p = keepAliveClient(base, maxConnections, timeoutMs, maxAnswerBytes)
  closers.push(p.close)
  return p.call
}
const signal = () => new AbortController().signal

afterEach(async () => {
  for (const close of closers.splice(0)) close()
  for (const f of fakes.splice(0)) await f.close()
})

describe("keepAliveClient", () => {
  it("joins the base's path with the call's, keeps a trailing slash and the query, and sends the body and headers", async () => {
    const f = await fake()
    const answer = await pool(`${f.url}/v3/`)("/sms/send", { "content-type": "application/json" }, "{\"a\":\"é\"}", signal())
    await pool(`${f.url}/custom/channel/webhook/?tenant=7`)("", {}, "x", signal())
    expect(answer).toEqual({ status: 201, retryAfter: "7", text: "{\"ok\":true}" })
    expect(f.requests.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([
      "POST /v3/sms/send?",
      "POST /custom/channel/webhook/?tenant=7"
    ])
    expect(f.requests[0]!.body).toBe("{\"a\":\"é\"}")
    expect(f.requests[0]!.headers["content-length"]).toBe(String(Buffer.byteLength("{\"a\":\"é\"}")))
    expect(f.requests[0]!.headers["user-agent"]).toMatch(/^custom-channel-server\/\d+\.\d+\.\d+$/)
  })

  it("a call not answered in time fails with NoAnswer, timed out and marked sent: the server has it and may act on it", async () => {
    const f = await fake()
    f.script({ status: 200, delayMs: 600 })
    const error = await pool(f.url, 1, 200)("/a", {}, "held", signal()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoAnswer)
    expect(error).toMatchObject({ sent: true, timedOut: true, message: "no answer within 200 ms" })
    expect(f.requests.map((r) => r.body)).toEqual(["held"])
  })

  it("a connection refused: NoAnswer, not sent, with the cause", async () => {
    const f = await fake()
    const url = f.url
    await f.close()
    fakes.splice(fakes.indexOf(f), 1)
    const error = await pool(url)("/a", {}, "x", signal()).catch((e: unknown) => e)
    expect(error).toMatchObject({ sent: false, timedOut: false })
    expect(((error as NoAnswer).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED")
  })

  it("an aborted call fails and sends nothing more", async () => {
    const f = await fake()
    f.script({ status: 200, delayMs: 300 })
    const controller = new AbortController()
    const call = pool(f.url)("/a", {}, "x", controller.signal).catch((e: unknown) => e)
    setTimeout(() => controller.abort(), 50)
    const error = await call
    expect(error).toBeInstanceOf(NoAnswer)
    expect(((error as NoAnswer).cause as Error).name).toBe("AbortError")
    expect(f.requests.length).toBeLessThanOrEqual(1)
  })

  it("an answer past maxAnswerBytes is not read on: the connection is dropped and the call fails like a timeout", async () => {
    // A server that answers 200 and then streams, 64 KiB a chunk, until the client goes (at most 64 MiB).
    let written = 0
    const server = http.createServer((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" })
      const chunk = Buffer.alloc(64 * 1024, "x")
      const more = () => {
        while (written < 64 * 1024 * 1024 && !response.destroyed) {
          written += chunk.length
          if (!response.write(chunk)) return void response.once("drain", more)
        }
        response.end()
      }
      more()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const error = await pool(url, 1, 30_000, 256 * 1024)("/a", {}, "x", signal()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NoAnswer)
      expect(error).toMatchObject({ sent: true, timedOut: true, message: "the answer is larger than 262144 bytes" })
      await new Promise((r) => setTimeout(r, 100))
      // The server stopped soon after the cap: what sat in the sockets' buffers, not the 64 MiB it had to give.
      expect(written).toBeLessThan(16 * 1024 * 1024)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
