// The real process, as an operator starts it: `node src/main.ts --config FILE`.
import { describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const env = {
  PATH: process.env.PATH,
  CLICKSEND_USERNAME: "ops-user",
  CLICKSEND_API_KEY: "KEY-NEVER-PRINTED",
  CLICKSEND_PUSH_SECRET: "push-secret-never-printed",
  RESPOND_CHANNEL_ID: "gfd8g7fd89dgfd",
  RESPOND_API_TOKEN: "TOKEN-NEVER-PRINTED"
}

const start = (args: Array<string>, extraEnv: Record<string, string | undefined> = {}) => {
  const child = spawn(process.execPath, [main, ...args], { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] })
  const output = { stdout: "", stderr: "" }
  child.stdout!.on("data", (d) => (output.stdout += d))
  child.stderr!.on("data", (d) => (output.stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, output, exited }
}

const waitFor = async (check: () => RegExpMatchArray | null, ms = 30_000) => {
  const until = Date.now() + ms
  for (;;) {
    const match = check()
    if (match) return match
    if (Date.now() > until) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 25))
  }
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "ccs-start-"))

describe("start-up", () => {
  it("a configuration error stops start-up with exit code 78 and one line, no secret in it", async () => {
    const dir = tmp()
    const file = path.join(dir, "bad.json")
    fs.writeFileSync(file, JSON.stringify({
      provider: { plugin: "clicksend", username: "${CLICKSEND_USERNAME}", apiKey: "${CLICKSEND_API_KEY}", pushSecret: "${CLICKSEND_PUSH_SECRET}", baseUrl: "${CLICKSEND_API_KEY}" },
      channels: [{ name: "main", channelId: "c", apiToken: "${RESPOND_API_TOKEN}" }]
    }))
    const run = start(["--config", file])
    expect(await run.exited).toBe(78)
    expect(run.output.stderr).toBe(`${file}: provider.baseUrl: must be an absolute URL\n`)
    expect(run.output.stdout + run.output.stderr).not.toMatch(/NEVER-PRINTED|never-printed/)

    const missing = start(["--config", path.join(dir, "nope.json")])
    expect(await missing.exited).toBe(78)
    expect(missing.output.stderr).toMatch(/nope\.json: cannot be read \(ENOENT\)/)

    const unusable = path.join(dir, "unusable.json")
    const shipped = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "channel.config.json"), "utf8"))
    fs.writeFileSync(unusable, JSON.stringify({ ...shipped, store: { path: path.join(file, "sub", "channel.db") } }))
    const cannotStart = start(["--config", unusable])
    // Where no store can be made is the configuration's mistake too: 78, which a service does not restart.
    expect(await cannotStart.exited).toBe(78)
    expect(cannotStart.output.stderr).toMatch(/^store\.path: the store .*bad\.json\/sub\/channel\.db cannot be made or opened there \(ENOTDIR\): give store\.path a file in a folder this server may/)

    const unset = start(["--config", path.join(import.meta.dirname, "..", "channel.config.json")], { RESPOND_API_TOKEN: undefined })
    expect(await unset.exited).toBe(78)
    expect(unset.output.stderr).toMatch(/channel\.config\.json: channels\[0\]\.apiToken: environment variable RESPOND_API_TOKEN is not set/)
  })

  it("serves both directions, logs without secrets, and stops cleanly on SIGTERM", async () => {
    const clicksend = await startClickSendSimulator({ username: env.CLICKSEND_USERNAME, apiKey: env.CLICKSEND_API_KEY })
    const webhook = await startWebhookSimulator([env.RESPOND_API_TOKEN])
    const dir = tmp()
    const file = path.join(dir, "channel.config.json")
    const config = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "channel.config.json"), "utf8"))
    config.server = { host: "127.0.0.1", port: 0 }
    config.platform.webhookUrl = webhook.url + "/custom/channel/webhook/"
    config.provider.baseUrl = clicksend.baseUrl
    config.store = { path: path.join(dir, "data", "channel.db") }
    delete config.$schema
    fs.writeFileSync(file, JSON.stringify(config))
    let child: ChildProcess | undefined
    try {
      const run = start(["--config", file])
      child = run.child
      const [, url] = await waitFor(() => run.output.stdout.match(/listening on (http:\/\/[0-9.]+:\d+)/))
      // Which version runs: in the start-up line and at /healthz.
      const version = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8")).version
      expect(run.output.stdout).toContain(`custom-channel-server ${version} listening on`)
      expect(await fetch(`${url}/healthz`).then((r) => r.json())).toEqual({ status: "ok", version })
      const sent = await fetch(`${url}/message`, {
        method: "POST",
        headers: { authorization: `Bearer ${env.RESPOND_API_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ channelId: "gfd8g7fd89dgfd", contactId: "+60177872890", message: { type: "text", text: "Hello World" } })
      })
      expect(sent.status).toBe(200)
      expect(await sent.json()).toEqual({ mId: clicksend.sentSms()[0]!.message_id })
      const pushed = await fetch(`${url}/clicksend/push_message?secret=${env.CLICKSEND_PUSH_SECRET}`, {
        method: "POST",
        body: new URLSearchParams({ timestamp: "1775012927", from: "+61429912603", to: "+61411111111", body: "hi", message_id: "IN-1" })
      })
      expect(pushed.status).toBe(200)
      await waitFor(() => (webhook.payloads().length > 0 ? ["delivered"] as RegExpMatchArray : null))
      expect(webhook.payloads().map((p) => p.events[0].mId)).toEqual(["IN-1"])
      run.child.kill("SIGTERM")
      expect(await run.exited).toBe(0)
      expect(run.output.stdout).toMatch(/outgoing message sent/)
      expect(run.output.stdout).toMatch(/event delivered/)
      // The last line says it stopped, after everything else.
      expect(JSON.parse(run.output.stdout.trim().split("\n").at(-1)!).message).toBe(`custom-channel-server ${version} stopped`)
      expect(run.output.stdout + run.output.stderr).not.toMatch(/NEVER-PRINTED|never-printed/)
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL")
      await clicksend.close()
      await webhook.close()
    }
  })
})

describe("check-config", () => {
  const shipped = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "channel.config.json"), "utf8"))
  const run = (doc: unknown, extraEnv: Record<string, string | undefined> = {}) => {
    const file = path.join(tmp(), "c.json")
    fs.writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc))
    const proc = start(["check-config", "--config", file], extraEnv)
    return proc.exited.then((code) => ({ code, ...proc.output, file }))
  }

  it("prints the resolved configuration with every secret redacted, and exits 0", async () => {
    const result = await run(shipped, { CCS_ADMIN_TOKEN: "NEVER-PRINTED-admin-token-0123456789abcdef" })
    expect(result.code).toBe(0)
    const printed = JSON.parse(result.stdout)
    expect(printed.server.adminToken).toBe("<redacted>")
    expect(printed.channels[0]).toMatchObject({ channelId: "gfd8g7fd89dgfd", apiToken: "<redacted>" })
    expect(printed.provider).toMatchObject({ username: "<redacted>", apiKey: "<redacted>", pushSecret: "<redacted>", maxParts: 6 })
    expect(result.stdout + result.stderr).not.toMatch(/NEVER-PRINTED|never-printed|ops-user/)
    // Each channel shows where its events go; nothing to warn about.
    expect(printed.channels[0].webhookUrl).toBe("https://webhook.respond.io/custom/channel/webhook/")
    expect(result.stderr).toBe(`${result.file}: valid\n`)
  })

  it("a webhook on respond.io's old host: still valid (exit 0), with a warning line saying what to do", async () => {
    const result = await run({ ...shipped, platform: { plugin: "respond.io", webhookUrl: "https://app.respond.io/custom/channel/webhook/" } })
    expect(result.code).toBe(0)
    const [warning, valid, ...rest] = result.stderr.split("\n")
    expect(warning).toMatch(/^warning: channel main: its events go to app\.respond\.io; .*webhook\.respond\.io.*Settings > Channels > the channel "main" > Configuration.*channels\[0\]\.webhookUrl$/)
    expect([valid, ...rest]).toEqual([`${result.file}: valid`, ""])
    expect(JSON.parse(result.stdout).channels[0].webhookUrl).toBe("https://app.respond.io/custom/channel/webhook/")
  })

  it.each([
    ["an unset variable", shipped, { CLICKSEND_API_KEY: undefined }, "provider.apiKey: environment variable CLICKSEND_API_KEY is not set"],
    ["an unknown key", { ...shipped, extra: true }, {}, "extra: is not a known key"],
    ["a wrong type", { ...shipped, server: { port: "http" } }, {}, "server.port: expected an integer"],
    ["a bad URL", { ...shipped, platform: { webhookUrl: "not-a-url" } }, {}, "platform.webhookUrl: must be an absolute URL"],
    ["not JSON", "{ nope", {}, "(top level): not valid JSON"],
    ["a short admin token", shipped, { CCS_ADMIN_TOKEN: "short-NEVER-PRINTED" }, "server.adminToken: must be at least 32 characters (openssl rand -hex 24 makes one)"]
  ])("%s: exit 78 and one line naming file, path and problem", async (_, doc, env, problem) => {
    const result = await run(doc, env)
    expect(result.code).toBe(78)
    expect(result.stderr.startsWith(`${result.file}: ${problem}`)).toBe(true)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).not.toMatch(/NEVER-PRINTED/)
  })
})

describe("a taken port", () => {
  it("says so in one line and exits 1", async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const { port } = blocker.address() as net.AddressInfo
    try {
      const config = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "channel.config.json"), "utf8"))
      const dir = tmp()
      const file = path.join(dir, "c.json")
      fs.writeFileSync(file, JSON.stringify({ ...config, server: { host: "127.0.0.1", port }, store: { path: path.join(dir, "db") } }))
      const proc = start(["--config", file])
      expect(await proc.exited).toBe(1)
      expect(proc.output.stderr).toBe(`cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`)
    } finally {
      blocker.close()
    }
  })
})
