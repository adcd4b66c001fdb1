// The Telnyx Messaging API v2 client: one message per call, transient failures retried, refusals never, and a
// request that may have arrived never sent again (Telnyx documents no idempotency key for /messages).
import { Clock, Effect, Redacted, Schema } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import { ProviderRefused, UpstreamError } from "../../domain/errors.ts"
import { keepAlivePool } from "../../services/keepAliveClient.ts"
import { Metrics, timed } from "../../services/Metrics.ts"
import { isTransientStatus, parseRetryAfter, Transient } from "../../services/RetryPolicy.ts"
import { providerCall } from "../providerCall.ts"
import type { TelnyxSettings } from "./settings.ts"
import { ErrorAnswer, SendAnswer, type SendRequest } from "./wire.ts"

const decodeAnswer = Schema.decodeUnknownOption(Schema.parseJson(SendAnswer))
const decodeErrors = Schema.decodeUnknownOption(Schema.parseJson(ErrorAnswer))

/** "40300 Blocked due to STOP message: Messages cannot be sent ...", from the first error of an answer. */
export const describeErrors = (text: string): { readonly code: string; readonly text: string } | undefined => {
  const errors = decodeErrors(text)
  if (errors._tag === "None") return undefined
  const first = errors.value.errors[0]
  const code = first.code === undefined ? "" : String(first.code)
  const words = [first.title, first.detail].filter((s): s is string => !!s).join(": ")
  return { code, text: [code, words].filter((s) => s !== "").join(" ") }
}

export class TelnyxClient extends Effect.Service<TelnyxClient>()("TelnyxClient", {
  scoped: Effect.gen(function*() {
    const provider = (yield* AppConfig).provider as TelnyxSettings
    const metrics = yield* Metrics
    const call = yield* providerCall
    const headers = {
      authorization: `Bearer ${Redacted.value(provider.apiKey)}`,
      "content-type": "application/json",
      accept: "application/json"
    }
    // A send answer is a few KiB; past 1 MiB it is not Telnyx's.
    const post = yield* keepAlivePool(provider.baseUrl, provider.maxConnections, provider.timeoutMs, 1024 * 1024)

    const attempt = (request: SendRequest) =>
      Effect.gen(function*() {
        const response = yield* post("/messages", headers, JSON.stringify(request)).pipe(
          timed(metrics.providerLatency, (response) => ({ path: "/messages", status: response?.status ?? 0 }))
        )
        const status = response.status
        const errors = describeErrors(response.text)
        if (isTransientStatus(status)) {
          const retryAfterMs = parseRetryAfter(response.retryAfter, yield* Clock.currentTimeMillis)
          // A gateway's 502 or 504 may come after Telnyx took the message: like a timeout, never sent again.
          return yield* new Transient({ reason: `HTTP ${status}${errors ? ` ${errors.code}` : ""}`, retryAfterMs, mayHaveArrived: status === 502 || status === 504 })
        }
        if (status === 401 || status === 403) {
          return yield* new UpstreamError({
            message: `Telnyx rejected the bridge's credentials (HTTP ${status}${errors ? ` ${errors.text}` : ""}): check provider.apiKey`
          })
        }
        if (status >= 300) {
          return yield* errors
            ? new ProviderRefused({
              message: `Telnyx refused the message: ${errors.text}`,
              providerStatus: errors.code || `HTTP ${status}`,
              // 40300 "Blocked due to STOP message": the recipient texted STOP to the messaging profile
              // (developers.telnyx.com/docs/messaging/messages/advanced-opt-in-out).
              optedOut: errors.code === "40300"
            })
            : new UpstreamError({ message: `Telnyx answered HTTP ${status} with a body that is not its errors` })
        }
        const answer = decodeAnswer(response.text)
        if (answer._tag === "None") return yield* new UpstreamError({ message: "Telnyx accepted the message but gave no data.id" })
        return answer.value.data.id
      })

    /** Sends one message: Telnyx's id for it. */
    const send = (request: SendRequest) => call("Telnyx", attempt(request))
    return { send }
  })
}) {}
