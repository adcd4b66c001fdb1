// The store settings of SQLite, the default store: `"store": { "plugin": "sqlite", "path": ... }` (plugin optional).
import { Schema } from "effect"
import { withDefault } from "../../config/fields.ts"

export const SqliteSettings = Schema.Struct({
  plugin: withDefault(Schema.Literal("sqlite"), "sqlite"),
  path: withDefault(Schema.String, "./data/channel.db").annotations({
    description: "The SQLite file of the outbox; its folder is created on start"
  })
})
export type SqliteSettings = typeof SqliteSettings.Type

export const defaultSettings: SqliteSettings = { plugin: "sqlite", path: "./data/channel.db" }
