// The catch-up's decisions over ClickSend's lists, against recorded calls: what is taken, what is marked read.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { UpstreamError } from "../../domain/errors.ts"
import { StoreUnavailable } from "../../stores/Store.ts"
import { catchUpRound, catchUpState, maxPages } from "./catchUp.ts"
import type { ListKind } from "./ClickSendClient.ts"
import type { ListAnswer } from "./wire.ts"

type Item = Record<string, unknown>

/**
 * A ClickSend whose lists are these items (unread until marked), paged as it pages them; every call recorded.
 * FOREIGN is another system's (sent to a number no channel has); the push path answers "duplicate" for OLD,
 * "dead-lettered" for INVALID (kept as a dead letter), and fails for DOWN.
 */
const account = (lists: { inbound?: Array<Item>; receipts?: Array<Item> }, options: { perPage?: number; refuseMark?: string | undefined } = {}) => {
  const calls: Array<string> = []
  const taken: Array<string> = []
  const read = new Set<string>()
  const perPage = options.perPage ?? 100
  const page = (items: Array<Item>, n: number): ListAnswer["data"] => ({
    total: items.length,
    current_page: n,
    last_page: Math.max(1, Math.ceil(items.length / perPage)),
    data: items.slice((n - 1) * perPage, n * perPage)
  })
  const needs = (markRead: boolean) => ({
    list: (kind: ListKind, n: number) =>
      Effect.sync(() => {
        calls.push(`GET ${kind} ${n}`)
        return page((lists[kind] ?? []).filter((i) => !read.has(`${kind} ${i.message_id}`)), n)
      }),
    ours: (_: ListKind, item: Item) => item.message_id !== "FOREIGN",
    markRead: markRead
      ? (kind: ListKind, id: string) =>
        id === options.refuseMark
          ? Effect.fail(new UpstreamError({ message: "ClickSend answered PUT with HTTP 500" }))
          : Effect.sync(() => void (calls.push(`PUT ${kind} ${id}`), read.add(`${kind} ${id}`)))
      : undefined,
    receive: (kind: ListKind, item: Item) =>
      item.message_id === "DOWN"
        ? Effect.fail(new StoreUnavailable({ reason: "disk full" }))
        : Effect.sync(() => {
          taken.push(`${kind} ${item.message_id}`)
          return item.message_id === "OLD" ? "duplicate" as const : item.message_id === "INVALID" ? "dead-lettered" as const : "accepted" as const
        })
  })
  return { calls, taken, needs, options }
}

const inbound = (id: string, timestamp: number) => ({ message_id: id, from: "+61400000000", body: id, timestamp })
const receipt = (id: string, timestamp: number) => ({ message_id: id, status_code: "201", timestamp })

