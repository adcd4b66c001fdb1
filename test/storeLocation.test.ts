// Where a relative store.path points: the configuration file's folder, from wherever a command runs; an install whose
// store sits where older versions put it (the working folder) keeps it, and two stores are never guessed between.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { openSqliteStore } from "../src/stores/sqlite/SqliteStore.ts"
import { runCli } from "./runCli.ts"

const folder = (name: string) =>
  Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), `ccs-${name}-`))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

const config = {
  provider: { plugin: "clicksend", username: "u", apiKey: "k", pushSecret: "location-push-secret-0123" },
  channels: [{ name: "main", channelId: "C", apiToken: "location-token-0123456789", numbers: ["+61411111111"] }],
  store: { path: "./data/channel.db" }
}

/** A configuration folder ("etc") with the file in it, and a working folder ("var") to run commands from. */
const install = Effect.gen(function*() {
  const etc = yield* folder("etc")
  const work = yield* folder("var")
  const file = path.join(etc, "channel.config.json")
  fs.writeFileSync(file, JSON.stringify(config))
  return { etc, work, file, beside: path.join(etc, "data", "channel.db"), old: path.join(work, "data", "channel.db") }
})

/** A store with one dead letter in it, so `dead-letters list` shows which store it read. */
const storeWithLetter = (file: string, why: string) =>
  Effect.gen(function*() {
    const { close, store } = openSqliteStore(file)
    yield* store.keepUnroutable("unroutable-inbound", `u:${why}`, { to: "+61499999999" }, why, "clicksend")
    yield* Effect.sync(close)
  })

