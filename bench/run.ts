// `npm run bench` (`-- --quick` for a short smoke run): the bridge against a bare Node forwarder (the floor)
// and an Express + axios forwarder (what users start from), all on 127.0.0.1 in front of one fake ClickSend; and the
// bridge on PostgreSQL (a throwaway cluster this starts and removes), one replica and three.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { freePort, startPostgres } from "../test/postgresCluster.ts"
import { type ServerProcess, startProcess } from "../test/serverProcess.ts"
import { burst, type Call, closedLoop, median, openLoop, percentile } from "./load.ts"

const quick = process.argv.includes("--quick")
const root = path.resolve(import.meta.dirname, "..")
const node = process.execPath
const runs = quick ? 1 : 3
const seconds = (s: number) => (quick ? Math.min(s, 1) : s) * 1000
const token = "bench-token-0123456789"
const secret = "bench-push-secret-0123456789"
const work = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-bench-"))
const started: Array<ServerProcess> = []

const start = async (args: Array<string>, env: Record<string, string> = {}, command = node) => {
  const proc = startProcess(command, args, { cwd: work, env: { ...process.env, ...env }, keepOutput: false })
  started.push(proc)
  return { proc, url: await proc.url }
}
const stop = async (proc: ServerProcess) => {
  proc.child.kill("SIGTERM")
  await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 5000))])
  proc.child.kill("SIGKILL")
}
const json = async <A>(url: string, init?: RequestInit) => (await fetch(url, init)).json() as Promise<A>
const stats = (fake: string) => json<{ calls: number; messages: number; arrivals: Array<number> }>(`${fake}/stats`)
const reset = (fake: string) => fetch(`${fake}/reset`, { method: "POST" }).then((r) => r.text())
/** Resident size, or one part of it: RssAnon is the process's own memory, the rest clean pages of its files. */
const rssMb = (pid: number, field: "VmRSS" | "RssAnon" = "VmRSS") => {
  const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`))
  return line ? Number(line[1]) / 1024 : Number.NaN
}
const bridgeConfig = (name: string, clicksend: string, webhook: string, extra: Record<string, unknown> = {}) => {
  const file = path.join(work, `${name}.json`)
  fs.writeFileSync(file, JSON.stringify({
    server: { host: "127.0.0.1", port: 0 },
    platform: { plugin: "respond.io", webhookUrl: `${webhook}/hook` },
    // The fake answers every call as a send: no catch-up, whose calls it would count as sends.
    provider: { plugin: "clicksend", baseUrl: `${clicksend}/v3`, username: "bench", apiKey: "bench-key", pushSecret: secret, reconcile: { enabled: false } },
    channels: [{ name: "main", channelId: "bench", apiToken: token, numbers: ["+61411111111"] }],
    store: { path: path.join(work, `${name}.db`) },
    ...extra
  }))
  return file
}

const sendTo = (url: string): Call => (i) =>
  fetch(`${url}/message`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ channelId: "bench", contactId: `+6010${String(i % 1_000_000).padStart(7, "0")}`, message: { type: "text", text: `Broadcast number ${i}` } })
  }).then(async (r) => (await r.arrayBuffer(), r.status === 200))

const pushTo = (url: string, prefix: string): Call => (i) =>
  fetch(`${url}/clicksend/push_message?secret=${secret}`, {
    method: "POST",
    body: new URLSearchParams({ message_id: `${prefix}-${i}`, from: `+6010${String(i % 997).padStart(7, "0")}`, to: "+61411111111", body: `reply ${i}`, timestamp: "1775012927" })
  }).then(async (r) => (await r.arrayBuffer(), r.status === 200))

/** Median and spread (min..max) of a measure over the runs. */
const summary = (values: ReadonlyArray<number>, digits = 0) =>
  values.length === 1
    ? values[0]!.toFixed(digits)
    : `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)})`

const rows: Array<Array<string>> = []
const row = (...cells: Array<string>) => {
  rows.push(cells)
  console.error(`  ${cells.join(" | ")}`)
}
const verdict = (ok: boolean) => (ok ? "met" : "**missed**")

const main = async () => {
  const clicksend = (await start([path.join(root, "bench", "fakes.ts"), "clicksend"])).url
  const webhook = (await start([path.join(root, "bench", "fakes.ts"), "webhook"])).url
  // The bridge as it ships: the single executable (built first); in --quick runs, the source under Node.
  const executable = path.join(root, "dist", "channel-server")
  if (!quick) execFileSync(node, [path.join(root, "src", "build", "buildExecutable.ts")], { cwd: root, stdio: "ignore" })
  const startBridge = (config: string) =>
    quick ? start([path.join(root, "src", "main.ts"), "--config", config]) : start(["--config", config], {}, executable)

  // 1 and 2: outgoing, each server in turn in front of the same fake ClickSend.
  const servers = {
    bridge: await startBridge(bridgeConfig("out", clicksend, webhook)),
    floor: await start([path.join(root, "bench", "floor.ts")], { CLICKSEND_URL: `${clicksend}/v3` }),
    express: await start([path.join(root, "bench", "expressServer.ts")], { CLICKSEND_URL: `${clicksend}/v3`, API_TOKEN: token })
  }
  const concurrency = 32
  const throughput: Record<string, Array<number>> = { bridge: [], floor: [], express: [] }
  const p99: Record<string, Array<number>> = { bridge: [], floor: [], express: [] }
  // Resident size of each server before any request, and its peak under scenario 1: the reference for target 5.
  const idleRss: Record<string, number> = Object.fromEntries(Object.entries(servers).map(([name, { proc }]) => [name, rssMb(proc.child.pid!)]))
  const loadedRss: Record<string, number> = { bridge: 0, floor: 0, express: 0 }
  for (let run = 0; run < runs; run++) {
    for (const [name, { url, proc }] of Object.entries(servers)) {
      await closedLoop(sendTo(url), 8, seconds(1) / 2) // warm up
      const rss = setInterval(() => (loadedRss[name] = Math.max(loadedRss[name]!, rssMb(proc.child.pid!))), 100)
      const sample = await closedLoop(sendTo(url), concurrency, seconds(5))
      clearInterval(rss)
      throughput[name]!.push((sample.ok / sample.elapsedMs) * 1000)
      const latency = await openLoop(sendTo(url), 200, seconds(5))
      p99[name]!.push(percentile(latency.latencies, 99))
    }
  }
  const [b, f, e] = [median(throughput.bridge!), median(throughput.floor!), median(throughput.express!)]
  row("1. outgoing req/s at concurrency 32", summary(throughput.bridge!), summary(throughput.floor!), summary(throughput.express!),
    `${(b / f).toFixed(2)}x floor, ${(b / e).toFixed(2)}x express`, ">= 0.60x floor, >= 1.5x express",
    `floor ${verdict(b / f >= 0.6)}, express ${verdict(b / e >= 1.5)}`)
  const added = median(p99.bridge!) - median(p99.floor!)
  row("2. outgoing p99 ms at 200 req/s", summary(p99.bridge!, 2), summary(p99.floor!, 2), summary(p99.express!, 2),
    `${added >= 0 ? "+" : ""}${added.toFixed(2)} ms over floor`, "<= +2 ms", verdict(added <= 2))

  // 6. Broadcast burst: 1,000 concurrent /message.
  for (const [name, extra] of [["unbatched", {}], ["batched", { provider: { plugin: "clicksend", baseUrl: `${clicksend}/v3`, username: "bench", apiKey: "bench-key", pushSecret: secret, reconcile: { enabled: false }, batch: { maxMessages: 100, windowMs: 10 } } }]] as const) {
    if (name === "batched" && !supportsBatching) continue
    const bridge = name === "unbatched" ? servers.bridge : await startBridge(bridgeConfig("batched", clicksend, webhook, extra))
    const callsAt = [] as Array<number>
    const p99s = [] as Array<number>
    for (let run = 0; run < runs; run++) {
      await reset(clicksend)
      const sample = await burst(sendTo(bridge.url), 1000)
      callsAt.push((await stats(clicksend)).calls)
      p99s.push(percentile(sample.latencies, 99))
    }
    row(`6. burst of 1,000 /message (${name})`, `${summary(callsAt)} ClickSend calls, p99 ${summary(p99s, 1)} ms`, "", "", "", "<= 50 calls, p99 no worse", name === "batched" ? verdict(median(callsAt) <= 50) : "")
  }
  for (const { proc } of Object.values(servers)) await stop(proc)

  // 3. Inbound durable accept.
  const inbound = await startBridge(bridgeConfig("in", clicksend, webhook))
  const accepted = [] as Array<number>
  for (let run = 0; run < runs; run++) {
    const sample = await closedLoop(pushTo(inbound.url, `IN${run}`), concurrency, seconds(5))
    accepted.push((sample.ok / sample.elapsedMs) * 1000)
  }
  row("3. inbound pushes/s answered 200 (committed)", summary(accepted), "", "", "", ">= 2,000/s", verdict(median(accepted) >= 2000))
  await stop(inbound.proc)

  // 4. Drain: a backlog at the webhook, per channel. `start` brings up the bridges of one run (one, or several
  // replicas of one store); the burst is spread over them.
  const limit = 50
  const drain = async (name: string, start: (run: number, extra: Record<string, unknown>) => Promise<Array<{ proc: ServerProcess; url: string }>>) => {
    const drained = [] as Array<number>
    let worstWindow = 0
    for (let run = 0; run < runs; run++) {
      await reset(webhook)
      const bridges = await start(run, { delivery: { rateLimitPerSecond: limit } })
      const count = quick ? limit * 2 : limit * 6
      await burst((i) => pushTo(bridges[i % bridges.length]!.url, `${name}${run}`)(i), count)
      for (let i = 0; i < 300 && (await stats(webhook)).calls < count; i++) await new Promise((r) => setTimeout(r, 50))
      const times = (await stats(webhook)).arrivals.sort((x, y) => x - y)
      drained.push(((times.length - 1) / ((times.at(-1)! - times[0]!) / 1000)) / limit * 100)
      for (const t of times) worstWindow = Math.max(worstWindow, times.filter((u) => u >= t && u < t + 1000).length)
      for (const b of bridges) await stop(b.proc)
    }
    return [`${summary(drained, 1)}%, busiest window ${worstWindow}`, "", "", "", ">= 95%, never above the limit", verdict(median(drained) >= 95 && worstWindow <= limit)]
  }
  row(`4. drain at ${limit}/s: % of the limit`, ...await drain("DR", async (run, extra) => [await startBridge(bridgeConfig(`drain${run}`, clicksend, webhook, extra))]))

  // 7. The PostgreSQL store (a throwaway cluster with its fsync on): inbound accept with one and three replicas, and the
  // drain, side by side with SQLite's rows 3 and 4.
  const cluster = await startPostgres({ durable: true })
  try {
    const postgres = (name: string, extra: Record<string, unknown> = {}) =>
      bridgeConfig(name, clicksend, webhook, { store: { plugin: "postgres", url: cluster.createDatabase(name) }, ...extra })
    for (const replicas of [1, 3]) {
      const config = postgres(`pgin${replicas}`)
      const bridges = await Promise.all(Array.from({ length: replicas }, () => startBridge(config)))
      const rates = [] as Array<number>
      let peak = 0
      const sampler = setInterval(() => (peak = Math.max(peak, ...bridges.map((b) => rssMb(b.proc.child.pid!)))), 100)
      for (let run = 0; run < runs; run++) {
        const spread: Call = (i) => pushTo(bridges[i % replicas]!.url, `PG${replicas}-${run}`)(i)
        const sample = await closedLoop(spread, concurrency, seconds(5))
        rates.push((sample.ok / sample.elapsedMs) * 1000)
      }
      clearInterval(sampler)
      row(
        `7. inbound pushes/s answered 200 on PostgreSQL, ${replicas} replica${replicas > 1 ? "s" : ""} (RSS per replica ${peak.toFixed(0)} MB, pool 10)`,
        summary(rates), "", "", "", "reported (SQLite: row 3)", ""
      )
      for (const b of bridges) await stop(b.proc)
    }
    row(`7. drain at ${limit}/s on PostgreSQL, 3 replicas: % of the limit`, ...await drain("PGDR", (run, extra) => {
      const config = postgres(`pgdrain${run}`, extra)
      return Promise.all([0, 1, 2].map(() => startBridge(config)))
    }))
  } finally {
    cluster.stop()
  }

  // 5. The executable: cold start, memory, size.
  if (!quick) {
    const colds = [] as Array<number>
    let [idle, loaded, idleAnon, loadedAnon] = [0, 0, 0, 0]
    for (let run = 0; run < runs; run++) {
      const port = await freePort()
      const config = bridgeConfig(`cold${run}`, clicksend, webhook, { server: { host: "127.0.0.1", port } })
      const t0 = performance.now()
      const proc = startProcess(executable, ["--config", config], { cwd: work, keepOutput: false })
      started.push(proc)
      for (let i = 0; i < 2000; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)
        if (ok) break
        await new Promise((r) => setTimeout(r, 2))
      }
      colds.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, 1000))
      idle = Math.max(idle, rssMb(proc.child.pid!))
      idleAnon = Math.max(idleAnon, rssMb(proc.child.pid!, "RssAnon"))
      const sampler = setInterval(() => {
        loaded = Math.max(loaded, rssMb(proc.child.pid!))
        loadedAnon = Math.max(loadedAnon, rssMb(proc.child.pid!, "RssAnon"))
      }, 100)
      await closedLoop(sendTo(`http://127.0.0.1:${port}`), concurrency, seconds(3))
      clearInterval(sampler)
      await stop(proc)
    }
    const size = fs.statSync(executable).size / 1e6
    row("5. executable: cold start to /healthz 200 (ms)", summary(colds, 0), "", "", "", "<= 300 ms", verdict(median(colds) <= 300))
    row("5. executable: RSS idle / under load (MB)", `${idle.toFixed(0)} / ${loaded.toFixed(0)}`, "", "", "", "<= 80 / <= 150", `idle ${verdict(idle <= 80)}, load ${verdict(loaded <= 150)}`)
    row(`5. executable: of which its own memory (RssAnon; the rest are clean pages of the ${size.toFixed(0)} MB file)`, `${idleAnon.toFixed(0)} / ${loadedAnon.toFixed(0)}`, "", "", "", "", "")
    row("5. executable: file size (MB)", size.toFixed(1), "", "", "", "reported", "")
  }
  const rssOf = (name: string) => `${idleRss[name]!.toFixed(0)} / ${loadedRss[name]!.toFixed(0)}`
  row(`RSS idle / peak under scenario 1 (MB)${quick ? ", bridge from source" : ""}`, rssOf("bridge"), rssOf("floor"), rssOf("express"), "", "", "")

  console.log(`| scenario | bridge | floor | express | ratio | target | |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}

${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, ${runs} run(s), median (min..max)${quick ? ", --quick" : ""}`)
}

const supportsBatching = true

main().then(
  async () => {
    for (const proc of started) await stop(proc)
    fs.rmSync(work, { recursive: true, force: true })
  },
  async (e) => {
    console.error(e)
    for (const proc of started) await stop(proc)
    process.exitCode = 1
  }
)
