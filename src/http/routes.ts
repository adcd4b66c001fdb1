// The HTTP surface but /message (see message.ts): the provider's routes, health, metrics; every error as {"error":{"message"}}.
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"
import { configWarnings } from "../config/warnings.ts"
import { Metrics } from "../services/Metrics.ts"
import { SmsProvider } from "../providers/SmsProvider.ts"
import { TokenCheck } from "../services/TokenCheck.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import { type ChannelDepth, Store, storeProblem } from "../stores/Store.ts"
import { NotFound } from "../domain/errors.ts"
import { errorAnswer, type Refusal, refuse } from "./answers.ts"
import { RefusalLog } from "../services/RefusalLog.ts"
import { describeStore } from "../registry.ts"
import { adminRoutes, noStore } from "../operator/adminApi.ts"
import * as FindMyWay from "find-my-way-ts"
import { consolePages } from "../operator/consolePages.ts"

/**
 * Names a request by the route that serves it, as metrics and the console count it (`/admin/api/dead-letters/:id`),
 * "other" when none does: variants a stranger makes up (`/x;1`, `/x/`, `/dead-letters/9`) add no series. The admin
 * API's answers, its refusals too, are never stored.
 */
const routeNamer = (paths: Iterable<FindMyWay.PathInput>) => {
  const patterns = FindMyWay.make<string>({})
  for (const path of new Set(paths)) patterns.all(path, path)
  return (url: string) => {
    const route = patterns.find("GET", url)?.handler ?? "other"
    return { route, headers: route.startsWith("/admin/api/") ? noStore : {} }
  }
}

/** A refusal's answer, for the route the request came to (a push the store could not commit is a 503, so the provider sends it again). */
const refusedOn = (routeOf: ReturnType<typeof routeNamer>) => (error: Refusal) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const { headers: extra, route } = routeOf(request.url)
    return Effect.map(refuse(route, error), ({ body, headers, status }) =>
      HttpServerResponse.unsafeJson(body, { status, headers: { ...headers, ...extra } }))
  })

/** A defect's answer: a 500 with no detail, counted and shown to the operator like any refusal, the cause in the log. */
const failedOn = (routeOf: ReturnType<typeof routeNamer>) => (cause: Cause.Cause<unknown>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { headers, route } = routeOf(request.url)
    ;(yield* Metrics).refusals.inc({ route, status: 500 })
    yield* (yield* RefusalLog).tally({ route, status: 500, error: "Defect", reason: "the request failed unexpectedly (the log has the cause)" })
    yield* Effect.logError("request failed unexpectedly", cause)
    return HttpServerResponse.unsafeJson(errorAnswer(500, "internal error").body, { status: 500, headers })
  })

/**
 * Ready when the store can write and every channel's worker runs; says how much waits and how much is dead, and what
 * in the configuration needs the operator (warnings do not make it unready).
 */
const readiness = Effect.gen(function*() {
  const config = yield* AppConfig
  const { channels } = config
  const store = yield* Store
  const problem = yield* storeProblem(store)
  const storeOpen = problem === undefined
  const deliveries = yield* Deliveries
  const workers = yield* deliveries.running
  const owned = yield* deliveries.owned
  const depth = storeOpen
    ? yield* store.depth().pipe(Effect.orElseSucceed(() => new Map<string, ChannelDepth>()))
    : new Map<string, ChannelDepth>()
  const ready = storeOpen && workers
  return HttpServerResponse.unsafeJson({
    status: ready ? "ready" : "not ready",
    store: storeOpen ? "open" : "unavailable",
    database: describeStore(config.store),
    ...(problem === undefined ? {} : { storeProblem: problem }),
    workers: workers ? "running" : "stopped",
    // The channels whose delivery runs in this process (with several replicas, each channel is delivered by one).
    delivering: channels.filter((c) => owned.includes(c.channelId)).map((c) => c.name),
    channels: Object.fromEntries(
      channels.map((c) => [c.name, depth.get(c.channelId) ?? { outbox: 0, deadLetters: 0 }])
    ),
    unroutable: depth.get("")?.deadLetters ?? 0,
    warnings: configWarnings(config)
  }, { status: ready ? 200 : 503 })
})

/** Prometheus text; with server.metricsToken set, only for `Authorization: Bearer <metricsToken>`. */
const metricsPage = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const { channels } = yield* AppConfig
  yield* (yield* TokenCheck).checkMetricsToken(request.headers.authorization)
  const metrics = yield* Metrics
  const depth = yield* (yield* Store).depth()
  for (const channel of channels) {
    const d = depth.get(channel.channelId) ?? { outbox: 0, deadLetters: 0 }
    metrics.outboxDepth.set({ channel: channel.name }, d.outbox)
    metrics.deadLetters.set({ channel: channel.name }, d.deadLetters)
  }
  metrics.deadLetters.set({ channel: "" }, depth.get("")?.deadLetters ?? 0)
  const text = yield* Effect.promise(() => metrics.registry.metrics())
  return HttpServerResponse.text(text, { contentType: metrics.registry.contentType })
})

const operations = HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok", version: packageJson.version }))),
  HttpRouter.get("/readyz", readiness),
  HttpRouter.get("/metrics", metricsPage)
)

/**
 * The app, built once: the provider's routes and the operator's; known errors become their status, an unknown
 * route 404, a defect 500 with no detail leaked.
 */
export const makeApp = Effect.gen(function*() {
  const provider = yield* SmsProvider
  const { server } = yield* AppConfig
  // The operator's console and its API only when an admin token is set: otherwise they are unknown routes (404).
  const router = server.adminToken === undefined
    ? HttpRouter.concat(operations, provider.routes)
    : HttpRouter.concatAll(operations, provider.routes, consolePages, yield* adminRoutes(server.adminToken))
  const routeOf = routeNamer([...router.routes].map((route) => route.path))
  const refused = refusedOn(routeOf)
  return router.pipe(
    Effect.catchTags({
      Unauthorized: refused,
      Forbidden: refused,
      NotFound: refused,
      InvalidPayload: refused,
      PayloadTooLarge: refused,
      StoreUnavailable: refused,
      // The path without its query (which may carry a secret): a typo in a provider's rule shows in the log.
      RouteNotFound: (e) => refused(new NotFound({ message: `no route for ${e.request.method} ${e.request.url.split("?")[0]}` }))
    }),
    Effect.catchAllCause((cause) => Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : failedOn(routeOf)(cause))
  )
})
