// The SMS provider port: what the bridge needs of a provider, whichever it is. A provider's folder builds it as a
// layer (see src/registry.ts); tests swap it like any other service.
import type { HttpRouter } from "@effect/platform"
import { Context, type Effect } from "effect"
import type { Channel } from "../config/ChannelConfig.ts"
import type {
  InvalidPayload,
  ProviderRefused,
  Unauthorized,
  UpstreamError,
  UpstreamTimeout,
  UpstreamUnavailable
} from "../domain/errors.ts"
import type { Outgoing, Sent } from "../domain/messages.ts"
import type { PushOutcome } from "../flows/committed.ts"
import type { PayloadTooLarge } from "../domain/errors.ts"
import type { AppConfig } from "../config/AppConfig.ts"
import type { Deliveries } from "../delivery/Deliveries.ts"
import type { Metrics } from "../services/Metrics.ts"
import type { RateLimits } from "../services/RateLimits.ts"
import type { RetryPolicy } from "../services/RetryPolicy.ts"
import type { Store, StoreUnavailable } from "../stores/Store.ts"

export type SendFailure = ProviderRefused | UpstreamError | UpstreamUnavailable | UpstreamTimeout

/** Why a provider's route may refuse a request. */
export type PushRefusal = Unauthorized | InvalidPayload | PayloadTooLarge | StoreUnavailable

export interface SmsProviderShape {
  /** Sends the platform's message for the channel: the mId the platform gets, and every part's id. */
  readonly send: (request: Outgoing, channel: Channel) => Effect.Effect<Sent, SendFailure>
  /** The routes it calls us on (pushes, webhooks), each checking the caller first, with what they need provided. */
  readonly routes: HttpRouter.HttpRouter<PushRefusal>
  /** Routes again a push kept as a dead letter (the operator fixed the configuration, say). */
  readonly reroute: (
    kind: "unroutable-inbound" | "unroutable-receipt",
    kept: unknown
  ) => Effect.Effect<PushOutcome, InvalidPayload | StoreUnavailable>
  /**
   * What it does on its own for as long as the bridge serves (a catch-up from the provider's lists, say), forked by the server and
   * interrupted at shutdown; the command line, which builds the provider too, never runs it.
   */
  readonly background: Effect.Effect<void>
}

/** What a provider's layer may need from the bridge's own layers. */
export type ProviderNeeds = AppConfig | Store | Deliveries | Metrics | RetryPolicy | RateLimits

export class SmsProvider extends Context.Tag("SmsProvider")<SmsProvider, SmsProviderShape>() {}
