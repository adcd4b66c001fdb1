// The platform's webhook client: posts events for a channel with its bearer token, retrying transient failures.
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Effect, Redacted } from "effect"
import { AppConfig, type Channel, webhookUrlOf } from "../config/ChannelConfig.ts"
import { UpstreamError, UpstreamUnavailable } from "../http/ApiError.ts"
import type { WebhookPayload } from "../platform/RespondIo.ts"
import { RateLimits } from "./RateLimits.ts"
import { isTransientStatus, parseRetryAfter, RetryPolicy, retrying, Transient } from "./RetryPolicy.ts"

export class RespondIoClient extends Effect.Service<RespondIoClient>()("RespondIoClient", {
  effect: Effect.gen(function*() {
    const { platform } = yield* AppConfig
    const url = webhookUrlOf(platform)
    const retry = yield* RetryPolicy
    const limits = yield* RateLimits
    const client = yield* HttpClient.HttpClient

    const attempt = (channel: Channel, payload: WebhookPayload) =>
      Effect.gen(function*() {
        const request = HttpClientRequest.post(url, { body: HttpBody.unsafeJson(payload) }).pipe(
          HttpClientRequest.bearerToken(Redacted.value(channel.apiToken))
        )
        const response = yield* client.execute(request).pipe(
          Effect.mapError(Transient.network)
        )
        const status = response.status
        if (status >= 200 && status < 300) return
        if (isTransientStatus(status)) {
          const retryAfterMs = parseRetryAfter(response.headers["retry-after"], yield* Clock.currentTimeMillis)
          return yield* new Transient({ reason: `HTTP ${status}`, retryAfterMs })
        }
        return yield* new UpstreamError({ message: `the ${platform.plugin} webhook refused the event: HTTP ${status}` })
      }).pipe(
        Effect.scoped,
        Effect.timeoutFail({
          duration: platform.timeoutMs,
          onTimeout: () => new Transient({ reason: `no answer within ${platform.timeoutMs} ms` })
        })
      )

    /** Post one payload; succeeds once the webhook answered 2xx. */
    const post = (channel: Channel, payload: WebhookPayload) =>
      limits.webhook(channel.channelId)(attempt(channel, payload)).pipe(
        retrying(retry.webhook),
        Effect.catchTag("Transient", (e) =>
          Effect.fail(new UpstreamUnavailable({ message: `the ${platform.plugin} webhook could not be reached: ${e.reason}` }))),
        Effect.withSpan("RespondIoClient.post")
      )

    return { post }
  })
}) {}
