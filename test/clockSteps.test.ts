// Steps of the wall clock (an NTP correction, a VM resumed) under a running bridge: Date.now is moved inside the
// real process by a preloaded module; nothing may stall, be sent twice, or stretch /message past its bound.
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { waitWhile } from "./harness.ts"
import { startProcess } from "./serverProcess.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const preload = path.join(import.meta.dirname, "shiftClock.ts")
const token = "clock-test-token-0123456789"
const secret = "clock-test-push-secret-0123"

describe("clock steps", () => {
  it("a step back or forward stalls no delivery, sends nothing twice, and leaves /message within its bound", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-clock-"))
    const shiftFile = path.join(dir, "shift")
    const webhook = await startWebhookSimulator([token])
    const clicksend = await startClickSendSimulator({ username: "u", apiKey: "k" })
    const configFile = path.join(dir, "channel.config.json")
    fs.writeFileSync(configFile, JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      platform: { plugin: "respond.io", webhookUrl: `${webhook.url}/hook` },
      provider: { plugin: "clicksend", baseUrl: clicksend.baseUrl, username: "u", apiKey: "k", pushSecret: secret, rateLimitPerSecond: 2, reconcile: { enabled: false } },
      channels: [{ name: "main", channelId: "clock", apiToken: token, from: "+61411111111", numbers: ["+61411111111"] }],
      delivery: { retry: { initialDelayMs: 500, maxDelayMs: 1000 } },
      store: { path: path.join(dir, "channel.db") }
    }))
    const server = startProcess(process.execPath, ["--import", preload, main, "--config", configFile], {
      env: { ...process.env, CLOCK_SHIFT_FILE: shiftFile }
    })
    const shift = async (ms: number) => {
      const said = `clock shifted by ${ms} ms`
      fs.writeFileSync(shiftFile, String(ms))
      server.child.kill("SIGUSR2")
      await waitWhile(() => !server.output.stderr.includes(said))
      expect(server.output.stderr).toContain(said)
    }
    const posted = (mId: string) => webhook.requests.filter((r) => JSON.parse(r.body).events[0].mId === mId)
    const deliveredOnce = async (mId: string) => {
      await waitWhile(() => !posted(mId).some((r) => r.status === 200))
      expect(posted(mId).filter((r) => r.status === 200)).toHaveLength(1)
    }
    try {
      const url = await server.url
      const push = (id: string, from = "+60177872890") =>
        fetch(`${url}/clicksend/push_message?secret=${secret}`, {
          method: "POST",
          body: new URLSearchParams({ message_id: id, from, to: "+61411111111", body: id })
        }).then((r) => r.status)
      // The /message bound: the provider's deadline and a little; a step must not stretch it (it took 59.7 s).
      const send = (text: string) =>
        fetch(`${url}/message`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ channelId: "clock", contactId: "+60177872890", message: { type: "text", text } }),
          signal: AbortSignal.timeout(20_000)
        }).then((r) => r.status, (e: Error) => e.name)

      // Before any step: both rate limiters and the worker have timings behind them.
      expect(await push("BEFORE")).toBe(200)
      await deliveredOnce("BEFORE")
      expect(await Promise.all([send("one"), send("two"), send("three")])).toEqual([200, 200, 200])

      // Ten minutes back: a new push is delivered at once, and /message is answered within its bound.
      await shift(-600_000)
      expect(await push("AFTER-BACK")).toBe(200)
      await deliveredOnce("AFTER-BACK")
      expect(await Promise.all([send("four"), send("five"), send("six")])).toEqual([200, 200, 200])
      expect(clicksend.sentSms().map((m) => m.body).sort()).toEqual(["five", "four", "one", "six", "three", "two"])

      // An event waiting for its retry (3 s, as Retry-After asks) when the clock goes 90 s further back still comes.
      webhook.script({ status: 503, body: "down", headers: { "retry-after": "3" } })
      expect(await push("RETRYING")).toBe(200)
      await waitWhile(() => posted("RETRYING").length === 0)
      expect(posted("RETRYING").map((r) => r.status)).toEqual([503])
      await shift(-690_000)
      await deliveredOnce("RETRYING")

      // An hour forward while 20 deliveries (of 20 contacts) are in flight, the webhook holding its answers: none is
      // posted twice (leases end with their attempt, never by time: this guards that it stays so).
      webhook.script(...Array.from({ length: 20 }, () => ({ status: 200, body: "OK", delayMs: 1500 })))
      const burst = Array.from({ length: 20 }, (_, i) => `FWD-${i}`)
      expect(await Promise.all(burst.map((id, i) => push(id, `+601000000${String(i).padStart(2, "0")}`)))).toEqual(burst.map(() => 200))
      await waitWhile(() => webhook.requests.filter((r) => r.body.includes("FWD-")).length === 0)
      await shift(3_600_000)
      for (const id of burst) await deliveredOnce(id)
      expect(burst.map((id) => posted(id).length)).toEqual(burst.map(() => 1))
    } finally {
      server.child.kill("SIGTERM")
      await server.exited
      await webhook.close()
      await clicksend.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
