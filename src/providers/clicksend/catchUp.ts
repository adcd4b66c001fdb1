// Catch-up: what ClickSend received while the bridge could not take its pushes (it was down or restarting, or a push
// was lost on the way) is taken from the lists ClickSend keeps for its POLL rules, at start and every
// `reconcile.intervalMs`, through the same path as a push: the dedupe forwards each once, by push, by catch-up or both.
//
// What marks an item seen: ClickSend lists unread items (GET /v3/sms/inbound, /v3/sms/receipts) and marks one read by
// its id (PUT /v3/sms/inbound-read/{id}, /v3/sms/receipts-read/{id}); "read" is the account's. So the bridge takes only
// what is its own (sent to one of its channels' numbers, a receipt of a message it sent) and leaves the rest alone,
// unread; what it takes it marks read once committed, one by one. A mark that fails ends the marking of that list for
// the round (ClickSend unreachable, or a form of marking it does not have): what is left is marked at a later round,
// not taken again, since the ids taken are remembered (the latest `rememberIds`).
import { Cause, Duration, Effect, Option, Schedule } from "effect"
import type { InvalidPayload } from "../../domain/errors.ts"
import { duplicatesExpected, type PushOutcome } from "../../flows/committed.ts"
import type { StoreUnavailable } from "../../stores/Store.ts"
import type { CatchUpFailure, ListKind } from "./ClickSendClient.ts"
import type { ListAnswer } from "./wire.ts"

type Item = ListAnswer["data"]["data"][number]

export interface CatchUpNeeds<R> {
  readonly list: (kind: ListKind, page: number) => Effect.Effect<ListAnswer["data"], CatchUpFailure>
  /** Marks one item read; undefined when the operator wants nothing of the account changed (`markRead: false`). */
  readonly markRead: ((kind: ListKind, messageId: string) => Effect.Effect<void, CatchUpFailure>) | undefined
  /** Whether an item is the bridge's own: sent to a channel's number, a receipt of a message it sent. */
  readonly ours: (kind: ListKind, item: Item) => boolean
  /** The push path: decodes, routes and commits an item as if it had been pushed. */
  readonly receive: (kind: ListKind, item: Item) => Effect.Effect<PushOutcome, InvalidPayload | StoreUnavailable, R>
}

/** Pages a list is read for in one round (100 items each); the next round goes on from there. */
export const maxPages = 50
/** How many ids of items taken are remembered, so that what stays listed is not taken again each round. */
const rememberIds = 20_000

const idOf = (item: Item) => String(item.message_id ?? item.messageid ?? JSON.stringify(item))
const secondsOf = (item: Item) => {
  const n = Number(item.timestamp ?? item.timestamp_send)
  return Number.isFinite(n) ? n : 0
}

/** The catch-up's memory across rounds: the ids it took (and whether they may be marked read), where each list goes on. */
export const catchUpState = () => ({ taken: new Map<string, boolean>(), next: { inbound: 1, receipts: 1 } })

/**
 * One round: the unread inbound messages, then the unread receipts, each list read page by page (at most `maxPages`)
 * before anything is marked, so marking cannot move an item past the pages read; then what is the bridge's own taken
 * oldest first (so a contact's messages are committed in the order they were sent; ClickSend's order is not said),
 * and marked read.
 */
