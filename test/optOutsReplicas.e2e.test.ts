// Opt-outs across replicas: STOP taken by one bridge process on PostgreSQL is honoured by the other at once; the
// console's API answers alike on either (who delivers the channel, the opt-outs and their refs).
import { describe, expect, inject, it } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type ClickSendSimulator, startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { startWebhookSimulator, type WebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { freshDatabase } from "./postgresCluster.ts"
import { startProcess } from "./serverProcess.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const token = "optout-replicas-token-0123456789"
const secret = "optout-replicas-push-secret"

const adminToken = "replicas-admin-token-0123456789abcdef"

/** Two bridge processes on one fresh database, between a simulated ClickSend and webhook, for `use`; all stopped after. */
const twoReplicas = async (use: (urls: ReadonlyArray<string>, sims: { readonly clicksend: ClickSendSimulator; readonly webhook: WebhookSimulator }) => Promise<void>) => {
  const webhook = await startWebhookSimulator([token])
  const clicksend = await startClickSendSimulator({ username: "u", apiKey: "k" })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-optout-"))
  const configFile = path.join(dir, "channel.config.json")
  fs.writeFileSync(configFile, JSON.stringify({
    server: { host: "127.0.0.1", port: 0, adminToken },
    platform: { plugin: "respond.io", webhookUrl: `${webhook.url}/hook` },
    provider: { plugin: "clicksend", baseUrl: clicksend.baseUrl, username: "u", apiKey: "k", pushSecret: secret, reconcile: { enabled: false } },
    channels: [{ name: "main", channelId: "optout", apiToken: token, numbers: ["+61411111111"] }],
    store: { plugin: "postgres", url: "${DATABASE_URL}" }
  }))
  const env = { ...process.env, DATABASE_URL: freshDatabase(inject("postgresAdminUrl")) }
  const replicas = [0, 1].map(() => startProcess(process.execPath, [main, "--config", configFile], { env }))
  try {
    await use(await Promise.all(replicas.map((r) => r.url)), { clicksend, webhook })
  } finally {
    for (const r of replicas) r.child.kill("SIGTERM")
    await Promise.all(replicas.map((r) => r.exited))
    await webhook.close()
    await clicksend.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe("opt-outs on PostgreSQL", () => {
  it("a STOP pushed to one replica refuses /message at the other before any provider call; START at the other restores it", async () => {
    await twoReplicas(async ([a, b], { clicksend, webhook }) => {
      const text = (url: string, id: string, body: string) =>
        fetch(`${url}/clicksend/push_message?secret=${secret}`, {
          method: "POST",
          body: new URLSearchParams({ message_id: id, from: "+60177872890", to: "+61411111111", body })
        }).then((r) => r.status)
      const send = (url: string, body: string) =>
        fetch(`${url}/message`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ channelId: "optout", contactId: "+60177872890", message: { type: "text", text: body } })
        }).then(async (r) => ({ status: r.status, json: await r.json() as { error?: { message: string } } }))

      expect(await text(a!, "IN-1", "STOP")).toBe(200)
      const refused = await send(b!, "Offer")
      expect(refused.status).toBe(422)
      expect(refused.json.error?.message).toMatch(/opted out of this channel \(STOP on /)
      expect(clicksend.sentSms()).toHaveLength(0)
      expect(await text(b!, "IN-2", "START")).toBe(200)
      expect((await send(a!, "Welcome back")).status).toBe(200)
      expect(clicksend.sentSms().map((s) => s.body)).toEqual(["Welcome back"])
      // The STOP itself reached the platform, once.
      for (const until = Date.now() + 20_000; webhook.payloads().length < 2 && Date.now() < until;) await new Promise((r) => setTimeout(r, 50))
      expect(webhook.payloads().map((p) => p.events[0].mId).sort()).toEqual(["IN-1", "IN-2"])
    })
  }, 90_000)

  it("the console's API on either replica: one delivers the channel and both name it; an opt-out listed by one is removed at the other", async () => {
    await twoReplicas(async (urls) => {
      const admin = (url: string, route: string, body?: unknown) =>
        fetch(`${url}/admin/api/${route}`, {
          method: body === undefined ? "GET" : "POST",
          headers: { authorization: `Bearer ${adminToken}` },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        }).then(async (r) => ({ status: r.status, json: await r.json() as any }))
      const channels = () => Promise.all(urls.map(async (u) => (await admin(u!, "status")).json.channels[0]))
      let seen = await channels()
      for (const until = Date.now() + 20_000; !seen.some((c) => c.deliveredHere) && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 100))
        seen = await channels()
      }
      // Exactly one replica delivers the channel; both name the same owner; only the owner knows of a pause.
      expect(seen.map((c) => c.deliveredHere).sort()).toEqual([false, true])
      expect(seen[0].owner).toEqual(expect.any(String))
      expect(seen[1].owner).toBe(seen[0].owner)
      const other = seen.find((c) => !c.deliveredHere)
      expect(other).toMatchObject({ pausedUntil: null, failuresInARow: null, outbox: 0, deadLetters: 0 })

      expect(await admin(urls[0]!, "opt-outs", { channel: "main", contact: "+60177872890" })).toMatchObject({ status: 200, json: { outcome: "changed" } })
      const listed = await admin(urls[0]!, "opt-outs")
      expect((await admin(urls[1]!, "opt-outs")).json).toEqual(listed.json)
      expect(await admin(urls[1]!, "opt-outs/remove", { ref: listed.json.optOuts[0].ref })).toMatchObject({
        status: 200,
        json: { outcome: "changed", message: "+6017****890 opted back in to main" }
      })
      expect((await admin(urls[0]!, "opt-outs")).json).toEqual({ optOuts: [] })
    })
  }, 90_000)
})
