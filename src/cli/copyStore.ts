// `store copy-from-sqlite <file>`: a SQLite store's work into the configured store, when that store can take it.
import * as Reactivity from "@effect/experimental/Reactivity"
import { Console, Effect } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import * as registry from "../registry.ts"
import { UsageError } from "./Cli.ts"

export const copyIntoStore = (file: string) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const target = registry.stores[config.store.plugin]
    if (!("copyFromSqlite" in target)) {
      return yield* new UsageError({ message: `the configured store is ${config.store.plugin}: copy-from-sqlite copies into a PostgreSQL store (store.plugin "postgres")` })
    }
    const copied = yield* target.copyFromSqlite(file).pipe(Effect.scoped, Effect.provide(Reactivity.layer))
    yield* Console.log(
      `copied ${copied.events.copied} events (${copied.events.known} were there already), ${copied.parts} part statuses, ` +
        `${copied.quickReplies} quick replies, ${copied.consent} opt-outs and opt-ins into ${registry.describeStore(config.store)}`
    )
  })
