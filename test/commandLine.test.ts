// The command line as it shows itself: help that a pipe can read, the package as it says it is.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { runCli } from "./runCli.ts"

const root = path.join(import.meta.dirname, "..")
const packageJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))

describe("the command line", () => {
  it.effect("--help into a pipe: plain text, the version, no built-in wizard, every option described", () =>
    Effect.gen(function*() {
      const help = yield* runCli(["--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`custom-channel-server ${packageJson.version}`)
      expect(help.stdout).not.toMatch(/\u001b\[/)
      expect(help.stdout).not.toContain("--wizard")
      expect(help.stdout).not.toContain("A user-defined piece of text")
      for (const command of ["setup", "check-config", "dead-letters show", "dead-letters resolve", "opt-outs add"]) {
        expect(help.stdout).toContain(`- ${command} `)
      }
    }))

  it("the package is what it says: MIT with its LICENSE, and no engines range that npm would warn of on another Node", () => {
    expect(packageJson.license).toBe("MIT")
    expect(fs.readFileSync(path.join(root, "LICENSE"), "utf8")).toMatch(/^MIT License\n/)
    // The Node that runs everything comes with npm install (a devDependency); the machine's own does not matter.
    expect(packageJson.engines).toBeUndefined()
    expect(packageJson.devDependencies.node).toMatch(/^~24\./)
  })

  it("the shipped configuration listens on this machine only, as the README's set-up (a TLS proxy in front) wants", () => {
    expect(JSON.parse(fs.readFileSync(path.join(root, "channel.config.json"), "utf8")).server.host).toBe("127.0.0.1")
  })
})
