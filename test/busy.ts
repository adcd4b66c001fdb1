// npm run test:busy: the whole suite (npm test) with both cores kept busy by another process, as on a shared
// machine; `-- --runs 3` runs it three times in a row. Every loop stops by itself and is stopped by its PID.
import { spawn, spawnSync } from "node:child_process"
import * as os from "node:os"

const at = process.argv.indexOf("--runs")
const runs = at === -1 ? 1 : Number(process.argv[at + 1])
if (!Number.isInteger(runs) || runs < 1 || runs > 10) {
  console.error("usage: npm run test:busy [-- --runs N]   (N from 1 to 10)")
  process.exit(64)
}

// A CPU-bound loop per core, each ending by itself after 15 minutes a run at the latest.
const limitMs = runs * 15 * 60_000
const loops = Array.from({ length: os.availableParallelism() }, () =>
  spawn(process.execPath, ["-e", `for (const end = Date.now() + ${limitMs}; Date.now() < end;);`], { stdio: "ignore" }))
const stopLoops = () => loops.forEach((loop) => loop.exitCode === null && loop.kill("SIGKILL"))
process.on("exit", stopLoops)
process.on("SIGINT", () => process.exit(130))
process.on("SIGTERM", () => process.exit(143))

const results: Array<string> = []
let failed = 0
for (let run = 1; run <= runs; run++) {
  const started = Date.now()
  const { status } = spawnSync("npm", ["test"], { stdio: "inherit", shell: process.platform === "win32" })
  const seconds = Math.round((Date.now() - started) / 1000)
  if (status !== 0) failed++
  results.push(`run ${run}: ${status === 0 ? "passed" : "FAILED"} in ${seconds} s`)
}
stopLoops()
console.log(`\nnpm test with ${loops.length} busy loops (one per core):\n${results.join("\n")}`)
process.exit(failed === 0 ? 0 : 1)
