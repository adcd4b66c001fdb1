// Which replica delivers each channel: a row in channel_owner, a lease this replica takes when it is free or ended,
// renews every third of store.leaseMs, gives up (its worker stops) when it could not renew it in time or another
// replica took it, and lets go at once when its worker ends. All lease times are the database's clock.
import { Deferred, Effect, Exit, Schedule, type Scope } from "effect"
import { steadyMillis } from "../../steadyClock.ts"
import type { ChannelOwnership } from "../Store.ts"
import type { Connection } from "./connection.ts"

type Row = Record<string, unknown>

/** How often a replica that does not own a channel tries to take it (a dead owner's lease has ended, or it let go). */
export const ownPollMs = 2_000

/** `own` for this replica (`me`), its leases renewed and watched for the life of the scope. */
export const channelLeases = ({ run, sql }: Connection, me: string, leaseMs: number) =>
  Effect.gen(function*() {
    // Ownership: the channels this replica holds, each with the steady time its lease was last taken or renewed.
    const held = new Map<string, { readonly lost: Deferred.Deferred<void>; renewedAt: number }>()
    /** A lease not renewed for this long is treated as lost here, a margin before the database lets another take it. */
    const trustMs = leaseMs - Math.max(1_000, Math.floor(leaseMs / 5))

    const tryOwn = (channelId: string) =>
      run(sql<Row>`
        WITH previous AS (SELECT owner FROM channel_owner WHERE channel_id = ${channelId})
        INSERT INTO channel_owner (channel_id, owner, lease_until, since) VALUES (${channelId}, ${me}, ccs_now_ms() + ${leaseMs}, ccs_now_ms())
        ON CONFLICT (channel_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until,
            since = CASE WHEN channel_owner.owner = excluded.owner THEN channel_owner.since ELSE excluded.since END
          WHERE channel_owner.lease_until < ccs_now_ms() OR channel_owner.owner = excluded.owner
        RETURNING (SELECT owner FROM previous) AS previous`, { transaction: false })

    /** Ends this replica's hold on a channel (unless it is another hold by now): its worker stops. */
    const loseLease = (channelId: string, lease: { readonly lost: Deferred.Deferred<void> }, reason: string) =>
      Effect.gen(function*() {
        if (held.get(channelId) !== lease) return
        held.delete(channelId)
        yield* Effect.logWarning("this replica no longer owns the channel's delivery; another may take it").pipe(
          Effect.annotateLogs({ channelId, reason })
        )
        yield* Deferred.succeed(lease.lost, undefined)
      })

    // Renewed every third of the lease, each renewal bounded by that too; a channel another replica took is lost.
    const renew = Effect.gen(function*() {
      const leases = [...held.entries()]
      if (leases.length === 0) return
      const started = yield* steadyMillis
      const renewed = yield* run(
        sql<Row>`UPDATE channel_owner SET lease_until = ccs_now_ms() + ${leaseMs}
          WHERE owner = ${me} AND channel_id IN ${sql.in(leases.map(([id]) => id))} RETURNING channel_id`,
        { transaction: false, timeoutMs: Math.floor(leaseMs / 3) }
      ).pipe(Effect.exit)
      // Not renewed (an outage): the watch below gives the lease up in time.
      if (Exit.isFailure(renewed)) return
      const kept = new Set(renewed.value.map((r) => r.channel_id as string))
      for (const [channelId, lease] of leases) {
        if (kept.has(channelId)) lease.renewedAt = Math.max(lease.renewedAt, started)
        else yield* loseLease(channelId, lease, "another replica took the lease")
      }
    })
    // A lease not renewed for `trustMs` is given up here, before the database lets another replica take it.
    const watch = Effect.gen(function*() {
      const now = yield* steadyMillis
      for (const [channelId, lease] of [...held.entries()]) {
        if (now - lease.renewedAt >= trustMs) yield* loseLease(channelId, lease, "the lease could not be renewed")
      }
    })
    yield* Effect.forkScoped(renew.pipe(Effect.repeat(Schedule.spaced(Math.floor(leaseMs / 3)))))
    yield* Effect.forkScoped(watch.pipe(Effect.repeat(Schedule.spaced(250))))

    /** Lets go at once (a shutdown, or a worker that lost it): another replica takes it on its next try. */
    const letGo = (channelId: string) =>
      Effect.gen(function*() {
        held.delete(channelId)
        // The row stays, its lease ended now: it says who delivered the channel last, and when.
        yield* run(sql`UPDATE channel_owner SET lease_until = ccs_now_ms() WHERE channel_id = ${channelId} AND owner = ${me}`, { transaction: false }).pipe(Effect.ignore)
      })

    // Waiting may be interrupted (a shutdown); a lease once taken is always let go with the scope.
    const own = (channelId: string): Effect.Effect<ChannelOwnership, never, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          for (;;) {
            const started = yield* steadyMillis
            const taken = yield* tryOwn(channelId).pipe(Effect.orElseSucceed(() => []))
            if (taken.length === 1) {
              const lost = yield* Deferred.make<void>()
              held.set(channelId, { lost, renewedAt: started })
              yield* Effect.addFinalizer(() => letGo(channelId))
              const previous = taken[0]!.previous as string | null
              yield* Effect.logInfo("this replica owns the channel's delivery").pipe(
                Effect.annotateLogs({ channelId, replica: me, ...(previous !== null && previous !== me ? { takenFrom: previous } : {}) })
              )
              return { lost: Deferred.await(lost) }
            }
            yield* restore(Effect.sleep(ownPollMs))
          }
        })
      )

    return own
  })
