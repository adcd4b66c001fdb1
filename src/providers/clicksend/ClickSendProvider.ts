// ClickSend as the bridge's SMS provider: sending through its REST v3 API, and its two push routes.
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Layer, Option, Redacted } from "effect"
import { digitsOf } from "../../domain/phoneNumbers.ts"
import { AppConfig } from "../../config/AppConfig.ts"
import type { Channel } from "../../config/ChannelConfig.ts"
import { InvalidPayload, ProviderRefused, Unauthorized, UpstreamError } from "../../domain/errors.ts"
import type { Outgoing, Sent } from "../../domain/messages.ts"
import type { PushOutcome } from "../../flows/committed.ts"
import { keepInvalid, receiveInbound, receiveReceipt } from "../../flows/receivePushes.ts"
import { decoder } from "../../services/decode.ts"
import { secretCheck } from "../../services/TokenCheck.ts"
import { Store, type StoreUnavailable } from "../../stores/Store.ts"
import { mmsOrSms } from "../providerCall.ts"
import { providerFlowContext } from "../../flows/providerFlowContext.ts"
import { type ProviderNeeds, SmsProvider } from "../SmsProvider.ts"
import { ClickSendClient, type SentMessage } from "./ClickSendClient.ts"
import { catchUpEvery } from "./catchUp.ts"
import { mediaOf, toInbound, toReceipt } from "./incoming.ts"
import { planSend } from "./outgoing.ts"
import { decodeRoute } from "./routing.ts"
import { type PushFields, readPushFields } from "./pushFields.ts"
import type { ClickSendSettings } from "./settings.ts"
import { DeliveryReceipt, InboundPush, resolveAliases, type SmsMessage } from "./wire.ts"

const decodeInbound = decoder(InboundPush)
const decodeReceipt = decoder(DeliveryReceipt)
export const inboundPush = (fields: Readonly<Record<string, unknown>>) => decodeInbound(resolveAliases(fields))
export const deliveryReceipt = (fields: Readonly<Record<string, unknown>>) => decodeReceipt(resolveAliases(fields))

/** ClickSend's HTTP 200 does not mean every message was taken: each part carries its own status. */
export const firstId = (sent: ReadonlyArray<SentMessage>): Effect.Effect<string, ProviderRefused | UpstreamError> => {
  const refused = sent.findIndex((m) => m.status !== "SUCCESS")
  if (refused >= 0) {
    const status = sent[refused]!.status
    const part = sent.length > 1 ? ` (part ${refused + 1} of ${sent.length})` : ""
    const error = new ProviderRefused({ message: `ClickSend refused the message: ${status}${part}`, providerStatus: status })
    const alreadySent = sent.filter((m) => m.status === "SUCCESS").length
    // The platform is told the message failed, yet some parts went out: the operator must be able to see that.
    return alreadySent === 0 ? Effect.fail(error) : Effect.logWarning("split message partly sent").pipe(
      Effect.annotateLogs({ partsSent: alreadySent, parts: sent.length, firstPartId: sent[0]?.message_id ?? "" }),
      Effect.zipRight(Effect.fail(error))
    )
  }
  const id = sent[0]?.message_id
  return id ? Effect.succeed(id) : Effect.fail(new UpstreamError({ message: "ClickSend accepted the message but gave no message_id" }))
}

const sentOf = (sent: ReadonlyArray<SentMessage>) =>
  Effect.map(firstId(sent), (mId): Sent => ({ mId, partIds: sent.map((m) => m.message_id ?? "") }))

/** A push as it came, kept as ClickSend's if it must be. */
const kept = (push: unknown) => ({ source: "clicksend", push })

/** What the push routes need, from the bridge's layers. */
type Needs = AppConfig | Store | Effect.Effect.Context<ReturnType<typeof receiveInbound>>