export const catchUpRound = <R>(needs: CatchUpNeeds<R>, state = catchUpState()) =>
  Effect.gen(function*() {
    const count = { inbound: 0, receipts: 0, new: 0, unmarked: 0, reason: undefined as string | undefined }
    const remember = (key: string, markable: boolean) => {
      state.taken.set(key, markable)
      if (state.taken.size > rememberIds) state.taken.delete(state.taken.keys().next().value!)
    }

    /** The list's unread items, oldest first; whether it was read to its end; how many a page holds. */
    const unread = (kind: ListKind) =>
      Effect.gen(function*() {
        const items = new Map<string, Item>()
        let page = state.next[kind]
        let finished = false
        let perPage = 0
        let seen = 0
        for (let read = 0; read < maxPages && !finished; read++) {
          const answer = yield* needs.list(kind, page)
          perPage = Math.max(perPage, answer.data.length)
          seen += answer.data.length
          for (const item of answer.data) items.set(idOf(item), item)
          finished = page >= answer.last_page || answer.data.length === 0
          page++
        }
        return { items: [...items.values()].sort((a, b) => secondsOf(a) - secondsOf(b)), finished, perPage, seen }
      })

    for (const kind of ["inbound", "receipts"] as const) {
      const listed = yield* unread(kind)
      let marked = 0
      let marking = needs.markRead !== undefined
      for (const item of listed.items) {
        // Another system's: left as it is, unread.
        if (!needs.ours(kind, item)) continue
        const key = `${kind}:${idOf(item)}`
        if (!state.taken.has(key)) {
          const outcome = yield* needs.receive(kind, item).pipe(
            // What was pushed already is listed too: taking it again is the rule, not news.
            Effect.locally(duplicatesExpected, true),
            // An invalid item was kept as a dead letter by the push path: taken, like any other.
            Effect.catchTag("InvalidPayload", () => Effect.succeed("dead-lettered" as const))
          )
          count[kind]++
          if (outcome === "accepted") count.new++
          // A dead letter is kept here; the item stays unread at ClickSend, for the operator to see there too.
          remember(key, outcome !== "dead-lettered" && typeof item.message_id === "string")
        }
        if (!state.taken.get(key)) continue
        if (!marking) {
          if (needs.markRead) count.unmarked++
          continue
        }
        const failed = yield* needs.markRead!(kind, String(item.message_id)).pipe(
          Effect.as(undefined),
          Effect.catchAll((e) => Effect.succeed(e.message))
        )
        if (failed === undefined) {
          marked++
        } else {
          marking = false
          count.unmarked++
          count.reason ??= failed
        }
      }
      // Where the next round reads on: from the start once the end was reached; else past what is still listed of the
      // pages read (what was marked is gone from them, so the rest moved up; rounded down, so nothing is stepped over).
      state.next[kind] = listed.finished ? 1 : state.next[kind] + Math.floor((listed.seen - marked) / listed.perPage)
    }
    return count
  })

/**
 * Rounds at start and every `intervalMs`, for as long as the scope is open. What a round took is logged when it was
 * new to the bridge; a round that fails is logged once (and once when rounds work again), and tried at the next.
 */
export const catchUpEvery = <R>(needs: CatchUpNeeds<R>, intervalMs: number) => {
  const state = catchUpState()
  let failing = false
  let unmarking = false
  const round = catchUpRound(needs, state).pipe(
    Effect.matchCauseEffect({
      onSuccess: (count) =>
        Effect.gen(function*() {
          if (failing) yield* Effect.logInfo("catch-up works again")
          failing = false
          if (count.new > 0) {
            yield* Effect.logInfo("catch-up took messages ClickSend kept that the bridge did not have").pipe(
              Effect.annotateLogs({ inbound: count.inbound, receipts: count.receipts, new: count.new })
            )
          }
          if (count.unmarked > 0 && !unmarking) {
            yield* Effect.logWarning("catch-up could not mark what it took as read; it tries again every round, and takes none of it twice").pipe(
              Effect.annotateLogs({ unmarked: count.unmarked, reason: count.reason })
            )
          }
          if (count.unmarked === 0 && unmarking) yield* Effect.logInfo("catch-up marks what it took as read again")
          unmarking = count.unmarked > 0
        }),
      onFailure: (cause) =>
        Effect.gen(function*() {
          if (!failing) {
            const failure = Cause.failureOption(cause)
            if (Option.isNone(failure)) yield* Effect.logError("catch-up failed unexpectedly", cause)
            yield* Effect.logWarning("catch-up failed; it is tried again every interval").pipe(
              Effect.annotateLogs({ reason: Option.match(failure, { onNone: () => "an unexpected failure", onSome: (e) => e.message }), intervalMs })
            )
          }
          failing = true
        })
    }),
    Effect.annotateLogs({ via: "catch-up" })
  )
  return Effect.asVoid(Effect.repeat(round, Schedule.spaced(Duration.millis(intervalMs))))
}