describe("catch-up rounds", () => {
  it.effect("every page is read before anything is marked; taken oldest first, each marked read once committed", () =>
    Effect.gen(function*() {
      const a = account({ inbound: [inbound("B", 20), inbound("A", 10), inbound("OLD", 5), inbound("C", 30)] }, { perPage: 2 })
      const count = yield* catchUpRound(a.needs(true))
      expect(count).toMatchObject({ inbound: 4, receipts: 0, new: 3, unmarked: 0 })
      expect(a.taken).toEqual(["inbound OLD", "inbound A", "inbound B", "inbound C"])
      expect(a.calls).toEqual([
        "GET inbound 1", "GET inbound 2",
        "PUT inbound OLD", "PUT inbound A", "PUT inbound B", "PUT inbound C",
        "GET receipts 1"
      ])
    }))

  it.effect("receipts are marked one by one; another system's are left alone, unread; a dead letter is kept, not marked", () =>
    Effect.gen(function*() {
      const a = account({ receipts: [receipt("R2", 1_000_400), receipt("FOREIGN", 1_000_100), receipt("INVALID", 1_000_200), receipt("R1", 1_000_000)] })
      expect(yield* catchUpRound(a.needs(true))).toMatchObject({ inbound: 0, receipts: 3, new: 2, unmarked: 0 })
      expect(a.taken).toEqual(["receipts R1", "receipts INVALID", "receipts R2"])
      expect(a.calls).toEqual(["GET inbound 1", "GET receipts 1", "PUT receipts R1", "PUT receipts R2"])
    }))

  it.effect("a mark that fails ends the list's marking for the round; a later round marks the rest without taking it again", () =>
    Effect.gen(function*() {
      const a = account({ inbound: [inbound("A", 1), inbound("B", 2), inbound("C", 3)], receipts: [receipt("R1", 4)] }, { refuseMark: "B" })
      const state = catchUpState()
      expect(yield* catchUpRound(a.needs(true), state)).toMatchObject({ inbound: 3, receipts: 1, unmarked: 2, reason: "ClickSend answered PUT with HTTP 500" })
      // B refused, so C is not tried this round (ClickSend may be down: one failed call, not one per item); the
      // receipts list is marked on its own.
      expect(a.calls.filter((c) => c.startsWith("PUT"))).toEqual(["PUT inbound A", "PUT receipts R1"])
      a.calls.length = 0
      a.options.refuseMark = undefined
      expect(yield* catchUpRound(a.needs(true), state)).toMatchObject({ inbound: 0, receipts: 0, new: 0, unmarked: 0 })
      expect(a.calls).toEqual(["GET inbound 1", "PUT inbound B", "PUT inbound C", "GET receipts 1"])
      expect(a.taken).toEqual(["inbound A", "inbound B", "inbound C", "receipts R1"])
    }))

  it.effect("markRead off: pages walked, nothing marked, each item taken once across rounds", () =>
    Effect.gen(function*() {
      const a = account({ inbound: [inbound("A", 1), inbound("B", 2), inbound("C", 3)], receipts: [receipt("R1", 2_000_000)] }, { perPage: 2 })
      const state = catchUpState()
      yield* catchUpRound(a.needs(false), state)
      yield* catchUpRound(a.needs(false), state)
      expect(a.taken).toEqual(["inbound A", "inbound B", "inbound C", "receipts R1"])
      expect(a.calls).toEqual(["GET inbound 1", "GET inbound 2", "GET receipts 1", "GET inbound 1", "GET inbound 2", "GET receipts 1"])
    }))

  it.effect("a list longer than a round reads goes on, next round, from the page where the last one stopped", () =>
    Effect.gen(function*() {
      const items = Array.from({ length: maxPages + 2 }, (_, i) => inbound(`I${i + 1}`, i + 1))
      const a = account({ inbound: items }, { perPage: 1 })
      const state = catchUpState()
      expect(yield* catchUpRound(a.needs(false), state)).toMatchObject({ inbound: maxPages })
      expect(yield* catchUpRound(a.needs(false), state)).toMatchObject({ inbound: 2 })
      expect(a.calls.filter((c) => c.startsWith("GET inbound")).slice(maxPages)).toEqual([`GET inbound ${maxPages + 1}`, `GET inbound ${maxPages + 2}`])
      expect(a.taken).toEqual(items.map((i) => `inbound ${i.message_id}`))
      // Then from the start again.
      const before = a.calls.length
      yield* catchUpRound(a.needs(false), state)
      expect(a.calls[before]).toBe("GET inbound 1")
    }))

  it.effect("marking read moves the rest up: the next round reads on where it now is, in the order sent", () =>
    Effect.gen(function*() {
      const items = Array.from({ length: maxPages + 20 }, (_, i) => inbound(`I${i + 1}`, i + 1))
      const a = account({ inbound: items }, { perPage: 1 })
      const state = catchUpState()
      yield* catchUpRound(a.needs(true), state)
      yield* catchUpRound(a.needs(true), state)
      expect(a.taken).toEqual(items.map((i) => `inbound ${i.message_id}`))
      // The second round began at page 1, where the 51st now is.
      expect(a.calls.filter((c) => c.startsWith("GET inbound")).slice(maxPages, maxPages + 2)).toEqual(["GET inbound 1", "GET inbound 2"])
    }))

  it.effect("a store that cannot commit ends the round: what it could not take is neither marked nor remembered", () =>
    Effect.gen(function*() {
      const a = account({ inbound: [inbound("A", 1), inbound("DOWN", 2), inbound("C", 3)] })
      const state = catchUpState()
      const error = yield* Effect.flip(catchUpRound(a.needs(true), state))
      expect(error._tag).toBe("StoreUnavailable")
      expect(a.calls).toEqual(["GET inbound 1", "PUT inbound A"])
      expect([...state.taken.keys()]).toEqual(["inbound:A"])
    }))

  it.effect("a list ClickSend does not answer ends the round before anything is taken", () =>
    Effect.gen(function*() {
      const a = account({ inbound: [inbound("A", 1)] })
      const needs = { ...a.needs(true), list: () => Effect.fail(new UpstreamError({ message: "ClickSend answered GET /sms/inbound with HTTP 503" })) }
      const error = yield* Effect.flip(catchUpRound(needs))
      expect(error.message).toBe("ClickSend answered GET /sms/inbound with HTTP 503")
      expect(a.taken).toEqual([])
    }))
})
