// The platform's webhook client: one attempt to post a channel's events to its webhook URL with its bearer token (over node:http).
import { Clock, Data, Effect, Redacted } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { Channel } from "../../config/ChannelConfig.ts"
import { isOldRespondIoHost, oldHostAdvice, type RespondIoSettings, webhookUrlOf } from "./settings.ts"
import type { ChannelEvent } from "../../domain/events.ts"
import { keepAlivePool } from "../../services/keepAliveClient.ts"
import { Metrics, timed } from "../../services/Metrics.ts"
import { isTransientStatus, parseRetryAfter, Transient } from "../../services/RetryPolicy.ts"
import { webhookPayload } from "./render.ts"

/** The webhook answered 4xx (other than 408 and 429): sending the same event again will not help. */
export class WebhookRefused extends Data.TaggedError("WebhookRefused")<{ readonly reason: string }> {}

/**
 * Why the webhook's 4xx makes a dead letter. A 404 or 410 from respond.io's old host means the channel's URL must
 * change, so the reason says how (`index`: the channel's place in channels[]).
 */
/** The start of the webhook's answer, on one line, for the operator: `: {"error":...}` (nothing when it said nothing). */
export const answerStart = (text: string): string => {
  const line = text.replace(/\s+/g, " ").trim()
  return line === "" ? "" : `: ${line.length > 200 ? `${line.slice(0, 200)}...` : line}`
}

export const refusedReason = (plugin: string, status: number, url: string, channel: Channel, index: number, answer = ""): string =>
  `the ${plugin} webhook refused the event: HTTP ${status}${answerStart(answer)}` +
  ((status === 404 || status === 410) && isOldRespondIoHost(url) ? `; ${oldHostAdvice(channel, index)}` : "")

export class RespondIoClient extends Effect.Service<RespondIoClient>()("RespondIoClient", {
  scoped: Effect.gen(function*() {
    const { channels } = yield* AppConfig
    const platform = (yield* AppConfig).platform as RespondIoSettings
    const metrics = yield* Metrics
    // One kept-alive pool per webhook URL (channels may have their own); the delivery workers bound the calls.
    // The webhook answers "OK": 64 KiB is far more than any answer of it worth reading.
    const pools = new Map<string, Effect.Effect.Success<ReturnType<typeof keepAlivePool>>>()
    for (const url of new Set(channels.map((c) => webhookUrlOf(platform, c)))) {
      pools.set(url, yield* keepAlivePool(url, Infinity, platform.timeoutMs, 64 * 1024))
    }
    const targets = new Map(channels.map((c, index) => {
      const url = webhookUrlOf(platform, c)
      return [c.channelId, { post: pools.get(url)!, refused: (status: number, answer: string) => refusedReason(platform.plugin, status, url, c, index, answer) }] as const
    }))

    /** One POST of the event as the webhook takes it; succeeds once it answered 2xx. Retrying is the delivery worker's business. */
    const deliver = (channel: Channel, event: ChannelEvent): Effect.Effect<void, Transient | WebhookRefused> =>
      Effect.gen(function*() {
        const { post, refused } = targets.get(channel.channelId)!
        const headers = { authorization: `Bearer ${Redacted.value(channel.apiToken)}`, "content-type": "application/json" }
        const response = yield* post("", headers, JSON.stringify(webhookPayload(event))).pipe(
          timed(metrics.webhookLatency, (response) => ({ channel: channel.name, status: response?.status ?? 0 }))
        )
        const status = response.status
        if (status >= 200 && status < 300) return
        if (isTransientStatus(status)) {
          const retryAfterMs = parseRetryAfter(response.retryAfter, yield* Clock.currentTimeMillis)
          return yield* new Transient({ reason: `HTTP ${status}${answerStart(response.text)}`, retryAfterMs })
        }
        return yield* new WebhookRefused({ reason: refused(status, response.text) })
      })

    return { deliver }
  })
}) {}
