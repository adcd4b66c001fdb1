// The Store on SQLite through node:sqlite (no native addon): WAL mode, migrations on start, closed on shutdown.
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ChannelEvent } from "../../domain/events.ts"
import { migrations } from "./migrations.ts"
import { createPrivately } from "./privateFile.ts"
import type { SqliteSettings } from "./settings.ts"
import { longestDelayMs, retryAfterCapMs } from "../../services/RetryPolicy.ts"
import { steadyMillis } from "../../steadyClock.ts"
import { foldStoredParts, type StoredPart } from "../../translate/splitStatus.ts"
import {
  type ChannelDepth,
  type DeadLetter,
  type FoldedStatus,
  type FoldOutcome,
  type NewEvent,
  type OptOut,
  type OutboxEvent,
  Store,
  type StoreShape,
  StoreUnavailable
} from "../Store.ts"

type Row = Record<string, SQLInputValue>

/** Applies what is missing, each migration in its own transaction; a server and the command line may race. */
const migrate = (db: DatabaseSync) => {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
  const isApplied = db.prepare("SELECT 1 AS one FROM schema_migrations WHERE version = ?")
  for (const migration of migrations) {
    db.exec("BEGIN IMMEDIATE")
    try {
      if (!isApplied.get(migration.version)) {
        db.exec(migration.sql)
        db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(migration.version, Date.now())
      }
      db.exec("COMMIT")
    } catch (e) {
      db.exec("ROLLBACK")
      throw e
    }
  }
}

/** SQLite's primary result codes that say the store cannot write (busy, locked, no memory, read-only, I/O, corrupt, full, cannot open, not a database), not that one write was wrong. */
const storeFaults = new Set([5, 6, 7, 8, 10, 11, 13, 14, 26])

const isStoreFault = (e: unknown): e is Error => {
  const code = e instanceof Error ? (e as Error & { readonly errcode?: unknown }).errcode : undefined
  return typeof code === "number" && storeFaults.has(code & 0xff)
}

/** Which file a path names now (device and inode), or undefined when it names none. */
const identityOf = (file: string) => {
  try {
    const stat = fs.statSync(file)
    return `${stat.dev}:${stat.ino}`
  } catch {
    return undefined
  }
}

export interface SqliteStoreOptions {
  /** An event due further ahead than this (the longest wait the bridge chooses) is due now: the clock stepped back. */
  readonly dueHorizonMs?: number
  /** Opens the connection (a test keeps it to fill the "disk"). */
  readonly connect?: (file: string) => DatabaseSync
}

/**
 * Opens (creating the folder and the schema as needed) and returns the store; `close` ends it. A write fails with
 * StoreUnavailable, and nothing of its batch is kept, when SQLite cannot commit (disk full, I/O error) or when the
 * database or its write-ahead log is no longer the file that was opened (removed or replaced under the server,
 * where SQLite would go on writing into a file nobody will read again).
 */
