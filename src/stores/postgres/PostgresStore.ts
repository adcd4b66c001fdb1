// The Store on PostgreSQL through @effect/sql-pg, for several replicas on one database. Each write is one
// transaction, committed before it is answered. Replicas agree through the database alone:
// - a contact's queue is changed under a transaction lock of that contact (pg_advisory_xact_lock), so two replicas
//   accepting two pushes of one contact at once keep their order, and the same push twice is kept once (UNIQUE);
// - a message's split parts are folded under a transaction lock of the message, so two receipts of one text
//   arriving at two replicas fold into one status;
// - a channel is delivered by the replica that holds its row in channel_owner, a lease it renews every third of
//   store.leaseMs; a replica that stops renewing (killed, cut off) loses it at the lease's end, and another takes it;
// - claims lock their rows with FOR UPDATE SKIP LOCKED and are the owner's alone; an attempt's record counts only
//   from the replica that leased the event, so a replica that lost a channel changes nothing of it any more.
import * as Reactivity from "@effect/experimental/Reactivity"
import { Effect, Layer, type Redacted, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import * as os from "node:os"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ChannelEvent } from "../../domain/events.ts"
import { longestDelayMs } from "../../services/RetryPolicy.ts"
import { steadyMillis } from "../../steadyClock.ts"
import { foldStoredParts, type StoredPart } from "../../translate/splitStatus.ts"
import type { SqlError } from "@effect/sql/SqlError"
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
import { channelLeases } from "./channelLeases.ts"
import { connectPostgres, locks } from "./connection.ts"
import type { PostgresSettings } from "./settings.ts"

type Row = Record<string, unknown>

const optOutOf = (row: Record<string, unknown>): OptOut => ({
  channelId: row.channel_id as string,
  contactId: row.contact_id as string,
  keyword: row.keyword as string,
  at: Number(row.said_at)
})

/** A channel no longer configured is abandoned only once no replica has owned it for this long. */
const abandonAfterMs = 60_000

/** How long after a successful operation the store counts as ready without asking the database again. */
const readyForMs = 2_000

export interface PostgresStoreOptions {
  readonly url: Redacted.Redacted<string>
  readonly poolSize: number
  readonly leaseMs: number
  /** An event due further ahead than this (the longest wait the bridge chooses) is due now: the clock stepped back. */
  readonly dueHorizonMs: number
  /** Names this replica in channel_owner and in the logs (default: host, PID and a random tag). */
  readonly replica?: string
}

