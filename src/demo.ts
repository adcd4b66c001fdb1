// `channel-server demo` (`npm run demo`): the bridge between a simulated ClickSend and a simulated respond.io webhook, all on loopback.
import { HttpServer } from "@effect/platform"
import { Context, Effect, Either, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { bridge } from "./Bridge.ts"
import { parseConfig } from "./config/loadConfig.ts"
import { loggerFor } from "./logging.ts"
import { startClickSendSimulator } from "./providers/clicksend/simulator.ts"
import type { Recorded } from "./simulators/httpFake.ts"
import { startWebhookSimulator } from "./simulators/WebhookSimulator.ts"

export interface DemoOptions {
  /** Exit after the scripted hops instead of serving until Ctrl-C. */
  readonly once: boolean
  /** The bridge's port; 0 picks a free one. */
  readonly port: number
}

// Demo-only credentials: nothing real is ever called.
const demo = {
  token: "demo-channel-token",
  channelId: "demo-channel",
  secret: "demo-push-secret-0123456789",
  number: "+61411111111",
  contact: "+60177872890"
}

const hop = (text: string) => Effect.sync(() => console.log(`\n==> ${text}`))
const say = (line: string) => console.log(`==> ${line}`)

const describeClickSend = (r: Recorded) => {
  if (r.path !== "/v3/sms/send" && r.path !== "/v3/mms/send") return
  for (const m of JSON.parse(r.body).messages ?? []) say(`[simulated ClickSend] SMS to ${m.to}: ${JSON.stringify(m.body)} (HTTP ${r.status})`)
}
const describeWebhook = (r: Recorded) => {
  const payload = JSON.parse(r.body)
  for (const e of payload.events ?? []) {
    const what = e.type === "message" ? `message ${JSON.stringify(e.message.text)} from ${payload.contactId}` : `status "${e.status.value}" of mId ${e.mId}`
    say(`[simulated respond.io webhook] ${what} (answered HTTP ${r.status})`)
  }
}

const waitUntil = (check: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50))
  })

const post = (url: string, init: RequestInit) =>
  Effect.promise(() => fetch(url, init).then(async (r) => `HTTP ${r.status} ${await r.text()}`))

/** The bridge between a simulated ClickSend and a simulated respond.io webhook, one message each way. */
export const runDemo = (options: DemoOptions) => Effect.gen(function*() {
  const clicksend = yield* Effect.acquireRelease(
    Effect.promise(() => startClickSendSimulator({ username: "demo", apiKey: "demo-key", receiptDelayMs: 300, onRequest: describeClickSend })),
    (s) => Effect.promise(s.close)
  )
  const webhook = yield* Effect.acquireRelease(
    Effect.promise(() => startWebhookSimulator([demo.token], { onRequest: describeWebhook })),
    (s) => Effect.promise(s.close)
  )
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-demo-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const config = yield* Either.mapLeft(
    parseConfig("(demo)", JSON.stringify({
      server: { host: "127.0.0.1", port: options.port },
      platform: { plugin: "respond.io", webhookUrl: `${webhook.url}/custom/channel/webhook/` },
      provider: { plugin: "clicksend", baseUrl: clicksend.baseUrl, username: "demo", apiKey: "demo-key", pushSecret: demo.secret },
      channels: [{ name: "demo", channelId: demo.channelId, apiToken: demo.token, from: demo.number, numbers: [demo.number] }],
      store: { path: path.join(dir, "channel.db") }
    }), {}),
    (e) => new Error(e.message)
  )
  const context = yield* Layer.build(bridge(config))
  const address = Context.get(context, HttpServer.HttpServer).address
  const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
  clicksend.setReceiptUrl(`${url}/clicksend/delivery_receipt?secret=${demo.secret}`)

  yield* hop(`Outgoing: respond.io -> POST ${url}/message -> ClickSend`)
  say(yield* post(`${url}/message`, {
    method: "POST",
    headers: { authorization: `Bearer ${demo.token}`, "content-type": "application/json" },
    body: JSON.stringify({ channelId: demo.channelId, contactId: demo.contact, message: { type: "text", text: "Hello World" } })
  }))
  yield* hop("Delivery receipt: ClickSend -> /clicksend/delivery_receipt -> webhook status")
  yield* waitUntil(() => webhook.payloads().some((p) => p.events[0].type === "message_status"))

  yield* hop("Incoming: a customer texts back -> ClickSend -> /clicksend/push_message -> webhook")
  say(yield* post(`${url}/clicksend/push_message?secret=${demo.secret}`, {
    method: "POST",
    body: new URLSearchParams({ timestamp: String(Math.floor(Date.now() / 1000)), from: demo.contact, to: demo.number, body: "Hi! Is my order ready?", message_id: `DEMO-${Date.now()}` })
  }))
  yield* waitUntil(() => webhook.payloads().some((p) => p.events[0].type === "message"))

  if (options.once) return
  console.log(`
The bridge is listening on ${url} (Ctrl-C stops everything). Try it yourself:

  curl -s -X POST ${url}/message -H 'authorization: Bearer ${demo.token}' -H 'content-type: application/json' \\
    -d '{"channelId":"${demo.channelId}","contactId":"${demo.contact}","message":{"type":"quick_reply","title":"Pick a language","replies":["Malay","English"]}}'

  curl -s -X POST '${url}/clicksend/push_message?secret=${demo.secret}' \\
    -d 'from=${encodeURIComponent(demo.contact)}&to=${encodeURIComponent(demo.number)}&body=2&message_id=MY-OWN-1&timestamp=1775012927'

  curl -s -X POST ${url}/message -H 'authorization: Bearer wrong' -d '{}'
`)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(loggerFor({ level: "info", format: "pretty" })))
