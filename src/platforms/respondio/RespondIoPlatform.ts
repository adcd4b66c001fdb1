// respond.io (and IS-Messenger, the same API under another name) as the bridge's platform.
import { Effect, Layer } from "effect"
import type { AppConfig } from "../../config/AppConfig.ts"
import { decoder } from "../../services/decode.ts"
import type { Metrics } from "../../services/Metrics.ts"
import { Platform } from "../Platform.ts"
import { RespondIoClient } from "./RespondIoClient.ts"
import { OutgoingRequest } from "./wire.ts"

export const RespondIoPlatform: Layer.Layer<Platform, never, AppConfig | Metrics> = Layer.effect(
  Platform,
  Effect.map(RespondIoClient, (client) => ({ decodeOutgoing: decoder(OutgoingRequest), deliver: client.deliver }))
).pipe(Layer.provide(RespondIoClient.Default))
