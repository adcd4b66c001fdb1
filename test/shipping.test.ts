// What ships: the single executable, run from an empty folder with no Node on the PATH, and the bundle under
// Deno 2 and Bun; each carries messages both ways through its own store, SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, inject, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import packageJson from "../package.json" with { type: "json" }
import { hasSqlite } from "../src/build/runtimeCheck.ts"
import { startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { waitWhile } from "./harness.ts"
import { freshDatabase } from "./postgresCluster.ts"
import { type ServerProcess, startProcess } from "./serverProcess.ts"

const root = path.join(import.meta.dirname, "..")
const token = "ship-token-0123456789"
const secret = "ship-push-secret-0123456789"
const adminToken = "ship-admin-token-0123456789abcdef0123"

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, "src", "build", "buildExecutable.ts")], { cwd: root, stdio: "pipe", timeout: 120_000 })
}, 180_000)

/** A folder with a configuration between two simulators, as an operator would lay it out (PostgreSQL: `${DATABASE_URL}`). */
const setUp = async (store: "sqlite" | "postgres" = "sqlite") => {
  const clicksend = await startClickSendSimulator({ username: "ship-user", apiKey: "ship-key" })
  const webhook = await startWebhookSimulator([token])
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-ship-"))
  fs.writeFileSync(path.join(dir, "channel.config.json"), JSON.stringify({
    server: { host: "127.0.0.1", port: 0, adminToken },
    platform: { plugin: "respond.io", webhookUrl: `${webhook.url}/custom/channel/webhook/` },
    provider: { plugin: "clicksend", baseUrl: clicksend.baseUrl, username: "ship-user", apiKey: "${CS_KEY}", pushSecret: secret },
    channels: [{ name: "main", channelId: "ship", apiToken: token, numbers: ["+61411111111"] }],
    store: store === "sqlite" ? { path: "./data/channel.db" } : { plugin: "postgres", url: "${DATABASE_URL}" }
  }))
  return { store, clicksend, webhook, dir, close: async () => (await clicksend.close(), await webhook.close()) }
}

/** Outgoing, its receipt, an incoming SMS, and a stranger: what the platform and ClickSend would do. */
const exercise = async (url: string, sims: Awaited<ReturnType<typeof setUp>>) => {
  const sent = await fetch(`${url}/message`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ channelId: "ship", contactId: "+60177872890", message: { type: "text", text: "Hello World" } })
  })
  expect(sent.status).toBe(200)
  const { mId } = (await sent.json()) as { mId: string }
  expect(mId).toBe(sims.clicksend.sentSms()[0]!.message_id)
  const push = (route: string, fields: Record<string, string>) =>
    fetch(`${url}/clicksend/${route}?secret=${secret}`, { method: "POST", body: new URLSearchParams(fields) }).then((r) => r.status)
  expect(await push("delivery_receipt", { message_id: mId, status_code: "201", timestamp: "1775012927", custom_string: sims.clicksend.sentSms()[0]!.custom_string! })).toBe(200)
  expect(await push("push_message", { message_id: "IN-1", from: "+60177872890", to: "+61411111111", body: "hi back", timestamp: "1775012927" })).toBe(200)
  const stranger = await fetch(`${url}/message`, { method: "POST", headers: { authorization: "Bearer nope" }, body: "{}" })
  expect(stranger.status).toBe(401)
  await waitWhile(() => sims.webhook.payloads().length < 2)
  expect(sims.webhook.payloads().map((p) => p.events[0])).toEqual([
    { type: "message_status", mId, timestamp: 1775012927000, status: { value: "delivered" } },
    { type: "message", mId: "IN-1", timestamp: 1775012927000, message: { type: "text", text: "hi back" } }
  ])
  // The store is the one configured: the file, or the database (and then no file at all).
  expect(fs.existsSync(path.join(sims.dir, "data", "channel.db"))).toBe(sims.store === "sqlite")
  // The console comes from inside the bundle (no file beside it), and its API answers.
  const page = await fetch(`${url}/console`)
  expect([page.status, page.headers.get("content-security-policy")?.startsWith("default-src 'none'")]).toEqual([200, true])
  expect(await page.text()).toContain(`<script type="module" src="/console/console.js">`)
  expect(await fetch(`${url}/console/console.js`).then((r) => r.text())).toContain("sessionStorage")
  const status = await fetch(`${url}/admin/api/status`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json())
  expect(status).toMatchObject({ version: packageJson.version, store: { plugin: sims.store }, channels: [{ name: "main" }] })
}

