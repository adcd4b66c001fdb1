// The ClickSend REST v3 client: typed send methods, transient failures retried, refusals never.
import { Clock, Effect, Redacted, Schema } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ClickSendSettings } from "./settings.ts"
import { ProviderRefused, UpstreamError, UpstreamTimeout, UpstreamUnavailable } from "../../domain/errors.ts"
import { Envelope, ListAnswer, type MmsSendRequest, type SmsSendRequest } from "./wire.ts"
import { keepAlivePool } from "../../services/keepAliveClient.ts"
import { Metrics, timed } from "../../services/Metrics.ts"
import { batched } from "./smsBatcher.ts"
import { isTransientStatus, parseRetryAfter, Transient } from "../../services/RetryPolicy.ts"
import { providerCall } from "../providerCall.ts"
import { RateLimits } from "../../services/RateLimits.ts"

export type SentMessage = NonNullable<NonNullable<Envelope["data"]>["messages"]>[number]

const decodeEnvelope = Schema.decodeUnknownOption(Schema.parseJson(Envelope))
const decodeList = Schema.decodeUnknownOption(Schema.parseJson(ListAnswer))

/** What to check when ClickSend refuses the credentials (HTTP 401 or 403). */
export const checkCredentials = "check provider.username and provider.apiKey"

/** ClickSend's own code for an answer, when the body is its envelope: " INVALID_RECIPIENT", else "". */
const codeOf = (text: string) => {
  const envelope = decodeEnvelope(text)
  return envelope._tag === "Some" ? ` ${envelope.value.response_code}` : ""
}

/** What ClickSend keeps for its POLL rules: inbound messages, delivery receipts. */
export type ListKind = "inbound" | "receipts"

/** One call of the catch-up failed: said in the log, and tried again at the next round (never at once). */
export type CatchUpFailure = UpstreamError | UpstreamUnavailable

export class ClickSendClient extends Effect.Service<ClickSendClient>()("ClickSendClient", {
  scoped: Effect.gen(function*() {
    const provider = (yield* AppConfig).provider as ClickSendSettings
    const metrics = yield* Metrics
    const call = yield* providerCall
    const limits = yield* RateLimits
    const headers = {
      authorization: `Basic ${Buffer.from(`${Redacted.value(provider.username)}:${Redacted.value(provider.apiKey)}`).toString("base64")}`,
      "content-type": "application/json",
      accept: "application/json"
    }
    // A send answer of 1,000 messages (the most one call takes) is under 1 MiB; past 4 MiB it is not ClickSend's.
    const pool = yield* keepAlivePool(provider.baseUrl, provider.maxConnections, provider.timeoutMs, 4 * 1024 * 1024)
    const post = (path: string, body: unknown) => pool(path, headers, JSON.stringify(body))

    /** One POST: the per-message answers, or why not. Never retries a refusal. */
    const attempt = (path: string, body: unknown) =>
      Effect.gen(function*() {
        const response = yield* post(path, body).pipe(
          timed(metrics.providerLatency, (response) => ({ path, status: response?.status ?? 0 }))
        )
        const envelope = decodeEnvelope(response.text)
        // Decoded once: this is the send's answer, on the hot path.
        const code = envelope._tag === "Some" ? ` ${envelope.value.response_code}` : ""
        const status = response.status
        if (isTransientStatus(status)) {
          const retryAfterMs = parseRetryAfter(response.retryAfter, yield* Clock.currentTimeMillis)
          // A gateway's 502 or 504 may come after ClickSend took the message: like a timeout, never sent again.
          const mayHaveArrived = status === 502 || status === 504
          return yield* new Transient({ reason: `HTTP ${status}${code}`, retryAfterMs, mayHaveArrived })
        }
        if (status === 401 || status === 403) {
          return yield* new UpstreamError({
            message: `ClickSend rejected the bridge's credentials (HTTP ${status}${code}): ${checkCredentials}`
          })
        }
        if (envelope._tag === "None") {
          return yield* new UpstreamError({ message: `ClickSend answered HTTP ${status} with a body that is not its envelope` })
        }
        if (status >= 300) {
          return yield* new ProviderRefused({
            message: `ClickSend refused the message: ${envelope.value.response_code}${
              envelope.value.response_msg ? ` (${envelope.value.response_msg})` : ""
            }`,
            providerStatus: envelope.value.response_code
          })
        }
        const messages = envelope.value.data?.messages
        if (!messages) {
          return yield* new UpstreamError({ message: "ClickSend answered without per-message statuses" })
        }
        return messages
      })

    const send = (path: string, body: unknown) => call("ClickSend", attempt(path, body))

    /** A call of the catch-up (a GET or a PUT, which may be made again): within the provider's rate limit. */
    const ask = (method: "GET" | "PUT", path: string): Effect.Effect<string, CatchUpFailure> =>
      limits.provider(pool(path, headers, "", method)).pipe(
        timed(metrics.providerLatency, (response) => ({ path: path.replace(/\?.*$/, "").replace(/-read\/.*$/, "-read/:id"), status: response?.status ?? 0 })),
        Effect.mapError((e) => new UpstreamUnavailable({ message: `ClickSend could not be reached: ${e.reason}` })),
        Effect.flatMap((response) => {
          if (response.status === 200) return Effect.succeed(response.text)
          const credentials = response.status === 401 || response.status === 403 ? `: ${checkCredentials}` : ""
          return Effect.fail(
            new UpstreamError({ message: `ClickSend answered ${method} ${path.replace(/\?.*$/, "")} with HTTP ${response.status}${codeOf(response.text)}${credentials}` })
          )
        })
      )

    /** One page (from 1) of what ClickSend keeps unread, 100 items at most. */
    const list = (kind: ListKind, page: number) =>
      Effect.flatMap(ask("GET", `/sms/${kind}?page=${page}&limit=100`), (text) => {
        const answer = decodeList(text)
        return answer._tag === "Some"
          ? Effect.succeed(answer.value.data)
          : Effect.fail(new UpstreamError({ message: `ClickSend's list of ${kind} is not the shape it documents` }))
      })

    const sendSmsNow = (request: SmsSendRequest) => send("/sms/send", request)
    const sendSms = provider.batch === undefined
      ? sendSmsNow
      : yield* batched(
        (messages) => sendSmsNow({ messages }),
        provider.batch,
        // ClickSend does not promise the order of its answers: each must name the recipient it was sent to.
        (sent, answer) => answer.to === undefined || answer.to === sent.to,
        () =>
          new UpstreamTimeout({
            message: "ClickSend's answer to a batch does not match what was sent; the messages may have been sent, so they were not sent again"
          })
      ).pipe(Effect.map((viaBatch) => (request: SmsSendRequest) => viaBatch(request.messages)))

    return {
      sendSms,
      sendMms: (request: MmsSendRequest) => send("/mms/send", request),
      list,
      /**
       * Marks one item read: PUT /sms/inbound-read/{message_id} (its v3 reference and every SDK) or
       * /sms/receipts-read/{message_id} ("Mark specific delivery receipt as read", ClickSend/clicksend-python
       * docs/SMSApi.md; the newer OpenAPI files keep only the form that marks all before a time).
       */
      markRead: (kind: ListKind, messageId: string) => Effect.asVoid(ask("PUT", `/sms/${kind}-read/${encodeURIComponent(messageId)}`))
    }
  })
}) {}
