// Calls to one origin (POSTs, and the odd GET or PUT) over a bounded pool of kept-alive connections (node:http / node:https, no fetch).
import { Effect, type Scope } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import packageJson from "../../package.json" with { type: "json" }
import { Transient } from "./RetryPolicy.ts"

/** Said on every call: some firewalls refuse requests that name no client. */
const userAgent = `custom-channel-server/${packageJson.version}`

export interface Answer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly text: string
}

export type Call = (
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  signal: AbortSignal,
  method?: Method
) => Promise<Answer>

export type Method = "POST" | "GET" | "PUT"

/**
 * A call that got no answer: in time (`timedOut`), or at all (the connection failed; `cause` says how), or one
 * too big to read (counted as a timeout: the server had the request). `sent`: the request had been written to a
 * connection, so the server may have it; if not, it surely does not.
 */
export class NoAnswer extends Error {
  readonly sent: boolean
  readonly timedOut: boolean
  constructor(message: string, options: { readonly sent: boolean; readonly timedOut: boolean; readonly cause?: unknown }) {
    super(message, { cause: options.cause })
    this.sent = options.sent
    this.timedOut = options.timedOut
  }
}

/**
 * A client of `base` (its path is the prefix of every call's path, its query string is kept). At most
 * `maxConnections` sockets are open at once; further requests wait for a free one. A call not answered within
 * `timeoutMs`, waiting included, is aborted and fails with NoAnswer (a timer here rather than an Effect timeout,
 * which forks two fibers per call on the hot path). An answer body over `maxAnswerBytes` is not read on: the
 * connection is dropped and the call fails like a timeout, so a server that streams cannot fill the memory. Idle sockets close after a few seconds (sooner if the
 * server's Keep-Alive header asks), so a reused socket is rarely one the server has just closed. A bare forwarder
 * serves about 30% more requests with it than with the runtime's fetch (BENCHMARKS.md).
 */
export const keepAliveClient = (
  base: string,
  maxConnections: number,
  timeoutMs: number,
  maxAnswerBytes: number
): { readonly call: Call; readonly close: () => void } => {
  const url = new URL(base)
  const secure = url.protocol === "https:"
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: maxConnections, timeout: 4_000 })
  const request = secure ? https.request : http.request
  // The base's own path as it is (a webhook's trailing slash matters), or joined with the call's path.
  const target = (path: string) => path === "" ? url.pathname : `${url.pathname.replace(/\/$/, "")}${path}`
  const call: Call = (path, headers, body, signal, method = "POST") =>
    new Promise((resolve, reject) => {
      // Written to the connection: from then on the server may have it, answered or not.
      let sent = false
      const fail = (cause: unknown) => {
        clearTimeout(timer)
        reject(new NoAnswer(cause instanceof Error ? cause.message : String(cause), { sent, timedOut: false, cause }))
      }
      const outgoing = request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port,
        path: `${target(path)}${url.search}`,
        method,
        agent,
        signal,
        headers: { "user-agent": userAgent, ...headers, "content-length": Buffer.byteLength(body) }
      }, (response) => {
        const chunks: Array<Buffer> = []
        let size = 0
        response.on("data", (chunk: Buffer) => {
          size += chunk.length
          if (size <= maxAnswerBytes) return void chunks.push(chunk)
          clearTimeout(timer)
          chunks.length = 0
          reject(new NoAnswer(`the answer is larger than ${maxAnswerBytes} bytes`, { sent: true, timedOut: true }))
          outgoing.destroy()
        })
        response.on("error", fail)
        response.on("end", () => {
          clearTimeout(timer)
          const retryAfter = response.headers["retry-after"]
          resolve({ status: response.statusCode ?? 0, retryAfter, text: Buffer.concat(chunks).toString("utf8") })
        })
      })
      const timer = setTimeout(() => {
        reject(new NoAnswer(`no answer within ${timeoutMs} ms`, { sent, timedOut: true }))
        outgoing.destroy()
      }, timeoutMs)
      outgoing.once("finish", () => (sent = true))
      outgoing.on("error", fail)
      outgoing.end(body)
    })
  return { call, close: () => agent.destroy() }
}

/**
 * The pool for the life of the scope, as an Effect: every failure to get an answer is Transient, which says
 * whether the request may have arrived (it was written, and the error does not prove the server never had it).
 */
export const keepAlivePool = (
  base: string,
  maxConnections: number,
  timeoutMs: number,
  maxAnswerBytes: number
): Effect.Effect<
  (path: string, headers: Readonly<Record<string, string>>, body: string, method?: Method) => Effect.Effect<Answer, Transient>,
  never,
  Scope.Scope
> =>
  Effect.map(
    Effect.acquireRelease(Effect.sync(() => keepAliveClient(base, maxConnections, timeoutMs, maxAnswerBytes)), (pool) => Effect.sync(pool.close)),
    (pool) => (path, headers, body, method) =>
      Effect.tryPromise({
        try: (signal) => pool.call(path, headers, body, signal, method),
        catch: (cause) => {
          // Thrown before anything was written (a header the runtime refuses, say): surely never arrived.
          if (!(cause instanceof NoAnswer)) return new Transient({ reason: Transient.network({ cause }).reason, mayHaveArrived: false })
          if (cause.timedOut) return new Transient({ reason: cause.message, mayHaveArrived: cause.sent })
          const failed = Transient.network(cause)
          // A request never written surely never arrived, whatever the error (a TLS handshake reset, say).
          return cause.sent ? failed : new Transient({ reason: failed.reason, mayHaveArrived: false })
        }
      })
  )