/** The store on a new pool: migrated, its leases renewed for the life of the scope. */
export const makePostgresStore = (
  options: PostgresStoreOptions
): Effect.Effect<StoreShape, StoreUnavailable, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const connection = yield* connectPostgres(options)
    const { recentlyOk, run, sql } = connection
    const me = options.replica ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    const horizon = options.dueHorizonMs

    const lockContact = (channelId: string, contactId: string) =>
      sql`SELECT pg_advisory_xact_lock(${locks.contact}, hashtext(${`${channelId}\n${contactId}`}))`
    const lockMessage = (mId: string) => sql`SELECT pg_advisory_xact_lock(${locks.message}, hashtext(${mId}))`

    // Leases are taken per worker run: `releaseLeases` starts a run with a token of its own, its claims lease with it,
    // its records count only with it, and its claims free what any other token leased (a replica that owned the
    // channel before; a claim of this replica's earlier run that committed after that run ended).
    let runs = 0
    const tokens = new Map<string, string>()
    const tokenOf = (channelId: string) => tokens.get(channelId) ?? `${me}#0`
    const leases = new Map<number, { readonly channelId: string; readonly token: string }>()
    const leaseOf = (id: number) => leases.get(id)?.token ?? ""
    const newRun = (channelId: string) =>
      Effect.sync(() => {
        tokens.set(channelId, `${me}#${++runs}`)
        for (const [id, lease] of leases) if (lease.channelId === channelId) leases.delete(id)
      })

    /** Inserts the event at the end of its contact's queue (the head when the contact has nothing pending). */
    const insertEvent = (e: NewEvent) =>
      Effect.map(
        sql<Row>`SELECT ccs_insert_event(${e.dedupeKey}, ${e.channelId}, ${e.contactId}, ${e.mId}, ${JSON.stringify(e.event)}) AS inserted`,
        ([row]) => (row?.inserted === true ? "accepted" as const : "duplicate" as const)
      )

    /**
     * A transaction whose loss in a crash of the database costs nothing but a repeat (a claim, an attempt's record:
     * the event is sent again, at least once as always), so it does not wait for the disk. What is answered 200 (an
     * accepted push, a fold, a kept push) always does.
     */
    const relaxed = <A>(effect: Effect.Effect<A, SqlError>) => run(Effect.zipRight(sql`SET LOCAL synchronous_commit = off`, effect))

    /** After an event left the pending state, the next one of its contact (if any) becomes the head, due no earlier than now. */
    const promoteNext = (channelId: string, contactId: string) =>
      sql`UPDATE outbox SET waiting = false, next_attempt_at = GREATEST(next_attempt_at, ccs_now_ms()), updated_at = ccs_now_ms()
        WHERE id = (SELECT MIN(id) FROM outbox WHERE channel_id = ${channelId} AND contact_id = ${contactId} AND state = 'pending' AND waiting)
          AND NOT EXISTS (SELECT 1 FROM outbox WHERE channel_id = ${channelId} AND contact_id = ${contactId} AND state = 'pending' AND NOT waiting)`

    /** Ends this replica's attempt of event `id` (delivered or dead), under its contact's lock; nothing if it lost the lease. */
    const finish = (id: number, state: "delivered" | "dead", error: string | null) =>
      Effect.gen(function*() {
        const [row] = yield* sql<Row>`SELECT channel_id, contact_id FROM outbox WHERE id = ${id}`
        if (row === undefined) return
        const [channelId, contactId] = [row.channel_id as string, row.contact_id as string]
        yield* lockContact(channelId, contactId)
        const done = yield* sql`UPDATE outbox SET state = ${state}, attempts = attempts + 1, leased_by = NULL, last_error = ${error},
            updated_at = ccs_now_ms()
          WHERE id = ${id} AND state = 'pending' AND leased_by = ${leaseOf(id)} RETURNING id`
        if (done.length === 1) yield* promoteNext(channelId, contactId)
      }).pipe(Effect.tap(() => Effect.sync(() => leases.delete(id))))

    const foldParts = (mId: string, parts: number, toEvent: (fold: FoldedStatus) => NewEvent) =>
      Effect.gen(function*() {
        const rows = yield* sql<StoredPart>`SELECT part, status, error FROM part_status WHERE m_id = ${mId} ORDER BY part`
        const fold = foldStoredParts(rows, parts)
        return fold === undefined ? "held" as FoldOutcome : yield* insertEvent(toEvent({ mId, ...fold }))
      })

    /** The caller's steady time of a database time `ago` ms in the past. */
    const localAgo = (ago: unknown) => Effect.map(steadyMillis, (now) => now - Number(ago))

    const own = yield* channelLeases(connection, me, options.leaseMs)

    const store: StoreShape = {
      // One statement (the lock and the insert in the database's function): one round trip, committed before the answer.
      accept: (e) => run(insertEvent(e), { transaction: false }),
      keepUnroutable: (kind, dedupeKey, fields, reason, source) =>
        run(
          Effect.map(
            sql`INSERT INTO outbox (dedupe_key, kind, body, state, last_error, next_attempt_at, created_at, updated_at, retry_since, source)
              VALUES (${dedupeKey}, ${kind}, ${JSON.stringify(fields)}, 'dead', ${reason}, ccs_now_ms(), ccs_now_ms(), ccs_now_ms(), ccs_now_ms(), ${source})
              ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
            (rows) => (rows.length === 1 ? "accepted" as const : "duplicate" as const)
          )
        ),
      claimDue: (channelId, limit) =>
        Effect.gen(function*() {
          const token = tokenOf(channelId)
          const rows = yield* relaxed(Effect.gen(function*() {
            // Only the owner claims; its lease row is locked until the claim commits, so a replica taking the
            // channel over waits for it, and then frees what it leased.
            const [owned] = yield* sql`SELECT 1 AS one FROM channel_owner
              WHERE channel_id = ${channelId} AND owner = ${me} AND lease_until > ccs_now_ms() FOR SHARE`
            if (owned === undefined) return []
            // Leased by a replica that owned the channel before: free again (its attempt ended with it).
            yield* sql`UPDATE outbox SET leased_by = NULL
              WHERE channel_id = ${channelId} AND state = 'pending' AND leased_by IS NOT NULL AND leased_by <> ${token}`
            // The events due, and those due further ahead than any delay we choose (the clock stepped back) first.
            return yield* sql<Row>`
              WITH picked AS (
                SELECT id, next_attempt_at > ccs_now_ms() + ${horizon} AS stranded FROM outbox
                WHERE channel_id = ${channelId} AND state = 'pending' AND NOT waiting AND leased_by IS NULL
                  AND (next_attempt_at <= ccs_now_ms() OR next_attempt_at > ccs_now_ms() + ${horizon})
                ORDER BY stranded DESC, next_attempt_at, id
                LIMIT ${limit}
                FOR UPDATE SKIP LOCKED)
              UPDATE outbox SET leased_by = ${token}, updated_at = ccs_now_ms() FROM picked WHERE outbox.id = picked.id
              RETURNING outbox.id, outbox.contact_id, outbox.m_id, outbox.body, outbox.attempts, picked.stranded, outbox.next_attempt_at,
                ccs_now_ms() - outbox.retry_since AS since_ms`
          }))
          const now = yield* steadyMillis
          return rows
            .toSorted((a, b) =>
              Number(b.stranded) - Number(a.stranded) || Number(a.next_attempt_at) - Number(b.next_attempt_at) || Number(a.id) - Number(b.id)
            )
            .map((row): OutboxEvent => {
              leases.set(Number(row.id), { channelId, token })
              return {
                id: Number(row.id),
                channelId,
                contactId: row.contact_id as string,
                mId: row.m_id as string,
                event: JSON.parse(row.body as string) as ChannelEvent,
                attempts: row.attempts as number,
                retrySince: now - Number(row.since_ms)
              }
            })
        }),
      // The owner frees what was leased (by itself before, or by a replica that owned the channel and died).
      releaseLeases: (channelId) =>
        Effect.zipRight(newRun(channelId), run(sql`UPDATE outbox SET leased_by = NULL WHERE channel_id = ${channelId} AND state = 'pending' AND leased_by IS NOT NULL
          AND EXISTS (SELECT 1 FROM channel_owner WHERE channel_id = ${channelId} AND owner = ${me} AND lease_until > ccs_now_ms())`).pipe(
            Effect.asVoid
          )),
      // Only channels no replica has delivered for a minute: during a rolling change of the configuration (or a
      // restart, which lets the channel go for a moment), a channel another replica still has is left to it. The table is locked meanwhile (only when there is something to abandon), so no
      // event joins a contact's queue as it is emptied.
      abandonOtherChannels: (channelIds) =>
        run(Effect.gen(function*() {
          const unowned = sql`state = 'pending' AND channel_id NOT IN ${sql.in(channelIds)}
            AND NOT EXISTS (SELECT 1 FROM channel_owner WHERE channel_owner.channel_id = outbox.channel_id
              AND lease_until > ccs_now_ms() - ${abandonAfterMs})`
          const [any] = yield* sql`SELECT 1 AS one FROM outbox WHERE ${unowned} LIMIT 1`
          if (any === undefined) return 0
          yield* sql`LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE`
          const rows = yield* sql`UPDATE outbox SET state = 'dead', waiting = false, leased_by = NULL,
              last_error = 'channel ' || channel_id || ' is no longer configured', updated_at = ccs_now_ms()
            WHERE ${unowned} RETURNING id`
          return rows.length
        })),
      markDelivered: (id) => relaxed(finish(id, "delivered", null)),
      markRetry: (id, delayMs, error) =>
        relaxed(sql`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ccs_now_ms() + ${Math.round(delayMs)}, leased_by = NULL,
            last_error = ${error}, updated_at = ccs_now_ms()
          WHERE id = ${id} AND state = 'pending' AND leased_by = ${leaseOf(id)}`).pipe(Effect.tap(() => Effect.sync(() => leases.delete(id))), Effect.asVoid),
      markDead: (id, error) => relaxed(finish(id, "dead", error)),
      nextDue: (channelId) =>
        Effect.gen(function*() {
          const [row] = yield* run(sql<Row>`SELECT MIN(next_attempt_at) - ccs_now_ms() AS wait FROM outbox
            WHERE channel_id = ${channelId} AND state = 'pending' AND NOT waiting AND leased_by IS NULL`, { transaction: false, read: true })
          const now = yield* steadyMillis
          if (row?.wait === null || row?.wait === undefined) return undefined
          const wait = Number(row.wait)
          return wait > horizon ? now : now + wait
        }),
      deadLetters: () =>
        run(sql<Row>`SELECT id, created_at, channel_id, contact_id, m_id, kind, source, attempts, last_error, body
          FROM outbox WHERE state = 'dead' ORDER BY id`, { transaction: false, read: true }).pipe(
          Effect.map((rows) =>
            rows.map((row): DeadLetter => ({
              id: Number(row.id),
              createdAt: Number(row.created_at),
              channelId: (row.channel_id as string | null) ?? undefined,
              contactId: (row.contact_id as string | null) ?? undefined,
              mId: (row.m_id as string | null) ?? undefined,
              kind: row.kind as DeadLetter["kind"],
              source: (row.source as string | null) ?? undefined,
              attempts: row.attempts as number,
              lastError: (row.last_error as string | null) ?? "",
              body: JSON.parse(row.body as string)
            }))
          )
        ),
      // A replayed event joins its contact's queue: it waits if the contact has a pending event already.
      requeue: (id) =>
        run(Effect.gen(function*() {
          const [row] = yield* sql<Row>`SELECT channel_id, contact_id FROM outbox WHERE id = ${id} AND state = 'dead' AND kind = 'event'`
          if (row === undefined) return false
          const [channelId, contactId] = [row.channel_id as string, row.contact_id as string]
          yield* lockContact(channelId, contactId)
          const done = yield* sql`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = 0, leased_by = NULL,
              waiting = EXISTS (SELECT 1 FROM outbox WHERE channel_id = ${channelId} AND contact_id = ${contactId} AND state = 'pending'),
              updated_at = ccs_now_ms(), retry_since = ccs_now_ms()
            WHERE id = ${id} AND state = 'dead' AND kind = 'event' RETURNING id`
          return done.length === 1
        })),
      resolve: (id) => run(sql`UPDATE outbox SET state = 'resolved', updated_at = ccs_now_ms() WHERE id = ${id} AND state = 'dead'`).pipe(Effect.asVoid),
      depth: () =>
        run(sql<Row>`SELECT channel_id, state, COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'dead') GROUP BY channel_id, state`, { transaction: false, read: true }).pipe(
          Effect.map((rows) => {
            const out = new Map<string, ChannelDepth>()
            for (const row of rows) {
              const key = (row.channel_id as string | null) ?? ""
              const depth = out.get(key) ?? { outbox: 0, deadLetters: 0 }
              out.set(key, row.state === "pending" ? { ...depth, outbox: Number(row.n) } : { ...depth, deadLetters: Number(row.n) })
            }
            return out
          })
        ),
      deliveryStates: () =>
        run(sql<Row>`SELECT channel_id, MAX(age) AS age, MAX(owner) AS owner FROM (
            SELECT channel_id, ccs_now_ms() - MIN(retry_since) AS age, NULL AS owner FROM outbox WHERE state = 'pending' GROUP BY channel_id
            UNION ALL SELECT channel_id, NULL, owner FROM channel_owner WHERE lease_until > ccs_now_ms()
          ) AS states GROUP BY channel_id`, { transaction: false, read: true }).pipe(
          Effect.map((rows) =>
            new Map(rows.map((row) => [row.channel_id as string, {
              oldestPendingAgeMs: row.age === null ? undefined : Math.max(0, Number(row.age)),
              owner: (row.owner as string | null) ?? undefined
            }]))
          )
        ),
      recordParts: (mId, partIds, toEvent) =>
        run(Effect.gen(function*() {
          yield* lockMessage(mId)
          for (const [i, partId] of partIds.entries()) {
            yield* sql`INSERT INTO part_status (part_id, m_id, part, parts) VALUES (${partId}, ${mId}, ${i + 1}, ${partIds.length})
              ON CONFLICT (part_id) DO UPDATE SET m_id = excluded.m_id, part = excluded.part, parts = excluded.parts`
          }
          return yield* foldParts(mId, partIds.length, toEvent)
        })),
      foldReceipt: (receipt, toEvent) =>
        run(Effect.gen(function*() {
          // The message's lock before the part's row: the order recordParts takes them in.
          const [known] = yield* sql<Row>`SELECT m_id FROM part_status WHERE part_id = ${receipt.partId}`
          const before = (known?.m_id as string | null | undefined) ?? (receipt.part === 1 ? receipt.partId : null)
          if (before !== null) yield* lockMessage(before)
          // A part's status only moves forward: sent, then delivered or failed; a final status (and its error) stays.
          const [row] = yield* sql<Row>`
            INSERT INTO part_status (part_id, m_id, part, parts, status, error)
            VALUES (${receipt.partId}, ${before}, ${receipt.part}, ${receipt.parts}, ${receipt.status}, ${receipt.error ?? null})
            ON CONFLICT (part_id) DO UPDATE SET
              m_id = COALESCE(part_status.m_id, excluded.m_id),
              error = CASE WHEN part_status.status IS NULL OR (part_status.status = 'sent' AND excluded.status <> 'sent')
                THEN excluded.error ELSE part_status.error END,
              status = CASE WHEN part_status.status IS NULL OR (part_status.status = 'sent' AND excluded.status <> 'sent')
                THEN excluded.status ELSE part_status.status END
            RETURNING m_id, parts`
          const mId = (row?.m_id as string | null | undefined) ?? null
          if (mId === null) return "held" as FoldOutcome
          if (mId !== before) yield* lockMessage(mId)
          return yield* foldParts(mId, row!.parts as number, toEvent)
        })),
      rememberOutgoing: (channelId, contactId, quickReplies) =>
        run(sql`INSERT INTO last_outgoing (channel_id, contact_id, quick_replies, sent_at)
          VALUES (${channelId}, ${contactId}, ${quickReplies ? JSON.stringify(quickReplies) : null}, ccs_now_ms())
          ON CONFLICT (channel_id, contact_id) DO UPDATE SET quick_replies = excluded.quick_replies, sent_at = excluded.sent_at`).pipe(
            Effect.asVoid
          ),
      lastOutgoing: (channelId, contactId) =>
        Effect.gen(function*() {
          const [row] = yield* run(sql<Row>`SELECT quick_replies, ccs_now_ms() - sent_at AS ago FROM last_outgoing
            WHERE channel_id = ${channelId} AND contact_id = ${contactId}`, { transaction: false, read: true })
          if (row === undefined) return undefined
          const replies = row.quick_replies as string | null
          return { quickReplies: replies ? (JSON.parse(replies) as Array<string>) : undefined, at: yield* localAgo(row.ago) }
        }),
      // Ready when an operation succeeded a moment ago (every push asks: it costs nothing then); otherwise a small
      // write tells (the database takes one: not a read-only standby, not cut off).
      ready: () =>
        Effect.flatMap(recentlyOk(readyForMs), (ok) =>
          ok
            ? Effect.void
            : run(sql`INSERT INTO store_probe (id, written_at) VALUES (1, ccs_now_ms())
                ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at`).pipe(Effect.asVoid)),
      own,
      // The latest word wins; at the same time, the opt-out (when in doubt, send nothing).
      optOut: (channelId, contactId, keyword, at) =>
        run(Effect.zipRight(
          lockContact(channelId, contactId),
          sql`INSERT INTO consent (channel_id, contact_id, opted_out, keyword, said_at) VALUES (${channelId}, ${contactId}, true, ${keyword}, ${at})
            ON CONFLICT (channel_id, contact_id) DO UPDATE SET opted_out = true, keyword = excluded.keyword, said_at = excluded.said_at
            WHERE excluded.said_at > consent.said_at OR (excluded.said_at = consent.said_at AND NOT consent.opted_out)
            RETURNING channel_id`
        )).pipe(Effect.map((rows) => rows.length === 1)),
      optIn: (channelId, contactId, keyword, at) =>
        run(Effect.gen(function*() {
          // Under the contact's lock (as its events and its opt-outs are), so a STOP cannot slip between read and write.
          yield* lockContact(channelId, contactId)
          const [before] = yield* sql<Row>`SELECT opted_out FROM consent WHERE channel_id = ${channelId} AND contact_id = ${contactId}`
          const changed = yield* sql`INSERT INTO consent (channel_id, contact_id, opted_out, keyword, said_at)
            VALUES (${channelId}, ${contactId}, false, ${keyword}, ${at})
            ON CONFLICT (channel_id, contact_id) DO UPDATE SET opted_out = false, keyword = excluded.keyword, said_at = excluded.said_at
            WHERE excluded.said_at > consent.said_at RETURNING channel_id`
          return changed.length === 1 && before?.opted_out === true
        })),
      optedOut: (channelId, contactId) =>
        run(sql<Row>`SELECT channel_id, contact_id, keyword, said_at FROM consent
          WHERE channel_id = ${channelId} AND contact_id = ${contactId} AND opted_out`, {
          transaction: false,
          read: true
        }).pipe(Effect.map(([row]) => (row === undefined ? undefined : optOutOf(row)))),
      optOuts: () =>
        run(sql<Row>`SELECT channel_id, contact_id, keyword, said_at FROM consent WHERE opted_out ORDER BY said_at, channel_id, contact_id`, {
          transaction: false,
          read: true
        }).pipe(Effect.map((rows) => rows.map(optOutOf)))
    }
    return store
  })

/** The store at `store.url`, open (and its channels held) for the life of the layer. */
export const PostgresStoreLive: Layer.Layer<Store, StoreUnavailable, AppConfig> = Layer.scoped(
  Store,
  Effect.gen(function*() {
    const config = yield* AppConfig
    const settings = config.store as PostgresSettings
    return yield* makePostgresStore({
      url: settings.url,
      poolSize: settings.poolSize,
      leaseMs: settings.leaseMs,
      dueHorizonMs: longestDelayMs(config.delivery.retry)
    })
  })
).pipe(Layer.provide(Reactivity.layer))
