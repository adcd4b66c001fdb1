// The platform's webhook client: one attempt to post a channel's events with its bearer token (over node:http).
import { Clock, Data, Effect, Redacted } from "effect"
import { AppConfig, type Channel, webhookUrlOf } from "../config/ChannelConfig.ts"
import type { WebhookPayload } from "../platform/RespondIo.ts"
import { keepAlivePool } from "./keepAlivePost.ts"
import { Metrics, timed } from "./Metrics.ts"
import { isTransientStatus, parseRetryAfter, Transient } from "./RetryPolicy.ts"

/** The webhook answered 4xx (other than 408 and 429): sending the same event again will not help. */
export class WebhookRefused extends Data.TaggedError("WebhookRefused")<{ readonly reason: string }> {}

export class RespondIoClient extends Effect.Service<RespondIoClient>()("RespondIoClient", {
  scoped: Effect.gen(function*() {
    const { platform } = yield* AppConfig
    const metrics = yield* Metrics
    // The delivery workers bound how many calls are under way; the pool keeps their connections alive.
    const post = yield* keepAlivePool(webhookUrlOf(platform), Infinity, platform.timeoutMs)

    /** One POST; succeeds once the webhook answered 2xx. Retrying is the delivery worker's business. */
    const deliver = (channel: Channel, payload: WebhookPayload): Effect.Effect<void, Transient | WebhookRefused> =>
      Effect.gen(function*() {
        const headers = { authorization: `Bearer ${Redacted.value(channel.apiToken)}`, "content-type": "application/json" }
        const response = yield* post("", headers, JSON.stringify(payload)).pipe(
          timed(metrics.webhookLatency, (response) => ({ channel: channel.name, status: response?.status ?? 0 }))
        )
        const status = response.status
        if (status >= 200 && status < 300) return
        if (isTransientStatus(status)) {
          const retryAfterMs = parseRetryAfter(response.retryAfter, yield* Clock.currentTimeMillis)
          return yield* new Transient({ reason: `HTTP ${status}`, retryAfterMs })
        }
        return yield* new WebhookRefused({ reason: `the ${platform.plugin} webhook refused the event: HTTP ${status}` })
      })

    return { deliver }
  })
}) {}
