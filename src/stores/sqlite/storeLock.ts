// One server per SQLite store: an exclusive lock on a file beside it, taken before anything else touches the store
// and released by the operating system when the process ends however it ends (SIGKILL included).
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ConfigError } from "../../config/ConfigError.ts"
import { createPrivately } from "./privateFile.ts"
import { DatabaseSync } from "node:sqlite"
import { StoreInUse } from "../Store.ts"
import { AppConfig } from "../../config/AppConfig.ts"
import type { SqliteSettings } from "./settings.ts"


/**
 * Holds `<store>.lock` in an exclusive SQLite transaction (a POSIX lock the kernel drops with the process) and writes
 * the holder's PID to `<store>.lock.pid`, so a second server can say who has it. The command line does not take it:
 * its commands work beside a running server.
 */
export const lockStore = (file: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const lockFile = `${path.resolve(file)}.lock`
        createPrivately(lockFile)
        const db = new DatabaseSync(lockFile)
        try {
          db.exec("PRAGMA busy_timeout = 0")
          db.exec("BEGIN EXCLUSIVE")
        } catch (cause) {
          db.close()
          const holder = (() => {
            try {
              return ` (process ${fs.readFileSync(`${lockFile}.pid`, "utf8").trim()})`
            } catch {
              return ""
            }
          })()
          throw new StoreInUse({
            message: `the store ${file} is in use by another server${holder}; stop it first, or give this one another store.path`,
            cause
          } as never)
        }
        fs.writeFileSync(`${lockFile}.pid`, `${process.pid}\n`, { mode: 0o600 })
        return db
      },
      catch: (e) => {
        if (e instanceof StoreInUse) return e
        const code = (e as NodeJS.ErrnoException).code
        // Where the store cannot be made is the configuration's mistake (exit 78, which a service does not restart),
        // not a failure that passes.
        const cannotOpen = /unable to open database file|readonly database|attempt to write a readonly/.test((e as Error).message ?? "")
        if (cannotOpen || (code !== undefined && ["EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EEXIST"].includes(code))) {
          return new ConfigError({
            message: `store.path: the store ${file} cannot be made or opened there (${cannotOpen ? (e as Error).message : code}): give store.path ` +
              "a file in a folder this server may write, its own (as a service: /var/lib/channel-server/channel.db, owned by channel-server)"
          })
        }
        return new StoreInUse({ message: `the store ${file} cannot be locked: ${(e as Error).message}` })
      }
    }),
    (db) => Effect.sync(() => db.close())
  )

/** The lock for the life of the layer (nothing for an in-memory store). */
export const StoreLockLive: Layer.Layer<never, StoreInUse | ConfigError, AppConfig> = Layer.scopedDiscard(
  Effect.flatMap(AppConfig, ({ store }) => {
    const { path } = store as SqliteSettings
    return path === ":memory:" ? Effect.void : lockStore(path)
  })
)
