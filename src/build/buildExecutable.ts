// `npm run build`: the bundle (dist/channel-server.mjs, for Node or Deno) and the single executable
// dist/channel-server, made with Node's single-executable applications support from the pinned Node 24.
import { build, type BuildOptions } from "esbuild"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { inject } from "postject"

const root = path.resolve(import.meta.dirname, "..", "..")
const dist = path.join(root, "dist")
const entry = path.join(root, "src", "main.ts")

/** The sentinel Node's binary carries for SEA (from Node's documentation of single-executable applications). */
const seaFuse = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"

const common: BuildOptions = {
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  target: "node24",
  legalComments: "none",
  logLevel: "warning"
}

export const buildBundles = async () => {
  fs.mkdirSync(dist, { recursive: true })
  // ESM for `node` and `deno run`; CommonJS packages inside it need a `require` of their own.
  await build({
    ...common,
    format: "esm",
    outfile: path.join(dist, "channel-server.mjs"),
    banner: { js: `import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);` }
  })
  // CommonJS for the single executable, whose main script Node loads as CommonJS.
  await build({ ...common, format: "cjs", outfile: path.join(dist, "channel-server.cjs") })
}

export const buildExecutable = async () => {
  const blob = path.join(dist, "channel-server.blob")
  const seaConfig = path.join(dist, "sea-config.json")
  fs.writeFileSync(seaConfig, JSON.stringify({
    main: path.join(dist, "channel-server.cjs"),
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    // A smaller young generation keeps the resident size down under steady load (see BENCHMARKS.md). The old
    // space is not capped: a burst of a thousand concurrent requests needs room for a moment.
    execArgv: ["--max-semi-space-size=2"]
  }))
  execFileSync(process.execPath, ["--experimental-sea-config", seaConfig], { stdio: "inherit" })
  const executable = path.join(dist, "channel-server")
  fs.rmSync(executable, { force: true })
  fs.copyFileSync(process.execPath, executable)
  fs.chmodSync(executable, 0o755)
  await inject(executable, "NODE_SEA_BLOB", fs.readFileSync(blob), { sentinelFuse: seaFuse })
  fs.rmSync(blob)
  fs.rmSync(seaConfig)
  return executable
}

if (process.argv[1] === import.meta.filename) {
  await buildBundles()
  const executable = await buildExecutable()
  console.log(`built ${path.relative(root, executable)} (${(fs.statSync(executable).size / 1e6).toFixed(1)} MB) and dist/channel-server.mjs`)
}
