// What can go wrong that a caller is told of, in the bridge's own words. No HTTP status here: src/http/answers.ts
// gives each its status and body, in one place, for every route.
import { Schema } from "effect"

const fields = { message: Schema.String }

/** Missing or wrong credentials: a bearer token, a push secret, a provider's signature. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", fields) {}

/** Nothing answers at that method and path. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", fields) {}

/** Valid credentials, but for another channel than the request names. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", fields) {}

/** The request breaks a rule; the message names the field and the rule. */
export class InvalidPayload extends Schema.TaggedError<InvalidPayload>()("InvalidPayload", fields) {}

/** The request's body is longer than the bridge reads. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", fields) {}

/** The provider answered, and refused the message; `providerStatus` is its own code for why. */
export class ProviderRefused extends Schema.TaggedError<ProviderRefused>()("ProviderRefused", {
  ...fields,
  providerStatus: Schema.String,
  /** The provider refused because the contact opted out there (texted STOP to it): the bridge records it too. */
  optedOut: Schema.optional(Schema.Boolean)
}) {}

/** The provider answered in a way that is not the message's fault (bad credentials, an answer that makes no sense). */
export class UpstreamError extends Schema.TaggedError<UpstreamError>()("UpstreamError", fields) {}

/** The provider could not be reached, after retries; nothing was sent. */
export class UpstreamUnavailable extends Schema.TaggedError<UpstreamUnavailable>()("UpstreamUnavailable", fields) {}

/** The provider took the request but gave no answer in time: the message may have been sent, so it is not sent again. */
export class UpstreamTimeout extends Schema.TaggedError<UpstreamTimeout>()("UpstreamTimeout", fields) {}

/** The contact opted out of the channel (they texted STOP): nothing is sent to them until they opt back in. */
export class OptedOut extends Schema.TaggedError<OptedOut>()("OptedOut", fields) {}
