// The errors that reach a response, each with its HTTP status; the body is always {"error":{"message"}}.
import { Schema } from "effect"

const fields = { message: Schema.String }

/** 401: missing or wrong bearer token or push secret. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", fields) {
  readonly status = 401
}
/** 403: a valid token, but for another channel than the body names. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", fields) {
  readonly status = 403
}
/** 400: the payload breaks a rule; the message names the field and the rule. */
export class InvalidPayload extends Schema.TaggedError<InvalidPayload>()("InvalidPayload", fields) {
  readonly status = 400
}
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", fields) {
  readonly status = 413
}
/** 422: ClickSend answered, and refused the message; the message carries ClickSend's status. */
export class ProviderRefused extends Schema.TaggedError<ProviderRefused>()("ProviderRefused", {
  ...fields,
  providerStatus: Schema.String
}) {
  readonly status = 422
}
/** 502: ClickSend or the webhook answered in a way that is not the message's fault (bad credentials, garbage). */
export class UpstreamError extends Schema.TaggedError<UpstreamError>()("UpstreamError", fields) {
  readonly status = 502
}
/** 503: ClickSend or the webhook could not be reached, after retries. */
export class UpstreamUnavailable extends Schema.TaggedError<UpstreamUnavailable>()("UpstreamUnavailable", fields) {
  readonly status = 503
}

/** 504: ClickSend took the request but gave no answer in time; the message may have been sent, so it is not sent again. */
export class UpstreamTimeout extends Schema.TaggedError<UpstreamTimeout>()("UpstreamTimeout", fields) {
  readonly status = 504
}

export type ApiError =
  | Unauthorized
  | Forbidden
  | InvalidPayload
  | PayloadTooLarge
  | ProviderRefused
  | UpstreamError
  | UpstreamUnavailable
  | UpstreamTimeout

/** What a caller gets for an error: its status, `{"error":{"message"}}`, and after a 413 a closed connection. */
export const errorAnswer = (status: number, message: string) => ({
  status,
  body: { error: { message } },
  // The rest of a body too large is not read: the connection closes after the answer.
  headers: status === 413 ? { connection: "close" } : {}
})
