// The bridge on PostgreSQL as an operator runs it: a process whose store is a database of its own cluster (this file
// stops and starts that cluster: an outage), the dead-letters command line against the same database, and a password
// in the URL that appears nowhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { type PostgresCluster, startPostgres } from "./postgresCluster.ts"
import { startProcess } from "./serverProcess.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const token = "pg-e2e-test-token-0123456789"
const secret = "pg-e2e-test-push-secret-0123"
const password = "Db-Pa55word-never-shown"

let cluster: PostgresCluster
beforeAll(async () => {
  cluster = await startPostgres()
})
afterAll(() => cluster?.stop())

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const waitFor = async (what: string, done: () => boolean | Promise<boolean>, ms = 30_000) => {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (await done()) return
  throw new Error(`${what}: not within ${ms / 1000} s`)
}

const cli = (args: Array<string>, env: Record<string, string | undefined>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [main, ...args], { timeout: 60_000, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }))
  )

describe("the bridge on PostgreSQL", () => {
  it("serves, keeps dead letters the command line lists and replays, answers 503 through an outage and recovers by itself", async () => {
    const webhook = await startWebhookSimulator([token])
    const url = new URL(cluster.createDatabase("bridge"))
    url.username = "postgres"
    url.password = password
    const env = { ...process.env, DATABASE_URL: url.toString() }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-pg-e2e-"))
    const configFile = path.join(dir, "channel.config.json")
    fs.writeFileSync(configFile, JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      platform: { plugin: "respond.io", webhookUrl: `${webhook.url}/hook` },
      provider: { plugin: "clicksend", baseUrl: "http://127.0.0.1:1/v3", username: "u", apiKey: "k", pushSecret: secret, reconcile: { enabled: false } },
      channels: [{ name: "main", channelId: "pg", apiToken: token, numbers: ["+61411111111"] }],
      store: { plugin: "postgres", url: "${DATABASE_URL}" }
    }))
    const server = startProcess(process.execPath, [main, "--config", configFile], { env })
    try {
      const base = await server.url
      const push = (id: string) =>
        fetch(`${base}/clicksend/push_message?secret=${secret}`, {
          method: "POST",
          body: new URLSearchParams({ message_id: id, from: "+60177872890", to: "+61411111111", body: id }),
          signal: AbortSignal.timeout(20_000)
        }).then((r) => r.status)
      const delivered = () => webhook.payloads().map((p) => p.events[0].mId)
      const ready = () => fetch(`${base}/readyz`).then(async (r) => ({ status: r.status, json: await r.json() as Record<string, unknown> }))

      // Ready, and (a moment later: it takes the channel's lease) delivering its only channel.
      expect(await ready()).toMatchObject({ status: 200, json: { status: "ready", database: `postgres 127.0.0.1:${cluster.port}/bridge` } })
      await waitFor("delivering", async () => ((await ready()).json.delivering as Array<string>).includes("main"))
      expect(await push("PG-1")).toBe(200)
      await waitFor("PG-1 delivered", () => delivered().includes("PG-1"))

      // A refused event is a dead letter the command line sees in the same database, and sends again.
      webhook.script({ status: 422 })
      expect(await push("PG-2")).toBe(200)
      let list = { code: -1, stdout: "", stderr: "" }
      await waitFor("PG-2 dead", async () => (list = await cli(["dead-letters", "list", "--config", configFile], env)).stdout.includes("PG-2"))
      expect(list.code).toBe(0)
      expect(list.stdout).toMatch(/main\s+event\s+PG-2\s+1\s+the respond\.io webhook refused the event: HTTP 422/)
      const id = list.stdout.trim().split("\n")[1]!.trim().split(/\s+/)[0]!
      expect(await cli(["dead-letters", "replay", id, "--config", configFile], env)).toMatchObject({ code: 0, stdout: `${id}: back in the outbox\n` })
      await waitFor("PG-2 replayed", () => delivered().includes("PG-2"))

      // The database goes away: pushes are refused with 503 (the provider sends them again), /readyz says why.
      cluster.pause()
      expect(await push("PG-3")).toBe(503)
      const down = await ready()
      expect(down.status).toBe(503)
      expect(down.json).toMatchObject({ status: "not ready", store: "unavailable" })
      expect(String(down.json.storeProblem)).toMatch(/^the database \(postgres 127\.0\.0\.1:\d+\/bridge\) /)

      // While it is down the channel's worker stops (it cannot claim) and lets the channel go: no replica could
      // renew its lease.
      await waitFor("the channel let go", async () => ((await ready()).json.delivering as Array<string>).length === 0)
      // It comes back: readiness, pushes and delivery resume with no one touching the bridge.
      cluster.resume()
      await waitFor("ready again", async () => (await ready()).status === 200)
      expect(await push("PG-3")).toBe(200)
      await waitFor("PG-3 delivered", () => delivered().includes("PG-3"), 45_000)
      expect(delivered().filter((m) => m === "PG-3")).toHaveLength(1)
      await waitFor("delivering again", async () => ((await ready()).json.delivering as Array<string>).includes("main"))
    } finally {
      server.child.kill("SIGTERM")
      await server.exited
      await webhook.close()
    }
    expect(server.child.exitCode).toBe(0)
    const output = server.output.stdout + server.output.stderr
    expect(output).toContain("the store cannot write")
    expect(output).toContain("the store commits again")
    expect(output).not.toContain(password)
  }, 150_000)
})
