// `npm run image:drive`: the built image run as an operator would run it, against the simulated ClickSend and webhook
// on this machine (host network), one message each way; then SIGTERM, which must stop it cleanly (exit 0). Says what
// it checked, line by line, and exits 1 at the first thing that is not so. Not part of `npm test`: CI has no container
// runtime.
import { execFileSync, spawn } from "node:child_process"
import { startWebhookSimulator } from "../src/platforms/respondio/simulator.ts"
import { startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { containerTool, imageName } from "./buildImage.ts"

const check = (what: string, ok: boolean, detail = "") => {
  console.log(`${ok ? "ok" : "NOT OK"}: ${what}${detail ? ` (${detail})` : ""}`)
  if (!ok) process.exitCode = 1
  return ok
}

const token = "image-token-0123456789"
const secret = "image-push-secret-0123456789"
const port = 3931
const { flags, tool } = containerTool()
const clicksend = await startClickSendSimulator({ username: "image", apiKey: "image-key" })
const webhook = await startWebhookSimulator([token])
const name = `ccs-drive-${process.pid}`
const adminToken = "image-admin-token-0123456789abcdef0123"
const env = {
  CCS_PORT: String(port),
  CLICKSEND_BASE_URL: clicksend.baseUrl,
  CLICKSEND_USERNAME: "image",
  CLICKSEND_API_KEY: "image-key",
  CLICKSEND_PUSH_SECRET: secret,
  CLICKSEND_FROM: "+61411111111",
  RESPOND_CHANNEL_ID: "image-channel",
  RESPOND_API_TOKEN: token,
  RESPOND_WEBHOOK_URL: `${webhook.url}/custom/channel/webhook/`,
  CCS_ADMIN_TOKEN: adminToken
}
const run = spawn(tool, [
  ...flags, "run", "--rm", "--name", name, "--network=host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
  "-v", `${name}:/var/lib/channel-server`,
  ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
  imageName
], { stdio: ["ignore", "pipe", "pipe"] })
let output = ""
run.stdout.on("data", (d) => (output += d))
run.stderr.on("data", (d) => (output += d))
const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)))

const until = async (what: string, test: () => boolean, ms = 30_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (test()) return check(what, true)
  return check(what, false, "timed out")
}

try {
  if (await until("the server started", () => output.includes("listening on"))) {
    check("the start-up line names the version", output.includes(`custom-channel-server ${imageName.split(":")[1]} listening on http://0.0.0.0:${port}`))
    const user = execFileSync(tool, [...flags, "exec", name, "/usr/local/bin/channel-server", "--version"], { encoding: "utf8" }).trim()
    check("a command runs inside the image (no shell needed)", user.includes(imageName.split(":")[1]!), user)
    const top = execFileSync(tool, [...flags, "top", name, "user", "huser", "comm"], { encoding: "utf8" })
    check("it runs as its own unprivileged user", /10001|channel-server/.test(top) && !/\broot\b/.test(top.split("\n").slice(1).join("\n")), top.replace(/\s+/g, " ").trim())
    const sent = await fetch(`http://127.0.0.1:${port}/message`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ channelId: "image-channel", contactId: "+60177872890", message: { type: "text", text: "Hello from the image" } })
    })
    check("the platform's message went out through the provider", sent.status === 200 && clicksend.sentSms()[0]?.body === "Hello from the image", `HTTP ${sent.status}`)
    const pushed = await fetch(`http://127.0.0.1:${port}/clicksend/push_message?secret=${secret}`, {
      method: "POST",
      body: new URLSearchParams({ message_id: "IMAGE-IN-1", from: "+60177872890", to: "+61411111111", body: "And back", timestamp: String(Math.floor(Date.now() / 1000)) })
    })
    check("the customer's reply was taken", pushed.status === 200, `HTTP ${pushed.status}`)
    await until("the reply reached the webhook", () => webhook.payloads().some((p) => p.events[0].mId === "IMAGE-IN-1"))
    const page = await fetch(`http://127.0.0.1:${port}/console`)
    check("the console is served from inside the image", page.status === 200 && (await page.text()).includes("/console/console.js"), `HTTP ${page.status}`)
    const status = await fetch(`http://127.0.0.1:${port}/admin/api/status`, { headers: { authorization: `Bearer ${adminToken}` } })
    const channels = status.ok ? ((await status.json()) as { channels: Array<{ name: string }> }).channels.map((c) => c.name) : []
    check("its admin API answers the admin token (CCS_ADMIN_TOKEN)", channels.join() === "main", `HTTP ${status.status}`)
    const files = execFileSync(tool, [...flags, "volume", "inspect", name, "--format", "{{.Mountpoint}}"], { encoding: "utf8" }).trim()
    check("the store is on the volume", execFileSync("ls", [files], { encoding: "utf8" }).includes("channel.db"), files)
  }
  try {
    execFileSync(tool, [...flags, "stop", "--time", "30", name], { stdio: "ignore" })
  } catch {
    // It had stopped already: its exit code says how.
  }
  const code = await exited
  check("SIGTERM stopped it cleanly", code === 0 && output.includes("stopped"), `exit ${code}`)
} finally {
  try {
    execFileSync(tool, [...flags, "rm", "-f", name], { stdio: "ignore" })
  } catch {
    // Already gone (--rm).
  }
  try {
    execFileSync(tool, [...flags, "volume", "rm", "-f", name], { stdio: "ignore" })
  } catch {
    // Nothing to remove.
  }
  await clicksend.close()
  await webhook.close()
}
if (process.exitCode === 1) console.log(output)
