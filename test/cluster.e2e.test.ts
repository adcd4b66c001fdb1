// Three bridge processes on one PostgreSQL database, pushes spread across them in a burst, the channel's owner
// killed with SIGKILL mid-burst: every push answered 200 reaches the webhook, each contact's messages arrive in the
// order they were sent, no one-second window at the webhook holds more than the channel's limit, and another
// replica takes the channel over within the bound the README gives (store.leaseMs + 2 s), measured and reported.
import { describe, expect, inject, it } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { freshDatabase } from "./postgresCluster.ts"
import { type ServerProcess, startProcess } from "./serverProcess.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const token = "cluster-test-token-0123456789"
const secret = "cluster-test-push-secret-0123"
const limit = 20
const leaseMs = 10_000

const configFor = (webhookUrl: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-cluster-"))
  const file = path.join(dir, "channel.config.json")
  fs.writeFileSync(file, JSON.stringify({
    server: { host: "127.0.0.1", port: 0 },
    platform: { plugin: "respond.io", webhookUrl: `${webhookUrl}/hook` },
    provider: { plugin: "clicksend", baseUrl: "http://127.0.0.1:1/v3", username: "u", apiKey: "k", pushSecret: secret, reconcile: { enabled: false } },
    channels: [{ name: "main", channelId: "cluster", apiToken: token, numbers: ["+61411111111"] }],
    delivery: { rateLimitPerSecond: limit },
    store: { plugin: "postgres", url: "${DATABASE_URL}", leaseMs }
  }))
  return file
}

const readyz = (url: string) =>
  fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.json() as Promise<{ delivering: Array<string> }>, () => undefined)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("three replicas on one PostgreSQL database", () => {
  it("a burst across them survives the owner's SIGKILL: nothing lost, order kept, limit kept, takeover measured", async () => {
    const webhook = await startWebhookSimulator([token])
    // A webhook a little slow, so that a backlog is waiting (and some attempts are in flight) when the owner dies.
    webhook.script(...Array(60).fill({ status: 200, body: "OK", delayMs: 40 }))
    const databaseUrl = freshDatabase(inject("postgresAdminUrl"))
    const configFile = configFor(webhook.url)
    const env = { ...process.env, DATABASE_URL: databaseUrl }
    const replicas: Array<ServerProcess> = [0, 1, 2].map(() => startProcess(process.execPath, [main, "--config", configFile], { env }))
    try {
      const urls = await Promise.all(replicas.map((r) => r.url))
      // Exactly one replica delivers the channel.
      let owner = -1
      for (const until = Date.now() + 30_000; owner === -1 && Date.now() < until; await sleep(100)) {
        const states = await Promise.all(urls.map(readyz))
        const owners = states.flatMap((s, i) => (s?.delivering.includes("main") ? [i] : []))
        expect(owners.length).toBeLessThanOrEqual(1)
        owner = owners[0] ?? -1
      }
      expect(owner).toBeGreaterThanOrEqual(0)

      // Six contacts, each sending 20 texts one after another; each text to the next replica (the load balancer), and
      // to the one after when a replica does not answer (it was killed).
      const contacts = Array.from({ length: 6 }, (_, c) => `+6011000000${c}`)
      const perContact = 20
      const answered: Array<string> = []
      let killedAt = 0
      const pushOne = async (contact: string, n: number, at: number) => {
        const id = `${contact}#${String(n).padStart(2, "0")}`
        for (let tries = 0; tries < 6; tries++) {
          const url = urls[(at + tries) % urls.length]!
          const status = await fetch(`${url}/clicksend/push_message?secret=${secret}`, {
            method: "POST",
            body: new URLSearchParams({ message_id: id, from: contact, to: "+61411111111", body: id }),
            signal: AbortSignal.timeout(10_000)
          }).then((r) => r.status, () => 0)
          if (status === 200) return void answered.push(id)
        }
        throw new Error(`no replica took ${id}`)
      }
      await Promise.all(contacts.map(async (contact, c) => {
        for (let n = 0; n < perContact; n++) {
          if (killedAt === 0 && answered.length >= 40) {
            killedAt = Date.now()
            replicas[owner]!.child.kill("SIGKILL")
          }
          await pushOne(contact, n, c + n)
        }
      }))
      expect(killedAt).toBeGreaterThan(0)
      expect(answered).toHaveLength(contacts.length * perContact)

      // Another replica takes the channel over.
      const survivors = urls.filter((_, i) => i !== owner)
      let takenOverAt = 0
      for (const until = Date.now() + 30_000; takenOverAt === 0 && Date.now() < until; await sleep(100)) {
        const states = await Promise.all(survivors.map(readyz))
        const owners = states.filter((s) => s?.delivering.includes("main"))
        expect(owners.length).toBeLessThanOrEqual(1)
        if (owners.length === 1) takenOverAt = Date.now()
      }
      expect(takenOverAt).toBeGreaterThan(0)
      const takeoverMs = takenOverAt - killedAt
      console.log(`cluster: the channel was taken over ${(takeoverMs / 1000).toFixed(1)} s after its owner was killed (bound: leaseMs ${leaseMs / 1000} s + 2 s)`)
      expect(takeoverMs).toBeLessThanOrEqual(leaseMs + 2_000 + 3_000)

      // Every push answered 200 reaches the webhook (the dead owner's attempts in flight again, with the same mId).
      const texts = () => webhook.payloads().map((p) => { const e = p.events[0]; return e.type === "message" && e.message.type === "text" ? e.message.text : "" })
      for (const until = Date.now() + 60_000; answered.some((id) => !texts().includes(id)) && Date.now() < until;) await sleep(100)
      expect(answered.filter((id) => !texts().includes(id))).toEqual([])
      for (const p of webhook.payloads()) {
        const e = p.events[0]
        expect(e.type === "message" && e.message.type === "text" && e.message.text).toBe(e.mId)
      }
      // Each contact's texts first arrived in the order sent.
      for (const contact of contacts) {
        const firsts = [...new Set(texts().filter((t) => t.startsWith(`${contact}#`)))]
        expect(firsts).toEqual(firsts.toSorted())
      }
      // No one-second window at the webhook held more than the limit, across the owners.
      const times = webhook.requests.map((r) => r.at).sort((a, b) => a - b)
      expect(times.filter((t, i) => times[i + limit] !== undefined && times[i + limit]! - t < 1000)).toEqual([])
    } finally {
      for (const r of replicas) r.child.kill("SIGKILL")
      await Promise.all(replicas.map((r) => r.exited))
      await webhook.close()
    }
  }, 120_000)
})
