// `channel-server demo` (`npm run demo`): the bridge between a simulated provider and a simulated platform webhook, all on loopback.
import { HttpServer } from "@effect/platform"
import { Context, Effect, Either, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { bridge } from "./Bridge.ts"
import { parseConfig } from "./config/loadConfig.ts"
import { loggerFor } from "./logging.ts"
import { defaultPlatform, demos, platforms } from "./registry.ts"

export interface DemoOptions {
  /** Exit after the scripted hops instead of serving until Ctrl-C. */
  readonly once: boolean
  /** The bridge's port; 0 picks a free one. */
  readonly port: number
  /** The simulated provider (a plugin name); the registry's first when undefined. */
  readonly provider: string | undefined
}

// Demo-only credentials: nothing real is ever called.
const demo = {
  token: "demo-channel-token",
  adminToken: "demo-admin-token-for-this-demo-only",
  channelId: "demo-channel",
  number: "+61411111111",
  contact: "+60177872890"
}

const hop = (text: string) => Effect.sync(() => console.log(`\n==> ${text}`))
const say = (line: string) => console.log(`==> ${line}`)

const waitUntil = (check: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50))
  })

const post = (url: string, init: RequestInit) =>
  Effect.promise(() => fetch(url, init).then(async (r) => `HTTP ${r.status} ${await r.text()}`))

/** The bridge between a simulated provider and a simulated webhook, one message each way. */
export const runDemo = (options: DemoOptions) => Effect.gen(function*() {
  const name = options.provider ?? Object.keys(demos)[0]!
  const start = demos[name]
  if (!start) return yield* Effect.fail(new Error(`no provider named ${name}; one of ${Object.keys(demos).join(", ")}`))
  const provider = yield* Effect.acquireRelease(Effect.promise(() => start(say)), (p) => Effect.promise(p.close))
  const webhook = yield* Effect.acquireRelease(
    Effect.promise(() => platforms[defaultPlatform.plugin].simulator([demo.token], say)),
    (s) => Effect.promise(s.close)
  )
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-demo-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const config = yield* Either.mapLeft(
    parseConfig("(demo)", JSON.stringify({
      server: { host: "127.0.0.1", port: options.port, adminToken: demo.adminToken },
      platform: { plugin: defaultPlatform.plugin, webhookUrl: webhook.url },
      provider: provider.settings,
      channels: [{ name: "demo", channelId: demo.channelId, apiToken: demo.token, from: demo.number, numbers: [demo.number] }],
      store: { path: path.join(dir, "channel.db") }
    }), {}),
    (e) => new Error(e.message)
  )
  const context = yield* Layer.build(bridge(config))
  const address = Context.get(context, HttpServer.HttpServer).address
  const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
  provider.bridgeAt(url)

  yield* hop(`Outgoing: the platform -> POST ${url}/message -> ${name}`)
  say(yield* post(`${url}/message`, {
    method: "POST",
    headers: { authorization: `Bearer ${demo.token}`, "content-type": "application/json" },
    body: JSON.stringify({ channelId: demo.channelId, contactId: demo.contact, message: { type: "text", text: "Hello World" } })
  }))
  yield* hop(`Delivery receipt: ${name} -> the bridge -> webhook status`)
  yield* waitUntil(webhook.gotStatus)

  yield* hop(`Incoming: a customer texts back -> ${name} -> the bridge -> webhook`)
  say(yield* Effect.promise(() => provider.customerTexts(demo.contact, demo.number, "Hi! Is my order ready?")))
  yield* waitUntil(webhook.gotMessage)

  if (options.once) return
  console.log(`
The bridge is listening on ${url} (Ctrl-C stops everything). Its console: ${url}/console (admin token: ${demo.adminToken}).
Try it yourself:

  curl -s -X POST ${url}/message -H 'authorization: Bearer ${demo.token}' -H 'content-type: application/json' \\
    -d '{"channelId":"${demo.channelId}","contactId":"${demo.contact}","message":{"type":"quick_reply","title":"Pick a language","replies":["Malay","English"]}}'

${provider.tryIt(demo.contact, demo.number)}

  curl -s -X POST ${url}/message -H 'authorization: Bearer wrong' -d '{}'
`)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(loggerFor({ level: "info", format: "pretty" })))
