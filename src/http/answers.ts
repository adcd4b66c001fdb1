// Every refusal the bridge answers, on every route: its HTTP status, `{"error":{"message"}}`, one metric, and a log
// line (held to one per route and status every ten seconds for what a stranger can cause). Both HTTP stacks (the
// fast /message handler and the router) answer through here.
import { Effect } from "effect"
import type {
  Forbidden,
  InvalidPayload,
  NotFound,
  OptedOut,
  PayloadTooLarge,
  ProviderRefused,
  Unauthorized,
  UpstreamError,
  UpstreamTimeout,
  UpstreamUnavailable
} from "../domain/errors.ts"
import { Metrics } from "../services/Metrics.ts"
import { RefusalLog } from "../services/RefusalLog.ts"
import type { StoreUnavailable } from "../stores/Store.ts"

export type Refusal =
  | Unauthorized
  | Forbidden
  | NotFound
  | InvalidPayload
  | PayloadTooLarge
  | OptedOut
  | ProviderRefused
  | UpstreamError
  | UpstreamUnavailable
  | UpstreamTimeout
  | StoreUnavailable

const statuses: { readonly [Tag in Refusal["_tag"]]: number } = {
  InvalidPayload: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  PayloadTooLarge: 413,
  // Final, as a provider's refusal is: the platform shows the agent why, and does not send it again.
  OptedOut: 422,
  ProviderRefused: 422,
  UpstreamError: 502,
  UpstreamUnavailable: 503,
  StoreUnavailable: 503,
  UpstreamTimeout: 504
}

/** What the caller reads: a store that cannot write is the bridge's business, not the caller's. */
const messageOf = (error: Refusal) =>
  error._tag === "StoreUnavailable" ? "the bridge cannot store this right now; send it again later" : error.message

export const statusOf = (error: Refusal) => statuses[error._tag]

/** What a caller gets: the status, `{"error":{"message"}}`, and after a 413 a closed connection. */
export const errorAnswer = (status: number, message: string) => ({
  status,
  body: { error: { message } },
  // The rest of a body too large is not read: the connection closes after the answer.
  headers: status === 413 ? { connection: "close" } : ({} as Record<string, string>)
})

/** What a stranger can cause, so what may come in floods: said in a line per route and status every ten seconds. */
const strangers = new Set([400, 401, 403, 404, 413])

/**
 * Answers a refusal: counted as `ccs_refused_requests_total{route,status}` and logged with the reason, never a secret:
 * what a stranger can cause as a warning held to one line per route and status every ten seconds (RefusalLog); the
 * rest (an opt-out, the provider's refusal, the bridge or a system behind it failing) once per request.
 */
export const refuse = (route: string, error: Refusal) =>
  Effect.gen(function*() {
    const status = statusOf(error)
    ;(yield* Metrics).refusals.inc({ route, status })
    const reason = error._tag === "StoreUnavailable" ? error.reason : error.message
    if (strangers.has(status)) {
      yield* (yield* RefusalLog).note({ route, status, error: error._tag, reason })
    } else {
      yield* (yield* RefusalLog).tally({ route, status, error: error._tag, reason })
      const log = status >= 500 || error._tag === "ProviderRefused" ? Effect.logWarning : Effect.logInfo
      yield* log("request refused").pipe(Effect.annotateLogs({ route, status, error: error._tag, reason }))
    }
    return errorAnswer(status, messageOf(error))
  })
