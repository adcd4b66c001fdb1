// The platform's webhook client: one attempt to post a channel's events with its bearer token.
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Data, Effect, Redacted } from "effect"
import { AppConfig, type Channel, webhookUrlOf } from "../config/ChannelConfig.ts"
import type { WebhookPayload } from "../platform/RespondIo.ts"
import { Metrics, timed } from "./Metrics.ts"
import { isTransientStatus, parseRetryAfter, Transient } from "./RetryPolicy.ts"

/** The webhook answered 4xx (other than 408 and 429): sending the same event again will not help. */
export class WebhookRefused extends Data.TaggedError("WebhookRefused")<{ readonly reason: string }> {}

export class RespondIoClient extends Effect.Service<RespondIoClient>()("RespondIoClient", {
  effect: Effect.gen(function*() {
    const { platform } = yield* AppConfig
    const url = webhookUrlOf(platform)
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const metrics = yield* Metrics

    /** One POST; succeeds once the webhook answered 2xx. Retrying is the delivery worker's business. */
    const deliver = (channel: Channel, payload: WebhookPayload): Effect.Effect<void, Transient | WebhookRefused> =>
      Effect.gen(function*() {
        const request = HttpClientRequest.post(url, { body: HttpBody.unsafeJson(payload) }).pipe(
          HttpClientRequest.bearerToken(Redacted.value(channel.apiToken))
        )
        const response = yield* client.execute(request).pipe(
          timed(metrics.webhookLatency, (response) => ({ channel: channel.name, status: response?.status ?? 0 })),
          Effect.mapError(Transient.network)
        )
        const status = response.status
        if (status >= 200 && status < 300) return
        if (isTransientStatus(status)) {
          const retryAfterMs = parseRetryAfter(response.headers["retry-after"], yield* Clock.currentTimeMillis)
          return yield* new Transient({ reason: `HTTP ${status}`, retryAfterMs })
        }
        return yield* new WebhookRefused({ reason: `the ${platform.plugin} webhook refused the event: HTTP ${status}` })
      }).pipe(
        Effect.scoped,
        Effect.timeoutFail({
          duration: platform.timeoutMs,
          onTimeout: () => new Transient({ reason: `no answer within ${platform.timeoutMs} ms` })
        }),
        Effect.withSpan("RespondIoClient.deliver")
      )

    return { deliver }
  })
}) {}
