// The connection to PostgreSQL: a pool made to notice a silent network cut, the schema migrated (one replica at a
// time), and `run`, which makes one bounded operation of a statement or a transaction and turns every outage into
// StoreUnavailable (saying once when the database stops and starts taking writes).
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { SqlError as SqlErrorOf } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Effect, Redacted } from "effect"
import Pg from "pg"
import { steadyMillis } from "../../steadyClock.ts"
import { StoreUnavailable } from "../Store.ts"
import { migrations } from "./migrations.ts"

/** How long one store operation may take before it counts as the database being unreachable. */
export const operationTimeoutMs = 10_000

/**
 * SQLSTATE classes that say one statement was wrong (data, constraint, syntax): a bug, not an outage. Every other
 * failure (connection lost or refused, server shutting down, out of resources, read-only standby, deadlock) says the
 * database cannot take the write now.
 */
const statementFaults = /^(22|23|42)/

/** The lock classes of pg_advisory_xact_lock(class, key). */
export const locks = { migrations: 0, contact: 1, message: 2 } as const

/** Where the database is, for the start-up line and errors: the URL without its user and password. */
export const describeUrl = (url: Redacted.Redacted<string>) => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `postgres ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname}`
  } catch {
    return "postgres"
  }
}

/** A pool to the database, its schema migrated: `run` makes one operation of a statement or a transaction. */
export const connectPostgres = (options: {
  readonly url: Redacted.Redacted<string>
  readonly poolSize: number
  /** The bound of one operation (the copy command's is long: it is one transaction). */
  readonly timeoutMs?: number
}) =>
  Effect.gen(function*() {
    const password = (() => {
      try {
        return decodeURIComponent(new URL(Redacted.value(options.url)).password)
      } catch {
        return ""
      }
    })()
    /** The reason a failure gives, with the password taken out should a driver ever repeat it. */
    const scrub = (text: string) => (password.length > 0 ? text.split(password).join("***") : text)
    const where = describeUrl(options.url)

    const unavailable = (e: SqlError | StoreUnavailable): Effect.Effect<never, StoreUnavailable> => {
      if (e._tag === "StoreUnavailable") return Effect.fail(e)
      const cause = e.cause as { readonly code?: unknown; readonly message?: unknown } | undefined
      const code = typeof cause?.code === "string" ? cause.code : undefined
      const detail = scrub(typeof cause?.message === "string" && cause.message !== "" ? cause.message : e.message)
      if (code !== undefined && statementFaults.test(code)) return Effect.die(new Error(`${where}: ${detail} (${code})`))
      return Effect.fail(new StoreUnavailable({ reason: `the database (${where}) cannot take the write: ${detail}` }))
    }

    const timeoutMs = options.timeoutMs ?? operationTimeoutMs
    // A pool of our own, for what @effect/sql-pg's options do not reach: a connection cut off without a word (a
    // network cut) is found by TCP keepalive and by the bounds on a query, and the server ends a session cut off
    // in the middle of a transaction, releasing its locks.
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new Pg.Pool({
          connectionString: Redacted.value(options.url),
          max: options.poolSize,
          connectionTimeoutMillis: 5_000,
          idleTimeoutMillis: 30_000,
          keepAlive: true,
          keepAliveInitialDelayMillis: 5_000,
          // A little longer than the server's own bound, so that its answer (an error) comes first when it can.
          query_timeout: timeoutMs + 2_000,
          // The session's own bounds (start-up parameters of their own, so a URL's ?options= keeps them; behind
          // PgBouncer, list them in its ignore_startup_parameters).
          statement_timeout: timeoutMs,
          idle_in_transaction_session_timeout: timeoutMs,
          application_name: "custom-channel-server"
        })
      ),
      (pool) => Effect.promise(() => pool.end()).pipe(Effect.timeoutOption(1_000))
    )
    pool.on("error", () => undefined)
    // A connection given back in the middle of a query (its caller stopped waiting: the query timed out, the
    // network is cut) is closed, never reused: a late answer must not open or end a transaction for its next user.
    pool.on("release", (error: unknown, client: Pg.PoolClient) => {
      const raw = client as unknown as { readonly readyForQuery?: boolean; readonly connection?: { readonly stream?: { destroy: () => void } } }
      if (error === undefined && raw.readyForQuery === false) raw.connection?.stream?.destroy()
    })
    const sql: SqlClient = yield* PgClient.fromPool({ acquire: Effect.succeed(pool), applicationName: "custom-channel-server" }).pipe(
      Effect.catchAll(unavailable)
    )
    // Fails now, with the reason, when the database cannot be reached at start.
    yield* Effect.tryPromise({ try: () => pool.query("SELECT 1"), catch: (cause) => new SqlErrorOf({ cause, message: "cannot connect" }) }).pipe(
      Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new StoreUnavailable({ reason: `the database (${where}) did not answer within ${timeoutMs / 1000} s` }) }),
      Effect.catchAll(unavailable)
    )

    // The first operation to see the database fail, or come back, says so (once each way).
    let failing = false
    /** When an operation last succeeded (the process's steady clock). */
    let lastOk = Number.NEGATIVE_INFINITY
    const report = (now: boolean, reason?: string) => {
      if (now === failing) return Effect.void
      failing = now
      return now
        ? Effect.logError("the store cannot write; pushes are answered 503 and /readyz is 503 until it can").pipe(Effect.annotateLogs({ reason }))
        : Effect.logInfo("the store commits again; pushes are accepted")
    }
    /**
     * One operation: in a transaction when it writes (`transaction`; false for one statement, which is a transaction
     * of its own); a deadlock the database broke is tried again; no answer within the bound, or any outage, is
     * StoreUnavailable (a write that committed and was then cut off is found again by its dedupe key when the
     * provider pushes it again). A `read` that succeeds does not say the store takes writes again (a read-only
     * standby answers reads).
     */
    const run = <A>(
      effect: Effect.Effect<A, SqlError>,
      { read = false, timeoutMs: bound = timeoutMs, transaction = true }: {
        readonly transaction?: boolean
        readonly read?: boolean
        readonly timeoutMs?: number
      } = {}
    ): Effect.Effect<A, StoreUnavailable> =>
      (transaction ? sql.withTransaction(effect) : effect).pipe(
        Effect.retry({
          times: 3,
          while: (e) => ["40P01", "40001"].includes(String((e.cause as { code?: unknown } | undefined)?.code))
        }),
        // A transaction's BEGIN and COMMIT cannot be interrupted: on a connection cut off, the answer comes now
        // and the transaction ends in the background (the query bounds above end it).
        Effect.disconnect,
        Effect.timeoutFail({
          duration: bound,
          onTimeout: () => new StoreUnavailable({ reason: `the database (${where}) did not answer within ${bound / 1000} s` })
        }),
        Effect.catchAll(unavailable),
        Effect.tapBoth({
          onFailure: (e) => report(true, e.reason),
          onSuccess: () => (read ? Effect.void : Effect.zipRight(Effect.map(steadyMillis, (t) => void (lastOk = t)), report(false)))
        })
      )

    // Migrations: one replica applies them while the others wait on the lock, then find them applied.
    yield* run(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${locks.migrations}, 0)`
      yield* sql`CREATE TABLE IF NOT EXISTS ccs_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`
      const applied = new Set((yield* sql<{ version: number }>`SELECT version FROM ccs_schema_migrations`).map((r) => r.version))
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue
        for (const statement of migration.statements) yield* sql.unsafe(statement)
        yield* sql`INSERT INTO ccs_schema_migrations (version) VALUES (${migration.version})`
      }
    }))
    /** Whether an operation succeeded within the last `ms` and none failed since. */
    const recentlyOk = (ms: number) => Effect.map(steadyMillis, (t) => !failing && t - lastOk < ms)
    return { sql, run, where, recentlyOk }
  })


export type Connection = Effect.Effect.Success<ReturnType<typeof connectPostgres>>