export const ClickSendProvider: Layer.Layer<SmsProvider, never, ProviderNeeds> = Layer.scoped(
  SmsProvider,
  Effect.gen(function*() {
    const config = yield* AppConfig
    const provider = config.provider as ClickSendSettings
    const clicksend = yield* ClickSendClient
    const send = Effect.fnUntraced(function*(request: Outgoing, channel: Channel) {
      const plan = planSend(request, { from: channel.from, maxParts: provider.maxParts, mms: provider.mms })
      const sms = (messages: ReadonlyArray<SmsMessage>) => Effect.flatMap(clicksend.sendSms({ messages }), sentOf)
      return yield* plan._tag === "Mms"
        ? mmsOrSms("ClickSend", Effect.flatMap(clicksend.sendMms(plan.request), sentOf), sms(plan.fallback))
        : sms(plan.messages)
    })
    // The push routes run with what they need from here.
    const context = yield* providerFlowContext(send)

    const pushSecret = secretCheck(Redacted.value(provider.pushSecret))
    /** A contact's message goes on; media that is not a URL stays behind, kept with the push as a dead letter. */
    const takeInbound = (push: InboundPush, fields: Readonly<Record<string, unknown>>) =>
      Effect.gen(function*() {
        const { notUrls } = mediaOf(push)
        if (notUrls > 0) {
          const message = `media_file: ${notUrls} of its values not an http(s) URL; the message went to the platform without them`
          // Kept once per message, whether it came by push, by catch-up or both (their fields differ).
          yield* keepInvalid("inbound", kept(fields), { media: push.message_id })(new InvalidPayload({ message }))
        }
        return yield* receiveInbound(toInbound(push), kept(fields))
      })
    const inbound = (fields: Readonly<Record<string, unknown>>): Effect.Effect<PushOutcome, InvalidPayload | StoreUnavailable, Needs> =>
      inboundPush(fields).pipe(Effect.tapError(keepInvalid("inbound", kept(fields))), Effect.flatMap((push) => takeInbound(push, fields)))
    const receipt = (fields: Readonly<Record<string, unknown>>): Effect.Effect<PushOutcome, InvalidPayload | StoreUnavailable, Needs> =>
      deliveryReceipt(fields).pipe(Effect.tapError(keepInvalid("receipt", kept(fields))), Effect.flatMap((r) => receiveReceipt(toReceipt(r), kept(fields))))

    /** A push: the secret checked before the body is even read; a store that cannot write takes none. */
    const push = (receive: typeof inbound) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const query = new URL(request.url, "http://bridge").searchParams
        if (!pushSecret(query.get("secret") ?? undefined)) return yield* new Unauthorized({ message: "invalid or missing push secret" })
        yield* (yield* Store).ready()
        const outcome = yield* receive(yield* readPushFields(request, query, config.server.maxBodyBytes))
        return HttpServerResponse.unsafeJson({ ok: true, outcome })
      }).pipe(Effect.provide(context))

    const channelIds = new Set(config.channels.map((c) => c.channelId))
    const numbers = new Set(config.channels.flatMap((c) => c.numbers.map(digitsOf)))
    /**
     * What of ClickSend's lists is the bridge's: a message to one of its channels' numbers (or naming one of its
     * channels, a reply to its message), a receipt of a message it sent. Unlike a push, which came because the
     * operator pointed a rule here, a list holds the whole account's.
     */
    const ours = (kind: "inbound" | "receipts", item: Readonly<Record<string, unknown>>) => {
      const fields = resolveAliases(item)
      const named = Option.exists(decodeRoute(typeof fields.custom_string === "string" ? fields.custom_string : undefined), (r) => channelIds.has(r.channelId))
      return kind === "receipts" ? named : named || numbers.has(digitsOf(String(fields.to ?? "")))
    }
    const catchUp = catchUpEvery({
      list: clicksend.list,
      ours,
      markRead: provider.reconcile.markRead ? clicksend.markRead : undefined,
      receive: (kind, item) => (kind === "inbound" ? inbound(item) : receipt(item)).pipe(Effect.provide(context))
    }, provider.reconcile.intervalMs)

    return {
      send,
      background: provider.reconcile.enabled ? catchUp : Effect.void,
      routes: HttpRouter.empty.pipe(
        HttpRouter.post("/clicksend/push_message", push(inbound)),
        HttpRouter.get("/clicksend/push_message", push(inbound)),
        HttpRouter.post("/clicksend/delivery_receipt", push(receipt)),
        HttpRouter.get("/clicksend/delivery_receipt", push(receipt))
      ),
      reroute: (kind, fields) =>
        (kind === "unroutable-inbound"
          ? Effect.flatMap(inboundPush(fields as PushFields), (push): Effect.Effect<PushOutcome, StoreUnavailable, Needs> => takeInbound(push, fields as PushFields))
          : Effect.flatMap(deliveryReceipt(fields as PushFields), (r): Effect.Effect<PushOutcome, StoreUnavailable, Needs> => receiveReceipt(toReceipt(r), kept(fields)))
        ).pipe(Effect.provide(context))
    }
  })
).pipe(Layer.provide(ClickSendClient.Default))
