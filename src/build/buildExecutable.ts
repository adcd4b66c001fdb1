// `npm run build`: the bundle (dist/channel-server.mjs, for Node or Deno) and the single executable
// dist/channel-server, made with Node's single-executable applications support from the pinned Node 24.
import { build, type BuildOptions, type Plugin } from "esbuild"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { inject } from "postject"
import { runtimeCheckBanner } from "./runtimeCheck.ts"

const root = path.resolve(import.meta.dirname, "..", "..")
const dist = path.join(root, "dist")
const entry = path.join(root, "src", "main.ts")

/** The sentinel Node's binary carries for SEA (from Node's documentation of single-executable applications). */
const seaFuse = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"

/**
 * @effect/platform-node imports the npm undici for its HttpClient, which the bridge does not use (the provider and
 * the webhook are called over node:http); loading it touches globalThis.Headers, which loads Node's own undici
 * too. Left out, the executable starts with about 5 MB less (BENCHMARKS.md).
 */
const withoutUndici: Plugin = {
  name: "without-undici",
  setup: (build) => {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: "undici", namespace: "without-undici" }))
    build.onLoad({ filter: /.*/, namespace: "without-undici" }, () => ({ contents: "export default {}", loader: "js" }))
  }
}

/**
 * node:sqlite is required where it is first used rather than imported at the top, so that an older Node reaches the
 * banner's one-line check instead of failing while it links the bundle.
 */
const sqliteOnUse: Plugin = {
  name: "sqlite-on-use",
  setup: (build) => {
    build.onResolve({ filter: /^node:sqlite$/ }, (args) =>
      args.namespace === "sqlite-on-use" ? { path: "node:sqlite", external: true } : { path: "node:sqlite", namespace: "sqlite-on-use" })
    build.onLoad({ filter: /.*/, namespace: "sqlite-on-use" }, () => ({ contents: `module.exports = require("node:sqlite")`, loader: "js" }))
  }
}

/** The console's page, script and style, inlined: the executable serves them with no file beside it. */
const consoleInlined: Plugin = {
  name: "console-inlined",
  setup: (build) => {
    build.onLoad({ filter: /[\\/]operator[\\/]consoleFiles\.ts$/ }, (args) => {
      const read = (name: string) => fs.readFileSync(path.join(path.dirname(args.path), "console", name), "utf8")
      const files = { html: read("index.html"), script: read("console.js"), style: read("console.css") }
      return { contents: `export const consoleFiles = ${JSON.stringify(files)}`, loader: "js" }
    })
  }
}

const common: BuildOptions = {
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  target: "node24",
  legalComments: "none",
  logLevel: "warning",
  // Minified code takes less memory once loaded (8 MB in the executable, BENCHMARKS.md). Names are not kept:
  // keeping them gave it back.
  minify: true,
  plugins: [withoutUndici, sqliteOnUse, consoleInlined]
}

export const buildBundles = async () => {
  fs.mkdirSync(dist, { recursive: true })
  // ESM for `node` and `deno run`; CommonJS packages inside it need a `require` of their own.
  await build({
    ...common,
    format: "esm",
    outfile: path.join(dist, "channel-server.mjs"),
    banner: { js: `${runtimeCheckBanner}\nimport { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);` }
  })
  // CommonJS for the single executable, whose main script Node loads as CommonJS.
  // The banner comes before esbuild's own "use strict", which would then be no directive: it says it first.
  await build({ ...common, format: "cjs", outfile: path.join(dist, "channel-server.cjs"), banner: { js: `"use strict";\n${runtimeCheckBanner}` } })
}

/**
 * A smaller young generation, and an old generation collected once it grew by 30% rather than by V8's default
 * factor, keep the resident size down under steady load (BENCHMARKS.md). No cap: a hard --max-old-space-size would
 * turn a large enough burst into a crash.
 */
const v8Flags = ["--max-semi-space-size=4", "--heap-growing-percent=50"]

export const buildExecutable = async () => {
  const blob = path.join(dist, "channel-server.blob")
  const seaConfig = path.join(dist, "sea-config.json")
  fs.writeFileSync(seaConfig, JSON.stringify({
    main: path.join(dist, "channel-server.cjs"),
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    execArgv: v8Flags
  }))
  // The code cache is made under the flags the executable runs with: V8 throws a cache made under others away.
  execFileSync(process.execPath, [...v8Flags, "--experimental-sea-config", seaConfig], { stdio: "inherit" })
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
