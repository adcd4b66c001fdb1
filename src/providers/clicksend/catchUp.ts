// Catch-up: what ClickSend received while the bridge could not take its pushes (it was down or restarting, or a push
// was lost on the way) is taken from the lists ClickSend keeps for its POLL rules, at start and every
// `reconcile.intervalMs`, through the same path as a push: the dedupe forwards each once, by push, by catch-up or both.
//
// What marks an item seen: ClickSend lists unread items (GET /v3/sms/inbound, /v3/sms/receipts) and marks one read by
// its id (PUT /v3/sms/inbound-read/{id}, /v3/sms/receipts-read/{id}); "read" is the account's, so the bridge marks
// read only what it committed and routed to one of its channels, one by one: nothing it did not take, nothing another
// system on the account may want (a number no channel claims). What it cannot mark, or may not, it remembers (the
// latest `rememberIds`) so that later rounds skip it instead of taking it again.
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
  /** The push path: decodes, routes and commits an item as if it had been pushed. */
  readonly receive: (kind: ListKind, item: Item) => Effect.Effect<PushOutcome, InvalidPayload | StoreUnavailable, R>
}

/** Pages a list is read for in one round (100 items each); the next round goes on from there. */
export const maxPages = 50
/** How many ids of items taken are remembered, so that what stays listed is not taken again each round. */
export const rememberIds = 20_000

const idOf = (item: Item) => String(item.message_id ?? item.messageid ?? JSON.stringify(item))
const secondsOf = (item: Item) => {
  const n = Number(item.timestamp ?? item.timestamp_send)
  return Number.isFinite(n) ? n : 0
}

export interface RoundCount {
  readonly inbound: number
  readonly receipts: number
  /** Of these, the ones the bridge did not have yet. */
  readonly new: number
  /** The ones that could not be marked read, and ClickSend's first answer why. */
  readonly unmarked: number
  readonly reason?: string | undefined
}

/** The catch-up's memory across rounds: the ids it took, and where each list's next round starts. */
export const catchUpState = () => ({ taken: new Set<string>(), next: { inbound: 1, receipts: 1 } })

/**
 * One round: the unread inbound messages, then the unread receipts, each list read page by page (at most `maxPages`)
 * before anything is marked, so marking cannot move an item past the pages read; then taken oldest first (so a
 * contact's messages are committed in the order they were sent; ClickSend's order is not said) and marked read.
 */
export const catchUpRound = <R>(needs: CatchUpNeeds<R>, state = catchUpState()) =>
  Effect.gen(function*() {
    const count = { inbound: 0, receipts: 0, new: 0, unmarked: 0, reason: undefined as string | undefined }
    const remember = (key: string) => {
      state.taken.add(key)
      if (state.taken.size > rememberIds) state.taken.delete(state.taken.values().next().value!)
    }

    const unread = (kind: ListKind) =>
      Effect.gen(function*() {
        const items = new Map<string, Item>()
        let page = state.next[kind]
        for (let read = 0; read < maxPages; read++) {
          const answer = yield* needs.list(kind, page)
          for (const item of answer.data) if (!state.taken.has(`${kind}:${idOf(item)}`)) items.set(idOf(item), item)
          if (page >= answer.last_page || answer.data.length === 0) {
            page = 1
            break
          }
          page++
        }
        state.next[kind] = page
        return [...items.values()].sort((a, b) => secondsOf(a) - secondsOf(b))
      })

    for (const kind of ["inbound", "receipts"] as const) {
      for (const item of yield* unread(kind)) {
        const outcome = yield* needs.receive(kind, item).pipe(
          // What was pushed already is listed too: taking it again is the rule, not news.
          Effect.locally(duplicatesExpected, true),
          // An invalid item was kept as a dead letter by the push path: taken, like any other.
          Effect.catchTag("InvalidPayload", () => Effect.succeed("dead-lettered" as const))
        )
        count[kind]++
        if (outcome === "accepted") count.new++
        remember(`${kind}:${idOf(item)}`)
        // What fits none of the bridge's channels is kept as a dead letter here, and left unread for whoever else it is.
        if (needs.markRead && outcome !== "dead-lettered" && typeof item.message_id === "string") {
          yield* needs.markRead(kind, item.message_id).pipe(
            Effect.catchAll((e) => Effect.sync(() => void (count.unmarked++, count.reason ??= e.message)))
          )
        }
      }
    }
    return count satisfies RoundCount
  })

/**
 * Rounds at start and every `intervalMs`, for as long as the scope is open. What a round took is logged when it was
 * new to the bridge; a round that fails is logged once (and once when rounds work again), and tried at the next.
 */
export const catchUpEvery = <R>(needs: CatchUpNeeds<R>, intervalMs: number) => {
  const state = catchUpState()
  let failing = false
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
          if (count.unmarked > 0) {
            yield* Effect.logWarning("catch-up could not mark what it took as read; ClickSend keeps listing it, and the bridge skips it").pipe(
              Effect.annotateLogs({ unmarked: count.unmarked, reason: count.reason })
            )
          }
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
  return Effect.repeat(round, Schedule.spaced(Duration.millis(intervalMs)))
}
