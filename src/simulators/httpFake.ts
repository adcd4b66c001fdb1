// A tiny real HTTP server on loopback for the simulators: records every request, can be told to fail.
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface Recorded {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  /** When the request arrived (ms since the epoch). */
  readonly at: number
  /** The status answered; 0 when the connection was dropped. */
  readonly status: number
}

export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** Hold the answer this long (to test timeouts). */
  readonly delayMs?: number
  /** Drop the connection instead of answering. */
  readonly reset?: boolean
}

export interface HttpFake {
  readonly url: string
  readonly requests: Array<Recorded>
  /** The next replies, used in order before the normal handler answers again. */
  readonly script: (...replies: ReadonlyArray<Reply>) => void
  readonly close: () => Promise<void>
}

export interface FakeOptions {
  readonly host?: string
  readonly port?: number
  /** Told of every request once it was answered (the demo prints each hop with it). */
  readonly onRequest?: (request: Recorded) => void
}

export const startHttpFake = async (
  handle: (request: Recorded) => Reply | Promise<Reply>,
  options: FakeOptions = {}
): Promise<HttpFake> => {
  const requests: Array<Recorded> = []
  const scripted: Array<Reply> = []
  const server = http.createServer((req, res) => {
    const arrived = Date.now()
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://fake")
      const request = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: arrived
      }
      const reply = scripted.shift() ?? (await handle({ ...request, status: 0 }))
      const recorded = { ...request, status: reply.reset ? 0 : reply.status }
      requests.push(recorded)
      options.onRequest?.(recorded)
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs))
      if (reply.reset) return void req.socket.destroy()
      const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
      res.writeHead(reply.status, {
        "content-type": typeof reply.body === "string" ? "text/plain" : "application/json",
        ...reply.headers
      })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve))
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    requests,
    script: (...replies) => void scripted.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
