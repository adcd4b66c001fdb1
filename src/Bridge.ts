// The whole bridge as one layer: configuration, store, services, delivery workers, and the HTTP server.
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer } from "effect"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import packageJson from "../package.json" with { type: "json" }
import { AppConfig } from "./config/AppConfig.ts"
import type { ChannelConfig } from "./config/ChannelConfig.ts"
import { configWarnings } from "./config/warnings.ts"
import { Deliveries } from "./delivery/Deliveries.ts"
import { isMessageRoute, messageHandler } from "./http/message.ts"
import { makeApp } from "./http/routes.ts"
import { SmsProvider } from "./providers/SmsProvider.ts"
import { Metrics } from "./services/Metrics.ts"
import { RateLimits } from "./services/RateLimits.ts"
import { RefusalLog } from "./services/RefusalLog.ts"
import { RetryPolicy } from "./services/RetryPolicy.ts"
import { TokenCheck } from "./services/TokenCheck.ts"
import { describeStore, platforms, providers, stores, webhookUrlOf } from "./registry.ts"

/** What the services stand on; tests give it another RetryPolicy (a faster one). */
export const infrastructure = (retryPolicy: Layer.Layer<RetryPolicy, never, AppConfig> = RetryPolicy.Default) =>
  Layer.mergeAll(retryPolicy, RateLimits.Default, RefusalLog.Default).pipe(Layer.provideMerge(Metrics.Default))

export const Infrastructure = infrastructure()

/**
 * The configured provider and platform (from the registry), the delivery workers and the services, on the store:
 * everything but the HTTP server (the command line uses it too).
 */
export const Core = (config: ChannelConfig, infrastructure = Infrastructure, store = stores[config.store.plugin].layer) =>
  Layer.mergeAll(providers[config.provider.plugin].layer, TokenCheck.Default).pipe(
    Layer.provideMerge(Deliveries.Default),
    Layer.provideMerge(platforms[config.platform.plugin].layer),
    Layer.provideMerge(infrastructure),
    Layer.provideMerge(store)
  )

const logStart = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  const address = yield* HttpServer.addressFormattedWith(Effect.succeed)
  yield* Effect.logInfo(`custom-channel-server ${packageJson.version} listening on ${address}`).pipe(Effect.annotateLogs({
    platform: config.platform.plugin,
    webhook: [...new Set(config.channels.map((c) => new URL(webhookUrlOf(config, c)).origin))].join(","),
    provider: `${config.provider.plugin} ${new URL(config.provider.baseUrl).origin}`,
    channels: config.channels.map((c) => c.name).join(","),
    store: describeStore(config.store)
  }))
  for (const warning of configWarnings(config)) yield* Effect.logWarning(warning)
}))

/** Slow clients cannot hold connections: headers and whole requests have deadlines, checked every second. */
const serverOptions = ({ server }: ChannelConfig) => ({
  headersTimeout: server.headersTimeoutMs,
  requestTimeout: server.requestTimeoutMs,
  connectionsCheckingInterval: Math.min(1000, server.headersTimeoutMs)
})

/**
 * How long shutdown waits for the requests in flight before it closes their connections: as long as a
 * /message can take (its retries' deadline plus one more attempt), so no SMS is cut off after it was sent.
 */
const drainMs = ({ provider }: ChannelConfig) => provider.retry.deadlineMs + provider.timeoutMs + 5_000

/**
 * A server that holds the requests it receives until the handlers are there: it listens before the store is open
 * (which takes a moment on a database server), and a request with no listener would never be answered.
 */
interface HoldingServer {
  readonly server: Server
  /** Lets go of the requests held so far, for `handle` to serve them; later ones go to `handle` directly. */
  readonly release: (handle: (request: IncomingMessage, response: ServerResponse) => void) => void
}
const holdingServer = (config: ChannelConfig): HoldingServer => {
  const server = createServer(serverOptions(config))
  const held: Array<[IncomingMessage, ServerResponse]> = []
  const hold = (request: IncomingMessage, response: ServerResponse) => void held.push([request, response])
  server.on("request", hold)
  return {
    server,
    release: (handle) => {
      server.off("request", hold)
      server.on("request", handle)
      for (const [request, response] of held.splice(0)) handle(request, response)
    }
  }
}

/**
 * Serves POST /message with its own handler and everything else with the app. On shutdown, first stops accepting
 * connections and lets the requests in flight finish (the handlers are still there to answer them), and only
 * then lets go of the handlers.
 */
const serveAndDrain = (node: () => HoldingServer, drainForMs: number) =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const router = yield* NodeHttpServer.makeHandler(yield* makeApp)
    const message = yield* messageHandler
    const { release, server } = node()
    let inFlight = 0
    const done = () => inFlight--
    const handle = (request: IncomingMessage, response: ServerResponse) => {
      inFlight++
      if (isMessageRoute(request)) return message(request, response, done)
      response.once("close", done)
      router(request, response)
    }
    // The requests that came while the store and the workers were starting are served now, in the order they came.
    release(handle)
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        server.close()
        server.closeIdleConnections()
        for (const until = performance.now() + drainForMs; inFlight > 0 && performance.now() < until;) {
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        server.closeAllConnections()
        server.off("request", handle)
      })
    )
  }))

/** The provider's own work while the bridge serves (a catch-up from its lists, say), stopped before the store closes. */
const providerBackground = Layer.scopedDiscard(Effect.flatMap(SmsProvider, (provider) => Effect.forkScoped(provider.background)))

/**
 * The bridge serving on the configured host and port; the HttpServer stays visible so tests can read its address.
 * Start-up touches the store last: first the store's lock (a second server stops here), then the port (a taken
 * one stops here), and only then the store and its workers, so a start that fails changes nothing in it. Requests
 * that arrive meanwhile wait for the handlers. Shutdown runs in reverse: the server stops accepting and finishes
 * its requests, the workers let their current attempts end, the store closes, the lock goes.
 */
export const bridge = (config: ChannelConfig, infrastructure = Infrastructure, store = stores[config.store.plugin].layer) => {
  let holding: HoldingServer | undefined
  return serveAndDrain(() => holding!, drainMs(config)).pipe(
    Layer.merge(providerBackground),
    Layer.provide(Core(config, infrastructure, store)),
    Layer.merge(logStart),
    Layer.provideMerge(NodeHttpServer.layer(() => (holding = holdingServer(config)).server, {
      host: config.server.host,
      port: config.server.port
    })),
    Layer.provide(stores[config.store.plugin].lock),
    Layer.provideMerge(stoppedLine),
    Layer.provide(Layer.succeed(AppConfig, config))
  )
}

/**
 * The last line of a server that ran: built before everything else, so released after all of it (the drain, the
 * store). A start that failed has said why in its own line instead.
 */
const stoppedLine = Layer.scopedDiscard(
  Effect.addFinalizer((exit) =>
    Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? Effect.void : Effect.logInfo(`custom-channel-server ${packageJson.version} stopped`)
  )
)
