// The operator's JSON API under /admin/api/, for the console and for scripts: how the bridge stands, its dead letters
// (replay, resolve), its opt-outs (add, remove). Only for `Authorization: Bearer <server.adminToken>`, never a cookie,
// and never from a page of another origin; no answer is cached. Off (404) when no adminToken is set.
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Redacted, Schema } from "effect"
import { createHmac } from "node:crypto"
import { AppConfig } from "../config/AppConfig.ts"
import { Deliveries } from "../delivery/Deliveries.ts"
import { Forbidden, NotFound, Unauthorized } from "../domain/errors.ts"
import { readJson } from "../http/readBody.ts"
import { maskPhones } from "../logging.ts"
import { decoder } from "../services/decode.ts"
import { secretCheck, bearerToken } from "../services/TokenCheck.ts"
import { type DeadLetter, Store } from "../stores/Store.ts"
import { deadLetterNamed, type Outcome, replayDeadLetters, resolveDeadLetters } from "./deadLetters.ts"
import { channelNames } from "./channels.ts"
import { addOptOut, type Change, removeOptOut } from "./optOuts.ts"
import { bridgeStatus } from "./status.ts"

/** Every answer: JSON never stored by a browser or a proxy, never sniffed as anything else. */
export const noStore = { "cache-control": "no-store", "x-content-type-options": "nosniff" }
const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status, headers: noStore })

/**
 * Only the token, and only from the bridge's own pages: a browser says where a request comes from in
 * `Sec-Fetch-Site` (which no page can forge), and a request a page of another origin sends is refused before its
 * token is even looked at. A browser too old to send it is judged by its `Origin`, which must name this host (as the
 * proxy in front passes it on in `Host` or `X-Forwarded-Host`). `Origin: null` is what the console's own requests
 * carry under its no-referrer policy.
 */
const guard = (adminToken: Redacted.Redacted<string>) => {
  const isAdmin = secretCheck(Redacted.value(adminToken))
  const foreign = new Forbidden({ message: "the admin API answers the bridge's own pages only, not a page of another origin" })
  return Effect.gen(function*() {
    const { headers } = yield* HttpServerRequest.HttpServerRequest
    const site = headers["sec-fetch-site"]
    const origin = headers.origin
    if (site !== undefined) {
      if (site !== "same-origin" && site !== "none") return yield* foreign
    } else if (origin !== undefined && origin !== "null") {
      const from = URL.canParse(origin) ? new URL(origin).host : undefined
      if (from === undefined || (from !== headers.host && from !== headers["x-forwarded-host"])) return yield* foreign
    }
    const token = bearerToken(headers.authorization)
    if (token._tag === "None") return yield* new Unauthorized({ message: "Authorization: Bearer <server.adminToken> is required" })
    if (!isAdmin(token.value)) return yield* new Unauthorized({ message: "invalid admin token" })
  })
}

/** The dead letters a list answers at most. */
const listedAtMost = 500

/** A route's id parameter as a dead letter's id. */
const idParam = Effect.flatMap(HttpRouter.params, ({ id }) =>
  id !== undefined && /^[0-9]{1,15}$/.test(id)
    ? Effect.succeed(Number(id))
    : Effect.fail(new NotFound({ message: `${id}: must be a dead letter's id (a number)` })))

const Contact = Schema.Struct({ channel: Schema.String, contact: Schema.String })
const contactOf = decoder(Contact)
const RemoveRequest = Schema.Union(Schema.Struct({ ref: Schema.String }), Contact)
const removeRequestOf = decoder(RemoveRequest)

/** A small JSON body (at most 16 kB: a channel and a number). */
const body = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => readJson(NodeHttpServerRequest.toIncomingMessage(request), 16 * 1024))

