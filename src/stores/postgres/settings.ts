// The store settings of PostgreSQL, for several replicas on one database:
// `"store": { "plugin": "postgres", "url": "${DATABASE_URL}" }`. The URL may carry a password: it is a secret.
import { Redacted, Schema } from "effect"
import { PositiveInt, Secret, withDefault } from "../../config/fields.ts"

const connectionUrl = Secret(
  "postgres://user:password@host:5432/database (a secret: it may carry the password; ?sslmode=require for TLS)"
).pipe(
  // The message never repeats the value: it may hold the password.
  Schema.filter((url) => /^postgres(ql)?:\/\/./.test(Redacted.value(url)) || "must be a postgres:// URL")
)

export const PostgresSettings = Schema.Struct({
  plugin: Schema.Literal("postgres"),
  url: connectionUrl,
  poolSize: withDefault(PositiveInt, 10).annotations({
    description: "Connections this replica keeps to the database (each push and each delivery record takes one briefly)"
  }),
  leaseMs: withDefault(PositiveInt.pipe(Schema.between(3_000, 60_000, { message: () => "must be from 3000 to 60000" })), 10_000)
    .annotations({
      description:
        "How long a replica owns a channel's delivery without renewing it (renewed every third of it): a replica that dies " +
        "hands its channels over within this plus 2 s"
    })
})
export type PostgresSettings = typeof PostgresSettings.Type
