// How the bridge stands, for the console's first page: each channel's webhook, waiting events and dead letters, whether
// its delivery is paused (and till when) and who delivers it; the refusals; the configuration's warnings; what runs.
import { Clock, Effect } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"
import { configWarnings } from "../config/warnings.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import { describeStore, webhookUrlOf } from "../registry.ts"
import { maskPhones } from "../logging.ts"
import { RefusalLog } from "../services/RefusalLog.ts"
import { type ChannelDepth, Store, storeProblem } from "../stores/Store.ts"

const iso = (ms: number) => new Date(ms).toISOString()

/** What /admin/api/status answers; `startedAt` is when this process began serving (ms since the epoch). */
export const bridgeStatus = (startedAt: number) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const store = yield* Store
    const now = yield* Clock.currentTimeMillis
    // A store that cannot answer is shown as such; the page still says everything else.
    const problem = yield* storeProblem(store)
    // What the store cannot say now is null (unknown), never a reassuring 0.
    const unknown = Effect.catchAllCause(() => Effect.succeed(undefined))
    const depth = yield* unknown(store.depth())
    const states = yield* unknown(store.deliveryStates())
    // One entry for each channel delivered here.
    const pauses = yield* (yield* Deliveries).pauses
    const warnings = configWarnings(config)
    const refusals = yield* (yield* RefusalLog).tallies
    return {
      version: packageJson.version,
      now: iso(now),
      startedAt: iso(startedAt),
      uptimeSeconds: Math.max(0, Math.round((now - startedAt) / 1000)),
      store: {
        plugin: config.store.plugin,
        where: describeStore(config.store),
        state: problem !== undefined ? "unavailable" : depth === undefined ? "unreadable" : "open",
        problem: problem ?? (depth === undefined ? "the store could not be read (the log says why)" : null)
      },
      provider: config.provider.plugin,
      platform: config.platform.plugin,
      channels: config.channels.map((channel, i) => {
        const d: ChannelDepth | undefined = depth === undefined ? undefined : depth.get(channel.channelId) ?? { outbox: 0, deadLetters: 0 }
        const state = states?.get(channel.channelId)
        const pause = pauses.get(channel.channelId)
        return {
          name: channel.name,
          channelId: channel.channelId,
          webhookHost: new URL(webhookUrlOf(config, channel)).host,
          // The configuration's warnings about this channel (the webhook's old host, say).
          warnings: warnings.filter((w) => w.startsWith(`channel ${channel.name}:`) || w.includes(`channels[${i}]`)),
          outbox: d?.outbox ?? null,
          oldestPendingAgeSeconds: state?.oldestPendingAgeMs === undefined ? null : Math.round(state.oldestPendingAgeMs / 1000),
          deadLetters: d?.deadLetters ?? null,
          deliveredHere: pause !== undefined,
          owner: state?.owner ?? null,
          // Known where the channel is delivered; another replica's pause is on its own console.
          pausedUntil: pause !== undefined && pause.pausedForMs > 0 ? iso(now + pause.pausedForMs) : null,
          failuresInARow: pause?.failures ?? null
        }
      }),
      unroutable: depth === undefined ? null : depth.get("")?.deadLetters ?? 0,
      refusals: refusals.map((r) => ({ route: r.route, status: r.status, count: r.count, lastAt: iso(r.lastAt), reason: maskPhones(r.reason) })),
      warnings
    }
  })
