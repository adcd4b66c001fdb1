// End-to-end harness: the real bridge on 127.0.0.1:0 between a simulated ClickSend and a simulated webhook.
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer, Logger } from "effect"
import { bridge, infrastructure } from "../src/Bridge.ts"
import type { ChannelConfig } from "../src/config/ChannelConfig.ts"
import { parseConfig } from "../src/config/loadConfig.ts"
import { jsonLines } from "../src/logging.ts"
import type { WebhookPayload } from "../src/platforms/respondio/wire.ts"
import { openSqliteStore, sqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import type { DeadLetter } from "../src/stores/Store.ts"
import type { SqliteSettings } from "../src/stores/sqlite/settings.ts"
import { type DurableBackoff, RetryPolicy } from "../src/services/RetryPolicy.ts"
import { type ClickSendSimulator, startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { startTelnyxSimulator, type TelnyxSimulator } from "../src/providers/telnyx/simulator.ts"
import { startWebhookSimulator, type WebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import * as fs from "node:fs"
import type { DatabaseSync } from "node:sqlite"
import * as os from "node:os"
import * as path from "node:path"

export const secrets = {
  username: "acme-user",
  apiKey: "CS-API-KEY-5f1d2c3b4a",
  pushSecret: "push-secret-9a8b7c6d5e4f",
  tokenA: "aaaxczsadzxcasdacxzcasdaaaxczsadzxcasdacxzcasd",
  tokenB: "bbbtokenforthesecondchannel0123456789",
  telnyxKey: "KEY-telnyx-0123456789abcdef"
}

export const fastRetry = (delivery: Partial<DurableBackoff> = {}) =>
  Layer.succeed(
    RetryPolicy,
    RetryPolicy.make({
      provider: { initialDelayMs: 5, maxDelayMs: 20, deadlineMs: 300 },
      delivery: { initialDelayMs: 5, maxDelayMs: 40, giveUpAfterMs: 60_000, ...delivery }
    })
  )

export interface Harness {
  readonly url: string
  readonly clicksend: ClickSendSimulator
  readonly telnyx: TelnyxSimulator
  readonly webhook: WebhookSimulator
  readonly storePath: string
  readonly config: ChannelConfig
  readonly deadLetters: () => Promise<ReadonlyArray<DeadLetter>>
  /** Waits (at most 15 s) until the webhook took `count` payloads, and returns them. */
  readonly delivered: (count: number) => Promise<Array<WebhookPayload>>
  readonly logs: Array<string>
  readonly post: (path: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number; json: any }>
  readonly send: (message: unknown, options?: { token?: string; channelId?: string; contactId?: string }) => Promise<{ status: number; json: any }>
}

export interface HarnessOptions {
  /** The provider the bridge is configured with (its simulator runs either way). */
  readonly use?: "clicksend" | "telnyx"
  readonly telnyxRefuse?: Record<string, { readonly code: string; readonly title: string; readonly detail?: string }>
  readonly twoChannels?: boolean
  /** The second channel's own webhook URL (channels[].webhookUrl), with twoChannels. */
  readonly salesWebhookUrl?: string
  readonly plugin?: "respond.io" | "is-messenger"
  readonly provider?: Record<string, unknown>
  readonly server?: Record<string, unknown>
  readonly refuse?: Record<string, string>
  readonly delivery?: Record<string, unknown>
  readonly platform?: Record<string, unknown>
  readonly quickReplies?: Record<string, unknown>
  /** The main channel's optOut settings (keywords, replies). */
  readonly optOut?: Record<string, unknown>
  readonly deliveryRetry?: Partial<DurableBackoff>
  /** Simulators to use instead of new ones (to stop and start the bridge in front of the same ClickSend); kept open. */
  readonly simulators?: { readonly clicksend: ClickSendSimulator; readonly webhook: WebhookSimulator }
  /** Reuse a store file (to test what survives a restart). */
  readonly storePath?: string
  /** Opens the store's connection (a test keeps it, to make the "disk" fail). */
  readonly connect?: (file: string) => DatabaseSync
}

/** Starts everything on loopback for one test; all of it stops when the test's scope closes. */
export const harness = (options: HarnessOptions = {}) =>
  Effect.gen(function*() {
    const clicksend = options.simulators?.clicksend ?? (yield* Effect.acquireRelease(
      Effect.promise(() =>
        startClickSendSimulator({ username: secrets.username, apiKey: secrets.apiKey, refuse: options.refuse ?? {} })
      ),
      (s) => Effect.promise(s.close)
    ))
    const telnyx = yield* Effect.acquireRelease(
      Effect.promise(() => startTelnyxSimulator({ apiKey: secrets.telnyxKey, refuse: options.telnyxRefuse ?? {} })),
      (s) => Effect.promise(s.close)
    )
    const webhook = options.simulators?.webhook ?? (yield* Effect.acquireRelease(
      Effect.promise(() => startWebhookSimulator([secrets.tokenA, secrets.tokenB])),
      (s) => Effect.promise(s.close)
    ))
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
    const channels = [
      {
        name: "main",
        channelId: "gfd8g7fd89dgfd",
        apiToken: "${TOKEN_A}",
        from: "+61411111111",
        numbers: ["+61411111111"],
        ...(options.optOut ? { optOut: options.optOut } : {})
      },
      ...(options.twoChannels
        ? [{
          name: "sales",
          channelId: "sales-channel",
          apiToken: "${TOKEN_B}",
          numbers: ["+61422222222"],
          ...(options.salesWebhookUrl ? { webhookUrl: options.salesWebhookUrl } : {})
        }]
        : [])
    ]
    const file = {
      server: { host: "127.0.0.1", port: 0, ...options.server },
      platform: {
        plugin: options.plugin ?? "respond.io",
        webhookUrl: `${webhook.url}/custom/channel/webhook/`,
        ...options.platform
      },
      provider: options.use === "telnyx"
        ? { plugin: "telnyx", baseUrl: telnyx.baseUrl, apiKey: "${TELNYX_KEY}", publicKey: telnyx.publicKey, timeoutMs: 1000, ...options.provider }
        : {
          plugin: "clicksend",
          baseUrl: clicksend.baseUrl,
          username: "${CS_USER}",
          apiKey: "${CS_KEY}",
          pushSecret: "${PUSH_SECRET}",
          timeoutMs: 1000,
          // Its calls would mix with what a test counts: the catch-up's own tests turn it on.
          reconcile: { enabled: false },
          ...options.provider
        },
      channels,
      store: { path: options.storePath ?? path.join(dir, "channel.db") },
      ...(options.delivery ? { delivery: options.delivery } : {}),
      ...(options.quickReplies ? { quickReplies: options.quickReplies } : {})
    }
    const env = {
      CS_USER: secrets.username,
      CS_KEY: secrets.apiKey,
      PUSH_SECRET: secrets.pushSecret,
      TOKEN_A: secrets.tokenA,
      TOKEN_B: secrets.tokenB,
      TELNYX_KEY: secrets.telnyxKey
    }
    const config = yield* parseConfig("test.json", JSON.stringify(file), env)
    const logs: Array<string> = []
    // The production logger (JSON lines, phones masked), into an array.
    const capture = Logger.replace(
      Logger.defaultLogger,
      jsonLines(true).pipe(Logger.map((line) => void logs.push(line)))
    )
    const context = yield* Layer.build(
      bridge(config, infrastructure(fastRetry(options.deliveryRetry)), sqliteStore(options.connect)).pipe(Layer.provide(capture))
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""

    const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(url + p, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body)
      })
      const text = await response.text()
      return { status: response.status, json: text ? JSON.parse(text) : undefined }
    }
    const send: Harness["send"] = (message, o = {}) =>
      post("/message", {
        channelId: o.channelId ?? "gfd8g7fd89dgfd",
        contactId: o.contactId ?? "+60177872890",
        message
      }, { authorization: `Bearer ${o.token ?? secrets.tokenA}` })
    const storePath = (config.store as SqliteSettings).path
    // A second connection to the store, as the command line would open it.
    const deadLetters = () => {
      const { close, store } = openSqliteStore(storePath)
      return Effect.runPromise(store.deadLetters()).finally(close)
    }
    const delivered = async (count: number) => {
      await waitWhile(() => webhook.payloads().length < count)
      return webhook.payloads()
    }
    telnyx.setWebhookUrl(`${url}/telnyx/webhook`)
    return { url, clicksend, telnyx, webhook, storePath, config, deadLetters, delivered, logs, post, send } satisfies Harness
  })

/**
 * Polls while `pending` holds, for at most `ms`: a bound for a test that is failing, generous enough for a busy
 * machine; a passing test goes on as soon as the awaited thing happened.
 */
export const waitWhile = async (pending: () => boolean | Promise<boolean>, ms = 15_000) => {
  for (const until = Date.now() + ms; (await pending()) && Date.now() < until;) await new Promise((r) => setTimeout(r, 10))
}

export const pushUrl = (h: Harness, kind: "push_message" | "delivery_receipt", secret = secrets.pushSecret) =>
  `${h.url}/clicksend/${kind}?secret=${encodeURIComponent(secret)}`

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

/** A loopback port nothing listens on: taken, then released. */
export { freePort } from "./postgresCluster.ts"