describe("store.path", () => {
  it.scoped("a relative path is read from the configuration's folder, from any working folder; none is made elsewhere", () =>
    Effect.gen(function*() {
      const etc = yield* folder("etc")
      const elsewhere = yield* folder("cwd")
      fs.writeFileSync(path.join(etc, "channel.config.json"), JSON.stringify(config))
      yield* storeWithLetter(path.join(etc, "data", "channel.db"), "the store beside the configuration")
      const list = yield* runCli(["dead-letters", "list", "--config", path.join(etc, "channel.config.json")], { cwd: elsewhere })
      expect(list.code).toBe(0)
      expect(list.stdout).toContain("the store beside the configuration")
      expect(fs.readdirSync(elsewhere)).toEqual([])
      const check = yield* runCli(["check-config", "--config", path.join(etc, "channel.config.json")], { cwd: elsewhere })
      expect(JSON.parse(check.stdout).store.path).toBe(path.join(etc, "data", "channel.db"))
    }))

  it.scoped("an older install's store in the working folder is used where it is, with a warning saying how to make it explicit", () =>
    Effect.gen(function*() {
      const { etc, file, old, work } = yield* install
      yield* storeWithLetter(old, "the store of the older install")
      const list = yield* runCli(["dead-letters", "list", "--config", file], { cwd: work })
      expect(list.stdout).toContain("the store of the older install")
      expect(fs.existsSync(path.join(etc, "data"))).toBe(false)
      const check = yield* runCli(["check-config", "--config", file], { cwd: work })
      expect(check.code).toBe(0)
      expect(check.stderr).toContain(
        `warning: store.path: ./data/channel.db is read from the configuration file's folder (${path.join(etc, "data", "channel.db")}), ` +
          `but the store is at ${path.join(work, "data", "channel.db")}`
      )
      expect(check.stderr).toContain(`Set store.path to "${path.join(work, "data", "channel.db")}"`)
    }))

  it.scoped("a command that only reads the store, run where no store is, says where it looked and makes none", () =>
    Effect.gen(function*() {
      const { etc, file, old, work } = yield* install
      yield* storeWithLetter(old, "the store of the older install")
      const elsewhere = yield* folder("home")
      for (const args of [["dead-letters", "list"], ["opt-outs", "add", "main", "+61400000000"], ["dead-letters", "replay", "--all"]]) {
        const run = yield* runCli([...args, "--config", file], { cwd: elsewhere })
        expect(run.code).toBe(78)
        expect(run.stderr).toBe(
          `${file}: store.path: no store at ${path.join(etc, "data", "channel.db")} (beside the configuration) nor at ` +
            `${path.join(elsewhere, "data", "channel.db")} (in the working folder, where versions before 0.2 read it): ` +
            "is this the configuration of the server whose store it is? (a server makes its store when it first starts)\n"
        )
      }
      expect(fs.existsSync(path.join(etc, "data"))).toBe(false)
      expect(fs.readdirSync(elsewhere)).toEqual([])
      // From the old working folder it is found, and the warning says how to make it explicit.
      const there = yield* runCli(["dead-letters", "list", "--config", file], { cwd: work })
      expect(there.stdout).toContain("the store of the older install")
      expect(there.stderr).toMatch(/^warning: store\.path: \.\/data\/channel\.db is read from the configuration file's folder/)
    }))

  it.scoped("one store reached two ways (the configuration's folder through a symlink) is one store", () =>
    Effect.gen(function*() {
      const { etc, file } = yield* install
      const links = yield* folder("links")
      const link = path.join(links, "etc")
      fs.symlinkSync(etc, link)
      yield* storeWithLetter(path.join(etc, "data", "channel.db"), "the one store")
      const run = yield* runCli(["dead-letters", "list", "--config", path.join(link, path.basename(file))], { cwd: etc })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("the one store")
    }))

  it.scoped("a store in both places stops the command with one line naming both; neither is touched", () =>
    Effect.gen(function*() {
      const { etc, file, work } = yield* install
      yield* storeWithLetter(path.join(etc, "data", "channel.db"), "new")
      yield* storeWithLetter(path.join(work, "data", "channel.db"), "old")
      const before = [fs.statSync(path.join(etc, "data", "channel.db")).mtimeMs, fs.statSync(path.join(work, "data", "channel.db")).mtimeMs]
      const serve = yield* runCli(["serve", "--config", file], { cwd: work })
      expect(serve.code).toBe(78)
      expect(serve.stderr.trim().split("\n")).toEqual([
        `${file}: store.path: ./data/channel.db names two stores: ${path.join(etc, "data", "channel.db")} (beside the configuration, where a relative path is read from) ` +
        `and ${path.join(work, "data", "channel.db")} (in the working folder, where versions before 0.2 read it); keep the one that holds your messages and set store.path to its absolute path`
      ])
      expect([fs.statSync(path.join(etc, "data", "channel.db")).mtimeMs, fs.statSync(path.join(work, "data", "channel.db")).mtimeMs]).toEqual(before)
    }))
})

describe("the store's files", () => {
  it.scoped("are the owner's alone: the folders made for it 0700, the database and its log 0600", () =>
    Effect.gen(function*() {
      const dir = yield* folder("private")
      const file = path.join(dir, "a", "b", "channel.db")
      yield* storeWithLetter(file, "written")
      const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8)
      expect([mode(path.join(dir, "a")), mode(path.join(dir, "a", "b")), mode(file)]).toEqual(["700", "700", "600"])
      const { close, store } = openSqliteStore(file)
      yield* store.keepUnroutable("unroutable-inbound", "u:again", { to: "+61499999999" }, "again", "clicksend")
      expect(mode(`${file}-wal`)).toBe("600")
      yield* Effect.sync(close)
      // A store an older version left readable to others is made the owner's alone when opened.
      fs.chmodSync(file, 0o644)
      const again = openSqliteStore(file)
      expect(mode(file)).toBe("600")
      yield* Effect.sync(again.close)
    }))

  it.scoped("a store.path where no store can be made is a configuration mistake (exit 78, which a service does not restart)", () =>
    Effect.gen(function*() {
      const dir = yield* folder("nowhere")
      const file = path.join(dir, "channel.config.json")
      // Under a file, where no folder can be made (as /etc is read-only to a hardened service).
      const store = path.join(file, "data", "channel.db")
      fs.writeFileSync(file, JSON.stringify({ ...config, server: { port: 0 }, store: { path: store } }))
      const serve = yield* runCli(["serve", "--config", file], { cwd: dir })
      expect(serve.code).toBe(78)
      expect(serve.stderr).toBe(
        `store.path: the store ${store} cannot be made or opened there (ENOTDIR): give store.path a file in a folder this server may ` +
          "write, its own (as a service: /var/lib/channel-server/channel.db, owned by channel-server)\n"
      )
    }))

  it.scoped("a store.path that is not a database stops the server with one line naming the file", () =>
    Effect.gen(function*() {
      const dir = yield* folder("notdb")
      const file = path.join(dir, "channel.config.json")
      fs.writeFileSync(file, JSON.stringify({ ...config, server: { port: 0 }, store: { path: file } }))
      const serve = yield* runCli(["serve", "--config", file], { cwd: dir })
      expect(serve.code).toBe(1)
      expect(serve.stderr.trim().split("\n")).toHaveLength(1)
      expect(serve.stderr).toContain(`the store ${file} cannot be opened: file is not a database (is store.path this bridge's store?)`)
      expect(JSON.parse(fs.readFileSync(file, "utf8")).store.path).toBe(file)
    }))
})
