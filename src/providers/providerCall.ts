// How every provider's send is made, whichever provider: within its rate limit, retried on the provider's backoff
// while the failure is transient, and never sent again once it may have arrived (no provider here has an
// idempotency key: a second attempt could be a second SMS).
import { Effect } from "effect"
import { UpstreamTimeout, UpstreamUnavailable } from "../domain/errors.ts"
import { Metrics } from "../services/Metrics.ts"
import { RateLimits } from "../services/RateLimits.ts"
import { RetryPolicy, retrying, type Transient } from "../services/RetryPolicy.ts"

/** Wraps one attempt of a provider's call (`name` says whose, in the errors). */
export const providerCall = Effect.gen(function*() {
  const retry = yield* RetryPolicy
  const limits = yield* RateLimits
  const metrics = yield* Metrics
  return <A, E extends { readonly _tag: string }>(name: string, attempt: Effect.Effect<A, E | Transient>) => {
    const once = attempt.pipe(
      Effect.catchIf(
        (e) => e._tag === "Transient" && (e as Transient).mayHaveArrived === true,
        (e) =>
          Effect.fail(new UpstreamTimeout({
            message: `${name} did not answer (${(e as Transient).reason}); the message may have been sent, so it was not sent again`
          }))
      )
    )
    let attempts = 0
    const counted = Effect.suspend(() => {
      if (attempts++ > 0) metrics.retries.inc({ target: "provider" })
      return once
    })
    return limits.provider(counted).pipe(
      retrying(retry.provider),
      Effect.mapError((e) =>
        e._tag === "Transient" ? new UpstreamUnavailable({ message: `${name} could not be reached: ${(e as Transient).reason}` }) : e
      )
    ) as Effect.Effect<A, Exclude<E, Transient> | UpstreamTimeout | UpstreamUnavailable>
  }
})

/**
 * An image by MMS, and when the provider refuses it, the same message by SMS with the picture as a link (said in
 * the log); any other failure of the MMS is the answer.
 */
export const mmsOrSms = <A, E extends { readonly _tag: string }>(name: string, mms: Effect.Effect<A, E>, sms: Effect.Effect<A, E>) =>
  Effect.catchIf(mms, (e) => e._tag === "ProviderRefused" && (e as { optedOut?: boolean }).optedOut !== true, (e) =>
    Effect.logWarning(`${name} refused the MMS; sending the picture as a link by SMS`).pipe(
      Effect.annotateLogs({ providerStatus: (e as { providerStatus?: string }).providerStatus ?? "" }),
      Effect.zipRight(sms)
    ))
