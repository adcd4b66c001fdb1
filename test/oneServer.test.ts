// One server per store: a second `serve` on the same store stops before touching it, and a start that fails
// (port taken) changes nothing in it; the command line still works beside the running server.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { freePort, waitWhile } from "./harness.ts"
import { startProcess } from "./serverProcess.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const secret = "one-server-push-secret-0123"
const channels = {
  main: { name: "main", channelId: "one-main", apiToken: "one-token-main-0123456789", numbers: ["+61411111111"] },
  sales: { name: "sales", channelId: "one-sales", apiToken: "one-token-sales-0123456789", numbers: ["+61422222222"] }
}

const run = (args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [main, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }))
  )

const depthOf = (storePath: string) => {
  const { close, store } = openSqliteStore(storePath)
  try {
    return Object.fromEntries(Effect.runSync(store.depth()))
  } finally {
    close()
  }
}

describe("one server per store", () => {
  it("a second serve exits with one line naming the holder and changes nothing; a failed start changes nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-one-"))
    const storePath = path.join(dir, "channel.db")
    const webhookPort = await freePort() // nothing listens there yet: every delivery fails and is retried
    const config = (name: string, list: Array<object>, port = 0) => {
      const file = path.join(dir, `${name}.json`)
      fs.writeFileSync(file, JSON.stringify({
        server: { host: "127.0.0.1", port },
        platform: { plugin: "respond.io", webhookUrl: `http://127.0.0.1:${webhookPort}/hook` },
        provider: { plugin: "clicksend", baseUrl: "http://127.0.0.1:1/v3", username: "u", apiKey: "k", pushSecret: secret, reconcile: { enabled: false } },
        channels: list,
        delivery: { retry: { initialDelayMs: 50, maxDelayMs: 200 } },
        store: { path: storePath }
      }))
      return file
    }
    const both = config("both", [channels.main, channels.sales])
    const first = startProcess(process.execPath, [main, "--config", both])
    try {
      const url = await first.url
      for (let i = 0; i < 5; i++) {
        const status = await fetch(`${url}/clicksend/push_message?secret=${secret}`, {
          method: "POST",
          body: new URLSearchParams({ message_id: `ONE-${i}`, from: `+6010000000${i}`, to: "+61422222222", body: `m${i}` })
        }).then((r) => r.status)
        expect(status).toBe(200)
      }
      const before = depthOf(storePath)
      expect(before["one-sales"]).toEqual({ outbox: 5, deadLetters: 0 })

      // Without the sales channel, on the same port and on another: both stop at the store's lock.
      const port = Number(new URL(url).port)
      for (const file of [config("same-port", [channels.main], port), config("other-port", [channels.main])]) {
        const second = await run(["--config", file])
        expect(second.code).not.toBe(0)
        expect(second.stderr).toBe(
          `the store ${storePath} is in use by another server (process ${first.child.pid}); stop it first, or give this one another store.path\n`
        )
        expect(second.stdout).toBe("")
      }
      expect(depthOf(storePath)).toEqual(before)
      // The command line works beside the running server.
      expect(await run(["dead-letters", "list", "--config", both])).toMatchObject({ code: 0, stdout: "no dead letters\n" })

      // The webhook comes back: the running server delivers each event once (its leases were never freed).
      const webhook = await startWebhookSimulator([channels.sales.apiToken], { port: webhookPort })
      try {
        await waitWhile(() => webhook.payloads().length < 5)
        await new Promise((r) => setTimeout(r, 300))
        expect(webhook.payloads().map((p) => p.events[0].mId).sort()).toEqual(["ONE-0", "ONE-1", "ONE-2", "ONE-3", "ONE-4"])
      } finally {
        await webhook.close()
      }
    } finally {
      first.child.kill("SIGTERM")
      await first.exited
    }

    // A start that fails on a taken port, with a configuration lacking a channel that has pending events:
    // the events are not abandoned (nothing in the store changes before the port is taken).
    const pending = startProcess(process.execPath, [main, "--config", both])
    const pendingUrl = await pending.url
    await fetch(`${pendingUrl}/clicksend/push_message?secret=${secret}`, {
      method: "POST",
      body: new URLSearchParams({ message_id: "ONE-LATE", from: "+60100000009", to: "+61422222222", body: "late" })
    })
    pending.child.kill("SIGKILL")
    await pending.exited
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    try {
      const before = depthOf(storePath)
      expect(before["one-sales"]).toEqual({ outbox: 1, deadLetters: 0 })
      const taken = await run(["--config", config("taken", [channels.main], (blocker.address() as net.AddressInfo).port)])
      expect(taken.code).toBe(1)
      expect(taken.stderr).toMatch(/^cannot listen: listen EADDRINUSE/)
      expect(depthOf(storePath)).toEqual(before)
    } finally {
      blocker.close()
    }
  }, 150_000)
})
