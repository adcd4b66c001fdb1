// The store settings of SQLite, the default store: `"store": { "plugin": "sqlite", "path": ... }` (plugin optional).
import { Schema } from "effect"
import * as path from "node:path"
import { withDefault } from "../../config/fields.ts"

export const SqliteSettings = Schema.Struct({
  plugin: withDefault(Schema.Literal("sqlite"), "sqlite"),
  path: withDefault(Schema.String, "./data/channel.db").annotations({
    description: "The SQLite file of the outbox (a relative path is read from the configuration file's folder); its folder is created on start"
  })
})
export type SqliteSettings = typeof SqliteSettings.Type

export const defaultSettings: SqliteSettings = { plugin: "sqlite", path: "./data/channel.db" }

/** Where a relative store.path points, and what the operator should hear about it; or why it cannot be told. */
export type Located =
  | { readonly _tag: "Located"; readonly settings: SqliteSettings; readonly warning?: string }
  | { readonly _tag: "Problem"; readonly problem: string }

/** What `locate` asks of the file system: whether a file is there, and whether two paths are one file. */
export interface FileSystem {
  readonly exists: (file: string) => boolean
  readonly same: (a: string, b: string) => boolean
}

/**
 * A relative `store.path` is read from the configuration file's folder, so every command run with the same --config
 * finds the same store wherever it runs from. Versions before 0.2 read it from the working folder: a store found
 * there (and none beside the configuration) is used where it is, with a warning saying how to make that explicit; a
 * store in both places stops start-up, naming both. Never a new, empty store beside an install's real one: a command
 * that only reads the store (`existing`) finds one or stops, naming where it looked.
 */
export const locate = (settings: SqliteSettings, configDir: string, workingDir: string, fs: FileSystem, existing = false): Located => {
  if (settings.path === ":memory:") return { _tag: "Located", settings }
  const beside = path.resolve(configDir, settings.path)
  const old = path.resolve(workingDir, settings.path)
  const missing = (): Located => ({
    _tag: "Problem",
    problem: path.isAbsolute(settings.path) || beside === old
      ? `no store at ${beside}: is this the configuration of the server whose store it is? (a server makes its store when it first starts)`
      : `no store at ${beside} (beside the configuration) nor at ${old} (in the working folder, where versions before 0.2 read it): ` +
        "is this the configuration of the server whose store it is? (a server makes its store when it first starts)"
  })
  if (path.isAbsolute(settings.path) || beside === old || !fs.exists(old) || (fs.exists(beside) && fs.same(beside, old))) {
    return existing && !fs.exists(beside) ? missing() : { _tag: "Located", settings: { ...settings, path: beside } }
  }
  if (fs.exists(beside)) {
    return {
      _tag: "Problem",
      problem: `${settings.path} names two stores: ${beside} (beside the configuration, where a relative path is read from) and ${old} ` +
        "(in the working folder, where versions before 0.2 read it); keep the one that holds your messages and set store.path to its absolute path"
    }
  }
  return {
    _tag: "Located",
    settings: { ...settings, path: old },
    warning: `store.path: ${settings.path} is read from the configuration file's folder (${beside}), but the store is at ${old}, ` +
      `where versions before 0.2 read it from the working folder; it is used there. Set store.path to "${old}" to say so ` +
      "(or stop the server and move the file, with its -wal file, beside the configuration)"
  }
}
