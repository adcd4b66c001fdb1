// `channel-server store copy-from-sqlite <file>`: moves a SQLite store's work into the configured PostgreSQL store,
// in one transaction: the outbox (pending events, due at once, in their order; dead letters; the delivered history,
// so a push the provider repeats later is still known), the statuses of sent parts and the latest quick
// replies, and the contacts' opt-outs. What the database has already (same dedupe key, part or contact) is left as it is, so it can run twice.
import type * as Reactivity from "@effect/experimental/Reactivity"
import { Effect, type Scope } from "effect"
import { DatabaseSync } from "node:sqlite"
import type { SqlError } from "@effect/sql/SqlError"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ConfigError } from "../../config/ConfigError.ts"
import { openSqliteStore } from "../sqlite/SqliteStore.ts"
import { lockStore } from "../sqlite/storeLock.ts"
import type { StoreInUse, StoreUnavailable } from "../Store.ts"
import { connectPostgres } from "./connection.ts"
import type { PostgresSettings } from "./settings.ts"

export interface Copied {
  readonly events: { readonly copied: number; readonly known: number }
  readonly parts: number
  readonly quickReplies: number
  /** Contacts' latest STOP or START on a channel. */
  readonly consent: number
}

type Row = Record<string, unknown>

/** Rows per statement: well under PostgreSQL's 65,535 parameters. */
const chunk = 500

function* chunks<A>(rows: Iterable<A>): Generator<Array<A>> {
  let batch: Array<A> = []
  for (const row of rows) {
    batch.push(row)
    if (batch.length === chunk) yield batch.splice(0)
  }
  if (batch.length > 0) yield batch
}

/** A copy is one transaction, however long it takes (each statement in it is bounded as usual). */
const copyTimeoutMs = 60 * 60_000

export const copyFromSqlite = (
  file: string
): Effect.Effect<Copied, StoreUnavailable | StoreInUse | ConfigError, AppConfig | Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const settings = config.store as PostgresSettings
    // No server may be using the SQLite store meanwhile (its lock says so), and it is brought up to date first.
    yield* lockStore(file)
    yield* Effect.sync(() => openSqliteStore(file).close())
    const source = yield* Effect.acquireRelease(Effect.sync(() => new DatabaseSync(file, { readOnly: true })), (db) => Effect.sync(() => db.close()))
    // Read as they are copied, a chunk at a time: a long history need not fit in memory.
    const rowsOf = (query: string) => chunks(source.prepare(query).iterate() as Iterable<Row>)

    // A connection of its own, bounded by the copy's length rather than by one push's.
    const { run, sql } = yield* connectPostgres({ ...settings, poolSize: 1, timeoutMs: copyTimeoutMs })
    return yield* run(Effect.gen(function*() {
      // Replicas running meanwhile wait (their pushes, their deliveries' records): no contact's queue changes under it.
      yield* sql`LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE`
      let [copied, read] = [0, 0]
      for (const rows of rowsOf(`SELECT dedupe_key, channel_id, contact_id, kind, m_id, body, state, attempts, last_error, created_at,
        updated_at, retry_since, source FROM outbox WHERE state <> 'resolved' ORDER BY id`)) {
        read += rows.length
        const inserted = yield* sql`INSERT INTO outbox ${
          sql.insert(rows.map((r) => ({
            dedupe_key: r.dedupe_key,
            channel_id: r.channel_id,
            contact_id: r.contact_id,
            kind: r.kind,
            m_id: r.m_id,
            body: r.body,
            state: r.state,
            // Each contact's queue is set right below; a pending event is due at once.
            waiting: false,
            attempts: r.attempts,
            next_attempt_at: 0,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
            retry_since: r.retry_since,
            source: r.source
          })))
        } ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`
        copied += inserted.length
      }
      // One head per contact, the oldest pending event (the database's own come first: their ids are lower).
      yield* sql`UPDATE outbox SET waiting = (outbox.id <> heads.id) FROM (
          SELECT channel_id, contact_id, MIN(id) AS id FROM outbox WHERE state = 'pending' GROUP BY channel_id, contact_id) AS heads
        WHERE outbox.state = 'pending' AND outbox.channel_id = heads.channel_id AND outbox.contact_id = heads.contact_id
          AND outbox.waiting <> (outbox.id <> heads.id)`
      /** Copies the rows `query` reads with `insert`, a chunk at a time; how many were new. */
      const copyRows = (query: string, insert: (rows: Array<Row>) => Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
        Effect.gen(function*() {
          let copied = 0
          for (const rows of rowsOf(query)) copied += (yield* insert(rows)).length
          return copied
        })
      const partsCopied = yield* copyRows("SELECT part_id, m_id, part, parts, status, error FROM part_status", (rows) =>
        sql`INSERT INTO part_status ${sql.insert(rows)} ON CONFLICT (part_id) DO NOTHING RETURNING part_id`)
      const consentCopied = yield* copyRows("SELECT channel_id, contact_id, opted_out, keyword, said_at FROM consent", (rows) =>
        // The later word wins, as when it is said (the database may know an older one of the contact's).
        sql`INSERT INTO consent ${sql.insert(rows.map((r) => ({ ...r, opted_out: r.opted_out === 1 })))}
          ON CONFLICT (channel_id, contact_id) DO UPDATE SET opted_out = excluded.opted_out, keyword = excluded.keyword, said_at = excluded.said_at
          WHERE excluded.said_at > consent.said_at OR (excluded.said_at = consent.said_at AND excluded.opted_out AND NOT consent.opted_out)
          RETURNING channel_id`)
      const repliesCopied = yield* copyRows("SELECT channel_id, contact_id, quick_replies, sent_at FROM last_outgoing", (rows) =>
        sql`INSERT INTO last_outgoing ${sql.insert(rows)} ON CONFLICT (channel_id, contact_id) DO NOTHING RETURNING channel_id`)
      return { events: { copied, known: read - copied }, parts: partsCopied, quickReplies: repliesCopied, consent: consentCopied }
    }))
  })
