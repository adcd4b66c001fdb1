// Crash: the server is killed with SIGKILL in the middle of a burst; after a restart, every push it answered
// 200 reaches the webhook (a duplicate, if any, carries the same mId).
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { startTelnyxSimulator } from "../src/providers/telnyx/simulator.ts"
import { startProcess } from "./serverProcess.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const token = "crash-test-token-0123456789"
const secret = "crash-test-push-secret-0123"

const startServer = (configFile: string) => startProcess(process.execPath, [main, "--config", configFile])

const clicksend = { plugin: "clicksend", baseUrl: "http://127.0.0.1:1/v3", username: "u", apiKey: "k", pushSecret: secret, reconcile: { enabled: false } }

/** A configuration in a fresh folder (store included) whose webhook is `webhookUrl`; the provider's API is not used. */
const configFor = (webhookUrl: string, extra: Record<string, unknown> = {}, provider: Record<string, unknown> = clicksend) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-crash-"))
  const file = path.join(dir, "channel.config.json")
  fs.writeFileSync(file, JSON.stringify({
    server: { host: "127.0.0.1", port: 0 },
    platform: { plugin: "respond.io", webhookUrl: `${webhookUrl}/hook` },
    provider,
    channels: [{ name: "main", channelId: "crash", apiToken: token, numbers: ["+61411111111"] }],
    store: { path: path.join(dir, "channel.db") },
    ...extra
  }))
  return file
}

/** How each provider delivers a contact's message (its text is its id) to the bridge at `url`; true once answered 200. */
interface CrashProvider {
  readonly name: string
  readonly start: () => Promise<{
    readonly settings: Record<string, unknown>
    readonly push: (url: string, id: string, from: string) => Promise<boolean>
    readonly close: () => Promise<void>
  }>
}

const providers: ReadonlyArray<CrashProvider> = [
  {
    name: "clicksend",
    start: async () => ({
      settings: clicksend,
      push: (url, id, from) =>
        fetch(`${url}/clicksend/push_message?secret=${secret}`, {
          method: "POST",
          body: new URLSearchParams({ message_id: id, from, to: "+61411111111", body: id, timestamp: "1775012927" })
        }).then((r) => r.status === 200, () => false),
      close: async () => undefined
    })
  },
  {
    name: "telnyx",
    start: async () => {
      const telnyx = await startTelnyxSimulator({ apiKey: "k" })
      return {
        settings: { plugin: "telnyx", baseUrl: "http://127.0.0.1:1/v2", apiKey: "k", publicKey: telnyx.publicKey },
        push: (url, id, from) => {
          telnyx.setWebhookUrl(`${url}/telnyx/webhook`)
          return telnyx.webhook("message.received", { ...telnyx.inbound(from, "+61411111111", id), id }).then((r) => r.status === 200, () => false)
        },
        close: telnyx.close
      }
    }
  }
]

describe.each(providers)("crash: $name", (provider) => {
  it("pushes answered 200 before a SIGKILL are delivered after the restart", async () => {
    // A slow webhook, so that a backlog is waiting in the outbox when the process dies.
    const webhook = await startWebhookSimulator([token])
    webhook.script(...Array(40).fill({ status: 200, body: "OK", delayMs: 50 }))
    const simulated = await provider.start()
    const configFile = configFor(webhook.url, { delivery: { rateLimitPerSecond: 30 } }, simulated.settings)
    const first = startServer(configFile)
    const answered: Array<string> = []
    try {
      const url = await first.url
      const pushes = Array.from({ length: 120 }, (_, i) => `CRASH-${i}`)
      let sent = 0
      const sender = async () => {
        while (sent < pushes.length) {
          const id = pushes[sent++]!
          if (answered.length === 60) first.child.kill("SIGKILL")
          if (await simulated.push(url, id, `+6010000${String(sent % 7).padStart(4, "0")}`)) answered.push(id)
        }
      }
      await Promise.all(Array.from({ length: 8 }, sender))
      await first.exited
      expect(answered.length).toBeGreaterThanOrEqual(60)
      expect(answered.length).toBeLessThan(120)
      const deliveredBeforeRestart = new Set(webhook.payloads().map((p) => p.events[0].mId))
      expect(deliveredBeforeRestart.size).toBeLessThan(answered.length)

      const second = startServer(configFile)
      try {
        await second.url
        const until = Date.now() + 30_000
        const delivered = () => new Set(webhook.payloads().map((p) => p.events[0].mId))
        while (answered.some((id) => !delivered().has(id)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
        expect(answered.filter((id) => !delivered().has(id))).toEqual([])
        // Whatever arrived twice is the same event: same mId, same text.
        for (const p of webhook.payloads()) {
          const e = p.events[0]
          expect(e.type === "message" && e.message.type === "text" && e.message.text).toBe(e.mId)
        }
      } finally {
        second.child.kill("SIGTERM")
        await second.exited
      }
    } finally {
      first.child.kill("SIGKILL")
      await webhook.close()
      await simulated.close()
    }
  }, 90_000)
})

describe("crash", () => {
  it("SIGTERM with a delivery in flight: a push during shutdown is answered or refused, never left hanging; exit 0", async () => {
    const webhook = await startWebhookSimulator([token])
    webhook.script({ status: 200, body: "OK", delayMs: 2000 })
    const configFile = configFor(webhook.url)
    const server = startServer(configFile)
    try {
      const url = await server.url
      const pushOne = (id: string) =>
        fetch(`${url}/clicksend/push_message?secret=${secret}`, {
          method: "POST",
          body: new URLSearchParams({ message_id: id, from: "+60177872890", to: "+61411111111", body: id }),
          signal: AbortSignal.timeout(8000)
        }).then((r) => `HTTP ${r.status}`, (e: Error) => e.name)
      expect(await pushOne("T-1")).toBe("HTTP 200")
      while (webhook.requests.length === 0) await new Promise((r) => setTimeout(r, 10))
      const stoppedAt = Date.now()
      server.child.kill("SIGTERM")
      await new Promise((r) => setTimeout(r, 300))
      const during = await pushOne("T-2")
      expect(["HTTP 200", "TypeError"]).toContain(during)
      await server.exited
      expect(server.child.exitCode).toBe(0)
      // It waited for the attempt in flight (about 2 s), not for the whole drain deadline (25 s).
      expect(Date.now() - stoppedAt).toBeGreaterThan(1500)
      expect(Date.now() - stoppedAt).toBeLessThan(12_000)
      expect(webhook.requests.filter((r) => r.status === 200)).toHaveLength(1)
    } finally {
      server.child.kill("SIGKILL")
      await webhook.close()
    }
  }, 60_000)
})