/** Exercises a started server, then stops it with SIGTERM, which must end it cleanly. */
const exerciseAndStop = async (server: ServerProcess, sims: Awaited<ReturnType<typeof setUp>>) => {
  try {
    await exercise(await server.url, sims)
    server.child.kill("SIGTERM")
    expect(await server.exited).toBe(0)
  } finally {
    server.child.kill("SIGKILL")
  }
}

describe("the single executable", () => {
  let sims: Awaited<ReturnType<typeof setUp>>
  beforeAll(async () => (sims = await setUp()))
  afterAll(() => sims.close())

  it("runs from an empty folder with no Node on the PATH: both directions, a bad token, SIGTERM", async () => {
    const executable = path.join(sims.dir, "channel-server")
    fs.copyFileSync(path.join(root, "dist", "channel-server"), executable)
    const env = { PATH: path.join(sims.dir, "no-bin"), CS_KEY: "ship-key" }
    expect(execFileSync(executable, ["--version"], { env, encoding: "utf8" }).trim()).toBe(
      JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version
    )
    await exerciseAndStop(startProcess(executable, [], { cwd: sims.dir, env }), sims)
    const badConfig = startProcess(executable, [], { cwd: sims.dir, env: { PATH: env.PATH } })
    expect(await badConfig.exited).toBe(78)
    expect(badConfig.output.stderr).toBe("channel.config.json: provider.apiKey: environment variable CS_KEY is not set\n")
  }, 60_000)
})

const bundle = path.join(root, "dist", "channel-server.mjs")
const bin = (name: string) => path.join(root, "node_modules", ".bin", name)

describe.each([
  ["Deno 2", bin("deno"), ["run", "-A", bundle]],
  ["Bun", bin("bun"), [bundle]]
])("the bundle under %s", (_, command, args) => {
  let sims: Awaited<ReturnType<typeof setUp>>
  beforeAll(async () => (sims = await setUp()))
  afterAll(() => sims.close())

  it(`${path.basename(command)} ${args.map((a) => path.relative(root, a) || a).join(" ")} carries messages both ways through its store`, async () => {
    const server = startProcess(command, args, {
      cwd: sims.dir,
      env: { ...process.env, CS_KEY: "ship-key", DENO_NO_UPDATE_CHECK: "1" }
    })
    await exerciseAndStop(server, sims)
  }, 60_000)
})

describe("the bundle under a Node too old for node:sqlite", () => {
  it("says so in one line and exits 1, instead of failing on the import with a stack", async () => {
    // This Node, told it is 20.19: what `node dist/channel-server.mjs` meets on a machine's older Node.
    const olderNode = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.19.0"})`
    const run = startProcess(process.execPath, ["--import", olderNode, bundle, "--help"], { cwd: root, env: { PATH: process.env.PATH } })
    expect(await run.exited).toBe(1)
    expect(run.output.stderr).toBe(
      "custom-channel-server needs Node 22.13 or later (node:sqlite); this is Node 20.19.0: run the single executable dist/channel-server, which brings its own, or this file with Deno 2 or Bun\n"
    )
    expect(run.output.stdout).toBe("")
    // What makes it so on a real older Node: no import of node:sqlite for the runtime to link before the check runs.
    expect(fs.readFileSync(bundle, "utf8")).not.toMatch(/from\s*["']node:sqlite["']/)
  }, 60_000)

  it.each([["20.19.0", false], ["22.12.0", false], ["22.13.0", true], ["23.3.0", false], ["23.4.0", true], ["24.0.0", true], ["v25.1.0", true]])(
    "Node %s has node:sqlite unflagged: %s",
    (version, has) => expect(hasSqlite(version)).toBe(has)
  )
})

// The same through the PostgreSQL store: the driver (pg, pure JavaScript) is bundled and runs under each runtime.
describe.each([
  ["the single executable", path.join(root, "dist", "channel-server"), []],
  ["Deno 2", bin("deno"), ["run", "-A", bundle]],
  ["Bun", bin("bun"), [bundle]]
])("%s on PostgreSQL", (_, command, args) => {
  let sims: Awaited<ReturnType<typeof setUp>>
  beforeAll(async () => (sims = await setUp("postgres")))
  afterAll(() => sims.close())

  it("carries messages both ways through a PostgreSQL database", async () => {
    const server = startProcess(command, args, {
      cwd: sims.dir,
      env: { ...process.env, CS_KEY: "ship-key", DENO_NO_UPDATE_CHECK: "1", DATABASE_URL: freshDatabase(inject("postgresAdminUrl")) }
    })
    await exerciseAndStop(server, sims)
    expect(server.output.stdout).toContain("this replica owns the channel's delivery")
  }, 60_000)
})