export const openSqliteStore = (
  file: string,
  { connect = (f) => new DatabaseSync(f), dueHorizonMs = retryAfterCapMs }: SqliteStoreOptions = {}
): { readonly store: StoreShape; readonly close: () => void } => {
  if (file !== ":memory:") createPrivately(file)
  const db = connect(file)
  try {
    db.exec("PRAGMA journal_mode = WAL")
    // FULL: a commit is on disk before the push is answered 200, even if the machine loses power.
    db.exec("PRAGMA synchronous = FULL")
    db.exec("PRAGMA busy_timeout = 5000")
    migrate(db)
  } catch (cause) {
    db.close()
    // "file is not a database" alone does not say which file.
    throw new Error(`the store ${file} cannot be opened: ${(cause as Error).message} (is store.path this bridge's store?)`)
  }
  // The write-ahead log exists from the first transaction until the last connection closes (this one), beside the
  // database's real path (a symlinked store has it beside the target).
  const real = file === ":memory:" ? undefined : fs.realpathSync(file)
  const files = real === undefined ? [] : [real, `${real}-wal`]
  const opened = files.map(identityOf)
  const replaced = () =>
    files.some((f, i) => identityOf(f) !== opened[i])
      ? "the store's file was removed or replaced under the running server; restart it"
      : undefined

  const statement = (sql: string) => db.prepare(sql)
  const q = {
    insert: statement(`INSERT INTO outbox (dedupe_key, channel_id, contact_id, kind, m_id, body, state, waiting, last_error, next_attempt_at, created_at, updated_at, retry_since)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`),
    hasPending: statement("SELECT 1 AS one FROM outbox WHERE channel_id = ? AND contact_id = ? AND state = 'pending' LIMIT 1"),
    // Two index ranges rather than one OR: the events due, and those due further ahead than any delay we choose.
    due: statement(`SELECT id, channel_id, contact_id, m_id, body, attempts, retry_since FROM outbox
      WHERE channel_id = ? AND state = 'pending' AND waiting = 0 AND next_attempt_at <= ? AND lease_until = 0
      ORDER BY next_attempt_at, id LIMIT ?`),
    beyondHorizon: statement(`SELECT id, channel_id, contact_id, m_id, body, attempts, retry_since FROM outbox
      WHERE channel_id = ? AND state = 'pending' AND waiting = 0 AND next_attempt_at > ? AND lease_until = 0
      ORDER BY next_attempt_at, id LIMIT ?`),
    // lease_until holds when the lease was taken (not 0): a lease ends with its attempt's record, not with time.
    lease: statement("UPDATE outbox SET lease_until = ?, updated_at = ? WHERE id = ?"),
    delivered: statement("UPDATE outbox SET state = 'delivered', attempts = attempts + 1, lease_until = 0, last_error = NULL, updated_at = ? WHERE id = ?"),
    retry: statement("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = 0, last_error = ?, updated_at = ? WHERE id = ?"),
    dead: statement("UPDATE outbox SET state = 'dead', attempts = attempts + 1, lease_until = 0, last_error = ?, updated_at = ? WHERE id = ?"),
    contactOf: statement("SELECT channel_id, contact_id FROM outbox WHERE id = ?"),
    // The contact's next event becomes its head, due no earlier than now.
    promote: statement(`UPDATE outbox SET waiting = 0, next_attempt_at = MAX(next_attempt_at, ?), updated_at = ?
      WHERE id = (SELECT MIN(id) FROM outbox WHERE channel_id = ? AND contact_id = ? AND state = 'pending' AND waiting = 1)
        AND NOT EXISTS (SELECT 1 FROM outbox WHERE channel_id = ? AND contact_id = ? AND state = 'pending' AND waiting = 0)`),
    nextDue: statement(`SELECT MIN(next_attempt_at) AS due FROM outbox
      WHERE channel_id = ? AND state = 'pending' AND waiting = 0 AND lease_until = 0`),
    deadLetters: statement("SELECT id, created_at, channel_id, contact_id, m_id, kind, source, attempts, last_error, body FROM outbox WHERE state = 'dead' ORDER BY id"),
    keep: statement(`INSERT INTO outbox (dedupe_key, channel_id, contact_id, kind, m_id, body, state, waiting, last_error, next_attempt_at, created_at, updated_at, retry_since, source)
      VALUES (?, NULL, NULL, ?, NULL, ?, 'dead', 0, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`),
    requeue: statement(`UPDATE outbox SET state = 'pending', waiting = ?, attempts = 0, next_attempt_at = ?, lease_until = 0, updated_at = ?, retry_since = ?
      WHERE id = ? AND state = 'dead' AND kind = 'event'`),
    release: statement("UPDATE outbox SET lease_until = 0 WHERE channel_id = ? AND state = 'pending' AND lease_until > 0"),
    resolve: statement("UPDATE outbox SET state = 'resolved', updated_at = ? WHERE id = ? AND state = 'dead'"),
    depth: statement("SELECT channel_id, state, COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'dead') GROUP BY channel_id, state"),
    oldestPending: statement("SELECT channel_id, MIN(retry_since) AS since FROM outbox WHERE state = 'pending' GROUP BY channel_id"),
    pendingChannels: statement("SELECT DISTINCT channel_id FROM outbox WHERE state = 'pending'"),
    abandon: statement("UPDATE outbox SET state = 'dead', waiting = 0, lease_until = 0, last_error = ?, updated_at = ? WHERE channel_id = ? AND state = 'pending'"),
    recordPart: statement(`INSERT INTO part_status (part_id, m_id, part, parts) VALUES (?, ?, ?, ?)
      ON CONFLICT (part_id) DO UPDATE SET m_id = excluded.m_id, part = excluded.part, parts = excluded.parts`),
    partOf: statement("SELECT m_id, parts FROM part_status WHERE part_id = ?"),
    // A part's status only moves forward: sent, then delivered or failed; a final status (and its error) stays.
    setPart: statement(`INSERT INTO part_status (part_id, m_id, part, parts, status, error) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (part_id) DO UPDATE SET
        m_id = COALESCE(part_status.m_id, excluded.m_id),
        error = CASE WHEN part_status.status IS NULL OR (part_status.status = 'sent' AND excluded.status <> 'sent')
          THEN excluded.error ELSE part_status.error END,
        status = CASE WHEN part_status.status IS NULL OR (part_status.status = 'sent' AND excluded.status <> 'sent')
          THEN excluded.status ELSE part_status.status END`),
    parts: statement("SELECT part, status, error FROM part_status WHERE m_id = ? ORDER BY part"),
    rememberOutgoing: statement(`INSERT INTO last_outgoing (channel_id, contact_id, quick_replies, sent_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (channel_id, contact_id) DO UPDATE SET quick_replies = excluded.quick_replies, sent_at = excluded.sent_at`),
    lastOutgoing: statement("SELECT quick_replies, sent_at FROM last_outgoing WHERE channel_id = ? AND contact_id = ?"),
    probe: statement(`INSERT INTO store_probe (id, written_at) VALUES (1, ?)
      ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at`),
    changes: statement("SELECT total_changes() AS n"),
    // The latest word wins; at the same time, the opt-out (when in doubt, send nothing).
    optOut: statement(`INSERT INTO consent (channel_id, contact_id, opted_out, keyword, said_at) VALUES (?, ?, 1, ?, ?)
      ON CONFLICT (channel_id, contact_id) DO UPDATE SET opted_out = 1, keyword = excluded.keyword, said_at = excluded.said_at
      WHERE excluded.said_at > consent.said_at OR (excluded.said_at = consent.said_at AND consent.opted_out = 0)`),
    wasOptedOut: statement("SELECT opted_out FROM consent WHERE channel_id = ? AND contact_id = ?"),
    optIn: statement(`INSERT INTO consent (channel_id, contact_id, opted_out, keyword, said_at) VALUES (?, ?, 0, ?, ?)
      ON CONFLICT (channel_id, contact_id) DO UPDATE SET opted_out = 0, keyword = excluded.keyword, said_at = excluded.said_at
      WHERE excluded.said_at > consent.said_at`),
    optedOut: statement(`SELECT channel_id, contact_id, keyword, said_at FROM consent
      WHERE channel_id = ? AND contact_id = ? AND opted_out = 1`),
    optOuts: statement("SELECT channel_id, contact_id, keyword, said_at FROM consent WHERE opted_out = 1 ORDER BY said_at, channel_id, contact_id")
  }
  const optOutOf = (row: Row): OptOut => ({
    channelId: row.channel_id as string,
    contactId: row.contact_id as string,
    keyword: row.keyword as string,
    at: row.said_at as number
  })

  const now = steadyMillis
  const read = <A>(f: (now: number) => A) => Effect.flatMap(now, (t) => Effect.sync(() => f(t)))

  const changes = () => (q.changes.get() as Row).n as number

  // Group commit: the writes asked for while the event loop was busy go in one transaction, so that many
  // pushes share one fsync; each write is atomic on its own (a savepoint), and fails alone, unless the store
  // itself cannot write: then the whole batch fails with StoreUnavailable.
  const queue: Array<{ readonly op: () => unknown; readonly resume: (result: Effect.Effect<any, StoreUnavailable>) => void }> = []
  let scheduled = false
  let closed = false
  /** Why the store cannot write, from a failed commit until a commit that wrote something succeeds. */
  let fault: string | undefined
  const flush = () => {
    scheduled = false
    const batch = queue.splice(0)
    if (batch.length === 0) return
    let results: Array<Effect.Effect<unknown, StoreUnavailable>> = []
    try {
      if (closed) throw new Error("the store is closed")
      // A transaction a failed ROLLBACK left open is ended first.
      if (db.isTransaction) db.exec("ROLLBACK")
      const gone = replaced()
      if (gone !== undefined) throw new StoreUnavailable({ reason: gone })
      const before = changes()
      db.exec("BEGIN IMMEDIATE")
      for (const { op } of batch) {
        db.exec("SAVEPOINT op")
        let value: unknown
        try {
          value = op()
        } catch (e) {
          if (isStoreFault(e)) throw e
          db.exec("ROLLBACK TO op")
          db.exec("RELEASE op")
          results.push(Effect.die(e))
          continue
        }
        db.exec("RELEASE op")
        results.push(Effect.succeed(value))
      }
      db.exec("COMMIT")
      // Committed into a log that was removed meanwhile: nobody will read it, so it does not count as kept.
      const goneSince = replaced()
      if (goneSince !== undefined) {
        fault = goneSince
        results = batch.map(() => Effect.fail(new StoreUnavailable({ reason: goneSince })))
        return
      }
      try {
        if (changes() > before) fault = undefined
      } catch {
        // the commit stands; readiness learns of the store from the next write
      }
    } catch (e) {
      try {
        if (db.isOpen && db.isTransaction) db.exec("ROLLBACK")
      } catch {
        // the transaction is gone already; every write of the batch fails below
      }
      const failure = e instanceof StoreUnavailable
        ? e
        : isStoreFault(e)
        ? new StoreUnavailable({ reason: `the store cannot commit: ${e.message}` })
        : undefined
      if (failure) fault = failure.reason
      results = batch.map(() => (failure ? Effect.fail(failure) : Effect.die(e)))
    } finally {
      // Every caller hears back, whatever happened: a write is answered only once committed (or failed).
      batch.forEach(({ resume }, i) => resume(results[i] ?? Effect.die(new Error("the store failed"))))
    }
  }
  // The first write to see the store fail, or come back, says so.
  let reported: string | undefined
  const report = Effect.suspend(() => {
    if (fault === reported) return Effect.void
    reported = fault
    return fault === undefined
      ? Effect.logInfo("the store commits again; pushes are accepted")
      : Effect.logError("the store cannot write; pushes are answered 503 and /readyz is 503 until it can").pipe(
        Effect.annotateLogs({ reason: fault })
      )
  })
  const write = <A>(f: (now: number) => A): Effect.Effect<A, StoreUnavailable> =>
    Effect.flatMap(now, (t) =>
      Effect.async<A, StoreUnavailable>((resume) => {
        queue.push({ op: () => f(t), resume })
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      })).pipe(Effect.ensuring(report))

  /** After an event left the pending state, the next one of its contact (if any) becomes the head. */
  const promoteNext = (id: number, t: number) => {
    const row = q.contactOf.get(id) as Row | undefined
    if (!row) return
    const [channelId, contactId] = [row.channel_id as string, row.contact_id as string]
    q.promote.run(t, t, channelId, contactId, channelId, contactId)
  }

  /** Due now, whatever the process: 0 is in the past of every process's clock (the command line's included). */
  const dueNow = 0

  const insertEvent = (e: NewEvent, t: number): "accepted" | "duplicate" => {
    const waiting = q.hasPending.get(e.channelId, e.contactId) ? 1 : 0
    const inserted = q.insert.run(
      e.dedupeKey, e.channelId, e.contactId, "event", e.mId, JSON.stringify(e.event), "pending", waiting, null, dueNow, t, t, t
    ).changes === 1
    return inserted ? "accepted" : "duplicate"
  }

  /** Folds the statuses of the message's `parts` parts; commits the fold's event unless it was forwarded already. */
  const foldParts = (mId: string, parts: number, toEvent: (fold: FoldedStatus) => NewEvent, t: number): FoldOutcome => {
    const fold = foldStoredParts(q.parts.all(mId) as unknown as Array<StoredPart>, parts)
    return fold === undefined ? "held" : insertEvent(toEvent({ mId, ...fold }), t)
  }

  const store: StoreShape = {
    accept: (e) => write((t) => insertEvent(e, t)),
    keepUnroutable: (kind, dedupeKey, fields, reason, source) =>
      write((t) =>
        q.keep.run(dedupeKey, kind, JSON.stringify(fields), reason, t, t, t, t, source).changes === 1
          ? "accepted"
          : "duplicate"
      ),
    claimDue: (channelId, limit) =>
      write((t) => {
        // Those beyond the horizon first: they were due before the clock stepped back.
        const beyond = q.beyondHorizon.all(channelId, t + dueHorizonMs, limit) as Array<Row>
        const rows = beyond.length < limit ? [...beyond, ...(q.due.all(channelId, t, limit - beyond.length) as Array<Row>)] : beyond
        for (const row of rows) q.lease.run(Math.max(t, 1), t, row.id as number)
        return rows.map((row): OutboxEvent => ({
          id: row.id as number,
          channelId: row.channel_id as string,
          contactId: row.contact_id as string,
          mId: row.m_id as string,
          event: JSON.parse(row.body as string) as ChannelEvent,
          attempts: row.attempts as number,
          retrySince: row.retry_since as number
        }))
      }),
    releaseLeases: (channelId) => write(() => void q.release.run(channelId)),
    abandonOtherChannels: (channelIds) =>
      write((t) => {
        const stale = (q.pendingChannels.all() as Array<Row>)
          .map((r) => r.channel_id as string)
          .filter((id) => !channelIds.includes(id))
        return stale.reduce((n, id) => n + Number(q.abandon.run(`channel ${id} is no longer configured`, t, id).changes), 0)
      }),
    markDelivered: (id) => write((t) => (q.delivered.run(t, id), promoteNext(id, t))),
    markRetry: (id, delayMs, error) => write((t) => void q.retry.run(t + delayMs, error, t, id)),
    markDead: (id, error) => write((t) => (q.dead.run(error, t, id), promoteNext(id, t))),
    nextDue: (channelId) =>
      read((t) => {
        const due = ((q.nextDue.get(channelId) as Row | undefined)?.due as number | null) ?? undefined
        return due !== undefined && due > t + dueHorizonMs ? t : due
      }),
    deadLetters: () =>
      Effect.sync(() =>
        (q.deadLetters.all() as Array<Row>).map((row): DeadLetter => ({
          id: row.id as number,
          createdAt: row.created_at as number,
          channelId: (row.channel_id as string | null) ?? undefined,
          contactId: (row.contact_id as string | null) ?? undefined,
          mId: (row.m_id as string | null) ?? undefined,
          kind: row.kind as DeadLetter["kind"],
          source: (row.source as string | null) ?? undefined,
          attempts: row.attempts as number,
          lastError: (row.last_error as string | null) ?? "",
          body: JSON.parse(row.body as string)
        }))
      ),
    // A replayed event joins its contact's queue: it waits if the contact has a pending event already.
    requeue: (id) =>
      write((t) => {
        const row = q.contactOf.get(id) as Row | undefined
        const waiting = row && q.hasPending.get(row.channel_id as string, row.contact_id as string) ? 1 : 0
        return q.requeue.run(waiting, dueNow, t, t, id).changes === 1
      }),
    resolve: (id) => write((t) => void q.resolve.run(t, id)),
    depth: () =>
      Effect.sync(() => {
        const out = new Map<string, ChannelDepth>()
        for (const row of q.depth.all() as Array<Row>) {
          const key = (row.channel_id as string | null) ?? ""
          const depth = out.get(key) ?? { outbox: 0, deadLetters: 0 }
          out.set(key, row.state === "pending" ? { ...depth, outbox: row.n as number } : { ...depth, deadLetters: row.n as number })
        }
        return out
      }),
    deliveryStates: () =>
      Effect.map(now, (t) =>
        new Map((q.oldestPending.all() as Array<Row>).map((row) => [
          row.channel_id as string,
          { oldestPendingAgeMs: Math.max(0, t - (row.since as number)), owner: undefined }
        ]))),
    recordParts: (mId, partIds, toEvent) =>
      write((t) => {
        partIds.forEach((id, i) => q.recordPart.run(id, mId, i + 1, partIds.length))
        return foldParts(mId, partIds.length, toEvent, t)
      }),
    foldReceipt: (receipt, toEvent) =>
      write((t) => {
        const known = q.partOf.get(receipt.partId) as Row | undefined
        // The first part's id is the mId; a later part's is known once the parts are recorded.
        const mId = (known?.m_id as string | null | undefined) ?? (receipt.part === 1 ? receipt.partId : null)
        q.setPart.run(receipt.partId, mId, receipt.part, receipt.parts, receipt.status, receipt.error ?? null)
        return mId === null ? "held" : foldParts(mId, (known?.parts as number | undefined) ?? receipt.parts, toEvent, t)
      }),
    rememberOutgoing: (channelId, contactId, quickReplies) =>
      write((t) => void q.rememberOutgoing.run(channelId, contactId, quickReplies ? JSON.stringify(quickReplies) : null, t)),
    lastOutgoing: (channelId, contactId) =>
      Effect.sync(() => {
        const row = q.lastOutgoing.get(channelId, contactId) as Row | undefined
        if (!row) return undefined
        const replies = row.quick_replies as string | null
        return { quickReplies: replies ? (JSON.parse(replies) as Array<string>) : undefined, at: row.sent_at as number }
      }),
    ready: () =>
      Effect.suspend(() => {
        const gone = replaced()
        if (gone !== undefined) {
          fault = gone
          return Effect.zipRight(report, Effect.fail(new StoreUnavailable({ reason: gone })))
        }
        // After a failed commit, a small write of its own: ready again as soon as one commits.
        return fault === undefined ? Effect.void : write((t) => void q.probe.run(t))
      }),
    // The process holds the store's lock (storeLock.ts): every channel is its own, for as long as it runs.
    own: () => Effect.succeed({ lost: Effect.never }),
    optOut: (channelId, contactId, keyword, at) => write(() => q.optOut.run(channelId, contactId, keyword, at).changes === 1),
    optIn: (channelId, contactId, keyword, at) =>
      write(() => {
        const before = q.wasOptedOut.get(channelId, contactId) as Row | undefined
        return q.optIn.run(channelId, contactId, keyword, at).changes === 1 && before?.opted_out === 1
      }),
    optedOut: (channelId, contactId) =>
      Effect.sync(() => {
        const row = q.optedOut.get(channelId, contactId) as Row | undefined
        return row === undefined ? undefined : optOutOf(row)
      }),
    optOuts: () => Effect.sync(() => (q.optOuts.all() as Array<Row>).map(optOutOf))
  }
  /** Commits what is queued, then closes; a write asked for later fails instead of waiting forever. */
  const close = () => {
    flush()
    closed = true
    db.close()
  }
  return { store, close }
}

/** The store at `store.path`, open for the life of the layer (`connect`: a test keeps the connection). */
export const sqliteStore = (connect?: SqliteStoreOptions["connect"]): Layer.Layer<Store, never, AppConfig> =>
  Layer.scoped(
    Store,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const { path: file } = config.store as SqliteSettings
      const { store } = yield* Effect.acquireRelease(
        Effect.sync(() =>
          openSqliteStore(file, {
            dueHorizonMs: longestDelayMs(config.delivery.retry),
            ...(connect ? { connect } : {})
          })
        ),
        ({ close }) => Effect.sync(close)
      )
      return store
    })
  )

export const SqliteStoreLive: Layer.Layer<Store, never, AppConfig> = sqliteStore()