export const adminRoutes = (adminToken: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const startedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    // Names an opt-out without its number: a digest keyed by the admin token, the same on every replica.
    const refKey = createHmac("sha256", Redacted.value(adminToken)).update("opt-out refs").digest()
    const refOf = (channelId: string, contactId: string) => createHmac("sha256", refKey).update(`${channelId} ${contactId}`).digest("base64url").slice(0, 22)

    /** A dead letter as the table shows it: the contact and the reason masked, no body. */
    const row = (letter: DeadLetter, name: (id: string) => string) => ({
      id: letter.id,
      createdAt: new Date(letter.createdAt).toISOString(),
      channel: letter.channelId === undefined ? null : name(letter.channelId),
      kind: letter.kind,
      contact: letter.contactId === undefined ? null : maskPhones(letter.contactId),
      mId: letter.mId ?? null,
      source: letter.source ?? null,
      attempts: letter.attempts,
      reason: maskPhones(letter.lastError)
    })

    const wakeAll = Effect.gen(function*() {
      const deliveries = yield* Deliveries
      for (const channel of (yield* AppConfig).channels) yield* deliveries.wake(channel.channelId)
    })
    // What happened, in the command line's words, its phone numbers masked as everywhere on the console.
    const masked = (outcomes: ReadonlyArray<Outcome>) => json({ outcomes: outcomes.map((o) => ({ ...o, message: maskPhones(o.message) })) })
    const replayed = (which: number | "all") => Effect.map(Effect.zipLeft(replayDeadLetters(which), wakeAll), masked)
    const resolved = (which: number | "all") => Effect.map(resolveDeadLetters(which), masked)
    const changed = (change: Change) => json({ ...change, message: maskPhones(change.message) }, change.outcome === "refused" ? 409 : 200)

    const api = HttpRouter.empty.pipe(
      HttpRouter.get("/admin/api/status", Effect.map(bridgeStatus(startedAt), (status) => json(status))),
      HttpRouter.get("/admin/api/dead-letters", Effect.gen(function*() {
        const name = yield* channelNames
        const letters = yield* (yield* Store).deadLetters()
        // The oldest ones, as many as a page can show; `total` says how many there are (replay-all takes every one).
        return json({ deadLetters: letters.slice(0, listedAtMost).map((l) => row(l, name)), total: letters.length })
      })),
      HttpRouter.get("/admin/api/dead-letters/:id", Effect.gen(function*() {
        const letter = yield* deadLetterNamed(yield* idParam)
        return json({ ...row(letter, yield* channelNames), body: letter.body })
      })),
      HttpRouter.post("/admin/api/dead-letters/replay-all", replayed("all")),
      HttpRouter.post("/admin/api/dead-letters/resolve-all", resolved("all")),
      HttpRouter.post("/admin/api/dead-letters/:id/replay", Effect.flatMap(idParam, replayed)),
      HttpRouter.post("/admin/api/dead-letters/:id/resolve", Effect.flatMap(idParam, resolved)),
      HttpRouter.get("/admin/api/opt-outs", Effect.gen(function*() {
        const name = yield* channelNames
        const optOuts = yield* (yield* Store).optOuts()
        return json({
          optOuts: optOuts.map((o) => ({
            ref: refOf(o.channelId, o.contactId),
            channel: name(o.channelId),
            contact: maskPhones(o.contactId),
            keyword: o.keyword,
            since: new Date(o.at).toISOString()
          }))
        })
      })),
      HttpRouter.post("/admin/api/opt-outs", Effect.gen(function*() {
        const { channel, contact } = yield* Effect.flatMap(body, contactOf)
        return changed(yield* addOptOut(channel, contact))
      })),
      HttpRouter.post("/admin/api/opt-outs/remove", Effect.gen(function*() {
        const request = yield* Effect.flatMap(body, removeRequestOf)
        if ("channel" in request) return changed(yield* removeOptOut(request.channel, request.contact))
        const found = (yield* (yield* Store).optOuts()).find((o) => refOf(o.channelId, o.contactId) === request.ref)
        if (found === undefined) return yield* new NotFound({ message: "no opt-out has this ref (the list may have changed; load it again)" })
        return changed(yield* removeOptOut(found.channelId, found.contactId))
      })),
      // A page of another origin asks first (a preflight) before it sends the token: the answer allows nothing.
      HttpRouter.options("/admin/api/*", Effect.fail(new Forbidden({ message: "cross-origin requests to the admin API are refused" })))
    )
    const checked = guard(adminToken)
    return HttpRouter.use(api, (app) => Effect.zipRight(checked, app))
  })
