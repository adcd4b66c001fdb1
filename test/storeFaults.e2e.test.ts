// Readiness tells the truth: while the store cannot write (disk full, read-only, its file removed or replaced),
// /readyz is 503 and pushes are 503, never 200; once it can write again, both come back by themselves.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { form, harness, pushUrl, waitWhile } from "./harness.ts"
import { startProcess } from "./serverProcess.ts"

const inbound = (id: string) => ({ message_id: id, from: "+60177872890", to: "+61411111111", body: `text ${id}` })

const pushForm = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form(fields) })
    .then(async (r) => ({ status: r.status, json: (await r.json()) as any }))

const readyz = (url: string) => fetch(`${url}/readyz`).then(async (r) => ({ status: r.status, json: (await r.json()) as any }))

describe("store faults", () => {
  it.scopedLive("a store that cannot write: /readyz and pushes 503, nothing delivered; it heals once a write commits", () =>
    Effect.gen(function*() {
      let db: DatabaseSync | undefined
      const h = yield* harness({ connect: (file) => (db = new DatabaseSync(file)) })
      const attempt = yield* Effect.promise(() => pushForm(pushUrl(h, "push_message"), inbound("RO-1")))
      expect(attempt.status).toBe(200)
      yield* Effect.promise(() => h.delivered(1))
      // Its delivery recorded too (were the record to fail, RO-1 would be sent again once the store heals).
      yield* Effect.promise(() => waitWhile(async () => (await readyz(h.url)).json.channels.main.outbox > 0))

      // The file system went read-only under the server.
      db!.exec("PRAGMA query_only = 1")
      const refused = yield* Effect.promise(() => pushForm(pushUrl(h, "push_message"), inbound("RO-2")))
      expect(refused).toEqual({ status: 503, json: { error: { message: "the bridge cannot store this right now; send it again later" } } })
      const receipt = yield* Effect.promise(() =>
        pushForm(pushUrl(h, "delivery_receipt"), { message_id: "X", status_code: "201", custom_string: "ccs1|gfd8g7fd89dgfd|+60177872890|1|1" })
      )
      expect(receipt.status).toBe(503)
      const notReady = yield* Effect.promise(() => readyz(h.url))
      expect(notReady.status).toBe(503)
      expect(notReady.json).toMatchObject({ status: "not ready", store: "unavailable", storeProblem: expect.stringMatching(/cannot commit/) })
      expect(h.logs.some((l) => l.includes("the store cannot write") && l.includes("ERROR"))).toBe(true)
      // An SMS to send needs no store: it goes out, and the failure to remember it is logged.
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "still sending" }))).status).toBe(200)

      // Writable again: readiness comes back by itself (its own probe write), and so do pushes.
      db!.exec("PRAGMA query_only = 0")
      const ready = yield* Effect.promise(() => readyz(h.url))
      expect(ready).toMatchObject({ status: 200, json: { status: "ready", store: "open" } })
      expect(ready.json.storeProblem).toBeUndefined()
      expect((yield* Effect.promise(() => pushForm(pushUrl(h, "push_message"), inbound("RO-2")))).status).toBe(200)
      const delivered = yield* Effect.promise(() => h.delivered(2))
      expect(delivered.map((p) => p.events[0].mId)).toEqual(["RO-1", "RO-2"])
      expect(h.logs.some((l) => l.includes("the store commits again"))).toBe(true)
    }))

  it.scopedLive("an attempt whose record fails keeps its outcome and records it once the store heals: sent once, nothing stuck", () =>
    Effect.gen(function*() {
      let db: DatabaseSync | undefined
      const h = yield* harness({ connect: (file) => (db = new DatabaseSync(file)) })
      // The webhook holds its answer; meanwhile the store goes read-only, so "delivered" cannot be recorded.
      h.webhook.script({ status: 200, body: "OK", delayMs: 400 })
      expect((yield* Effect.promise(() => pushForm(pushUrl(h, "push_message"), inbound("REC-1")))).status).toBe(200)
      yield* Effect.promise(() => waitWhile(() => h.webhook.requests.length === 0))
      db!.exec("PRAGMA query_only = 1")
      const recordFailed = () => h.logs.some((l) => l.includes("the attempt could not be recorded") && l.includes("REC-1"))
      yield* Effect.promise(() => waitWhile(() => !recordFailed()))
      expect(recordFailed()).toBe(true)
      expect(h.webhook.payloads().map((p) => p.events[0].mId)).toEqual(["REC-1"])
      db!.exec("PRAGMA query_only = 0")
      yield* Effect.promise(() => waitWhile(async () => (await readyz(h.url)).json.channels.main.outbox > 0))
      expect((yield* Effect.promise(() => readyz(h.url))).json).toMatchObject({ status: "ready", channels: { main: { outbox: 0, deadLetters: 0 } } })
      // Recorded, not sent again.
      expect(h.webhook.requests.map((r) => JSON.parse(r.body).events[0].mId)).toEqual(["REC-1"])
    }))

  it("the store's write-ahead log deleted under the running process: 503s, never 200; after a restart all is well", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-gone-"))
    const token = "gone-test-token-0123456789"
    const secret = "gone-test-push-secret-0123"
    const storePath = path.join(dir, "channel.db")
    const webhook = await startWebhookSimulator([token])
    const configFile = path.join(dir, "channel.config.json")
    fs.writeFileSync(configFile, JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      platform: { plugin: "respond.io", webhookUrl: `${webhook.url}/hook` },
      provider: { plugin: "clicksend", baseUrl: "http://127.0.0.1:1/v3", username: "u", apiKey: "k", pushSecret: secret, reconcile: { enabled: false } },
      channels: [{ name: "main", channelId: "gone", apiToken: token, numbers: ["+61411111111"] }],
      store: { path: storePath }
    }))
    const main = path.join(import.meta.dirname, "..", "src", "main.ts")
    const start = () => startProcess(process.execPath, [main, "--config", configFile])
    const push = (url: string, id: string) => pushForm(`${url}/clicksend/push_message?secret=${secret}`, inbound(id))
    const mIds = () => webhook.payloads().map((p) => p.events[0].mId)
    let server = start()
    try {
      let url = await server.url
      expect((await push(url, "W-1")).status).toBe(200)
      await waitWhile(() => mIds().length < 1)
      fs.rmSync(`${storePath}-wal`)
      expect((await push(url, "W-2")).status).toBe(503)
      const notReady = await readyz(url)
      expect(notReady.status).toBe(503)
      expect(notReady.json.storeProblem).toMatch(/removed or replaced/)
      expect(server.output.stdout).toMatch(/the store cannot write/)

      server.child.kill("SIGTERM")
      expect(await server.exited).toBe(0)
      server = start()
      url = await server.url
      expect((await readyz(url)).status).toBe(200)
      expect((await push(url, "W-2")).status).toBe(200)
      await waitWhile(() => !mIds().includes("W-2"))
      // W-1's delivery was recorded only in the deleted log, so it may come again: at least once, same mId.
      expect(new Set(mIds())).toEqual(new Set(["W-1", "W-2"]))
    } finally {
      server.child.kill("SIGKILL")
      await server.exited
      await webhook.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
