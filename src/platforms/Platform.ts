// The platform port: what the bridge needs of the messaging platform it serves as a channel. A platform's folder
// builds it as a layer (see src/registry.ts); tests swap it.
import { Context, type Effect } from "effect"
import type { Channel } from "../config/ChannelConfig.ts"
import type { InvalidPayload } from "../domain/errors.ts"
import type { ChannelEvent } from "../domain/events.ts"
import type { Outgoing } from "../domain/messages.ts"
import type { Transient } from "../services/RetryPolicy.ts"

/** The platform refused an event (a 4xx other than 408 and 429): sending it again will not help. */
export interface Refused {
  readonly _tag: "WebhookRefused"
  readonly reason: string
}

export interface PlatformShape {
  /** The body of POST /message as the message to send, or a 400 naming the field and the rule. */
  readonly decodeOutgoing: (body: unknown) => Effect.Effect<Outgoing, InvalidPayload>
  /** One attempt to hand a channel's event to the platform; retrying is the delivery worker's business. */
  readonly deliver: (channel: Channel, event: ChannelEvent) => Effect.Effect<void, Transient | Refused>
}

export class Platform extends Context.Tag("Platform")<Platform, PlatformShape>() {}
