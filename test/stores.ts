// What the store tests share: an event, and the PostgreSQL store on a new database of the suite's cluster.
import * as Reactivity from "@effect/experimental/Reactivity"
import { inject } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { makePostgresStore } from "../src/stores/postgres/PostgresStore.ts"
import type { NewEvent } from "../src/stores/Store.ts"
import { freshDatabase } from "./postgresCluster.ts"

export const event = (mId: string, contactId: string, channelId = "C"): NewEvent => ({
  channelId,
  contactId,
  mId,
  dedupeKey: `inbound:${mId}`,
  event: { kind: "message", channelId, contactId, mId, timestamp: 0, message: { type: "text", text: mId } }
})

/** The PostgreSQL store (none of its times move with the test clock: they are the database's). */
export const openPostgres = (url = freshDatabase(inject("postgresAdminUrl")), leaseMs = 10_000) =>
  makePostgresStore({ url: Redacted.make(url), poolSize: 4, leaseMs, dueHorizonMs: 60_000 }).pipe(
    Effect.provide(Reactivity.layer),
    Effect.orDie
  )
