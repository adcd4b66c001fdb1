// The whole bridge as one layer: configuration, services, and the HTTP server serving the routes.
import { FetchHttpClient, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { AppConfig, type ChannelConfig, webhookUrlOf } from "./config/ChannelConfig.ts"
import { app } from "./http/routes.ts"
import { ClickSendClient } from "./services/ClickSendClient.ts"
import { Codecs } from "./services/Codecs.ts"
import { DeadLetters } from "./services/DeadLetters.ts"
import { RateLimits } from "./services/RateLimits.ts"
import { RespondIoClient } from "./services/RespondIoClient.ts"
import { RetryPolicy } from "./services/RetryPolicy.ts"
import { TokenCheck } from "./services/TokenCheck.ts"

/** What the services stand on; tests replace parts of it (a faster RetryPolicy, say). */
export const Infrastructure = Layer.mergeAll(RetryPolicy.Default, RateLimits.Default, FetchHttpClient.layer)

export const Services = Layer.mergeAll(
  TokenCheck.Default,
  Codecs.Default,
  ClickSendClient.Default,
  RespondIoClient.Default,
  DeadLetters.Default
)

const logStart = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  const address = yield* HttpServer.addressFormattedWith(Effect.succeed)
  yield* Effect.logInfo(`custom-channel-server listening on ${address}`).pipe(Effect.annotateLogs({
    platform: config.platform.plugin,
    webhook: new URL(webhookUrlOf(config.platform)).origin,
    clicksend: new URL(config.provider.baseUrl).origin,
    channels: config.channels.map((c) => c.name).join(",")
  }))
}))

/** The bridge serving on the configured host and port; the HttpServer stays visible so tests can read its address. */
export const bridge = (config: ChannelConfig, infrastructure = Infrastructure) =>
  HttpServer.serve(app).pipe(
    Layer.merge(logStart),
    Layer.provide(Services),
    Layer.provide(infrastructure),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: config.server.host, port: config.server.port })),
    Layer.provide(Layer.succeed(AppConfig, config))
  )
