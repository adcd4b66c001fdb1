// POSTs to one origin over a bounded pool of kept-alive connections (node:http / node:https, no fetch).
import { Effect, type Scope } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import { Transient } from "./RetryPolicy.ts"

export interface PostAnswer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly text: string
}

export type Post = (
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  signal: AbortSignal
) => Promise<PostAnswer>

/** No answer within the time allowed; `sent`: the request was written to a connection, so the server may have it. */
export class NoAnswerInTime extends Error {
  readonly sent: boolean
  constructor(timeoutMs: number, sent: boolean) {
    super(`no answer within ${timeoutMs} ms`)
    this.sent = sent
  }
}

/**
 * A poster for `base` (its path is the prefix of every call's path, its query string is kept). At most `maxConnections` sockets are open
 * at once; further requests wait for a free one. A call not answered within `timeoutMs`, waiting included, is
 * aborted and fails with NoAnswerInTime (a timer here rather than an Effect timeout, which forks two fibers per
 * call on the hot path). Idle sockets close after a few seconds (sooner if the server's
 * Keep-Alive header asks), so a reused socket is rarely one the server has just closed. On the hot path this is
 * about twice as fast as the runtime's fetch (BENCHMARKS.md).
 */
export const keepAlivePost = (base: string, maxConnections: number, timeoutMs: number): { readonly post: Post; readonly close: () => void } => {
  const url = new URL(base)
  const secure = url.protocol === "https:"
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: maxConnections, timeout: 4_000 })
  const request = secure ? https.request : http.request
  // The base's own path as it is (a webhook's trailing slash matters), or joined with the call's path.
  const target = (path: string) => path === "" ? url.pathname : `${url.pathname.replace(/\/$/, "")}${path}`
  const post: Post = (path, headers, body, signal) =>
    new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      }
      const outgoing = request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port,
        path: `${target(path)}${url.search}`,
        method: "POST",
        agent,
        signal,
        headers: { ...headers, "content-length": Buffer.byteLength(body) }
      }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("error", fail)
        response.on("end", () => {
          clearTimeout(timer)
          const retryAfter = response.headers["retry-after"]
          resolve({ status: response.statusCode ?? 0, retryAfter, text: Buffer.concat(chunks).toString("utf8") })
        })
      })
      // Written to the connection: from then on the server may have it, answered or not.
      let sent = false
      outgoing.once("finish", () => (sent = true))
      const timer = setTimeout(() => {
        reject(new NoAnswerInTime(timeoutMs, sent))
        outgoing.destroy()
      }, timeoutMs)
      outgoing.on("error", fail)
      outgoing.end(body)
    })
  return { post, close: () => agent.destroy() }
}

/**
 * The pool for the life of the scope, as an Effect: every failure to get an answer is Transient, which says
 * whether the request may have arrived (a timeout once it had a connection, a connection lost after sending).
 */
export const keepAlivePool = (
  base: string,
  maxConnections: number,
  timeoutMs: number
): Effect.Effect<(path: string, headers: Readonly<Record<string, string>>, body: string) => Effect.Effect<PostAnswer, Transient>, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(Effect.sync(() => keepAlivePost(base, maxConnections, timeoutMs)), (pool) => Effect.sync(pool.close)),
    (pool) => (path, headers, body) =>
      Effect.tryPromise({
        try: (signal) => pool.post(path, headers, body, signal),
        catch: (cause) =>
          cause instanceof NoAnswerInTime
            ? new Transient({ reason: cause.message, mayHaveArrived: cause.sent })
            : Transient.network({ cause })
      })
  )
