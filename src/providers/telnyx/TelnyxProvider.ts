// Telnyx as the bridge's SMS provider: sending through its Messaging API v2, and its one webhook route, every
// request checked against the account's public key before anything else.
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Clock, Effect, Layer, Redacted } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { Channel } from "../../config/ChannelConfig.ts"
import { InvalidPayload, Unauthorized, UpstreamTimeout } from "../../domain/errors.ts"
import type { Outgoing, Sent } from "../../domain/messages.ts"
import type { PushOutcome } from "../../flows/committed.ts"
import { keepInvalid, receiveInbound, receiveReceipt } from "../../flows/receivePushes.ts"
import { parseJson, readIncomingBytes } from "../../http/readBody.ts"
import { decoder } from "../../services/decode.ts"
import { Store, type StoreUnavailable } from "../../stores/Store.ts"
import { mmsOrSms } from "../providerCall.ts"
import { providerFlowContext } from "../../flows/providerFlowContext.ts"
import { type ProviderNeeds, SmsProvider } from "../SmsProvider.ts"
import type { TelnyxSettings } from "./settings.ts"
import { publicKeyOf, signatureProblem } from "./signature.ts"
import { TelnyxClient } from "./TelnyxClient.ts"
import { planSend, toInbound, toReceipt } from "./translate.ts"
import { MessagePayload, type SendRequest, Webhook } from "./wire.ts"

const decodeWebhook = decoder(Webhook)
const decodeMessage = decoder(MessagePayload)

/** What the webhook route needs, from the bridge's layers. */
type Needs = AppConfig | Store | Effect.Effect.Context<ReturnType<typeof receiveInbound>>

/** A webhook as it came, kept as Telnyx's if it must be. */
const kept = (push: unknown) => ({ source: "telnyx", push })

type Handled = Effect.Effect<PushOutcome | "ignored", InvalidPayload | StoreUnavailable, Needs>

export const TelnyxProvider: Layer.Layer<SmsProvider, never, ProviderNeeds> = Layer.scoped(
  SmsProvider,
  Effect.gen(function*() {
    const config = yield* AppConfig
    const provider = config.provider as TelnyxSettings
    const telnyx = yield* TelnyxClient
    const key = publicKeyOf(Redacted.value(provider.publicKey))
    /**
     * The messages one after another, in order. A failure after some went out says so, and is never a 503: the
     * platform would send the whole text again, the parts that went out included.
     */
    const sendAll = (messages: ReadonlyArray<SendRequest>) =>
      Effect.gen(function*() {
        const ids: Array<string> = []
        for (const message of messages) {
          const id = yield* telnyx.send(message).pipe(
            Effect.catchAll((error) => {
              if (ids.length === 0) return Effect.fail(error)
              const partly = `part ${ids.length + 1} of ${messages.length} was not sent (${error.message}); the parts before it were`
              return Effect.logWarning("split message partly sent").pipe(
                Effect.annotateLogs({ partsSent: ids.length, parts: messages.length, firstPartId: ids[0]! }),
                Effect.zipRight(Effect.fail(
                  error._tag === "UpstreamUnavailable" ? new UpstreamTimeout({ message: `${partly}, so it was not sent again` }) : error
                ))
              )
            })
          )
          ids.push(id)
        }
        return { mId: ids[0]!, partIds: ids, recordParts: true } satisfies Sent
      })

    const send = Effect.fnUntraced(function*(request: Outgoing, channel: Channel) {
      const plan = planSend(request, channel, provider)
      return yield* plan._tag === "Mms" ? mmsOrSms("Telnyx", sendAll([plan.message]), sendAll(plan.fallback)) : sendAll(plan.messages)
    })
    // The webhook route runs with what it needs from here.
    const context = yield* providerFlowContext(send)

    /** One webhook, decoded: a contact's message, a status of ours, or an event the bridge has no use for. */
    const handle = (body: unknown): Handled =>
      Effect.gen(function*() {
        const webhook = yield* decodeWebhook(body)
        const { event_type: type, occurred_at: at } = webhook.data
        if (type !== "message.received" && type !== "message.sent" && type !== "message.finalized") return "ignored" as const
        const kind = type === "message.received" ? "inbound" : "receipt"
        const payload = yield* decodeMessage(webhook.data.payload).pipe(
          Effect.mapError((e) => new InvalidPayload({ message: `data.payload.${e.message}` }))
        )
        return kind === "inbound"
          ? yield* receiveInbound(toInbound(payload, at), kept(body))
          : yield* receiveReceipt(toReceipt(type, payload, at, config.channels), kept(body))
      })

    const webhook = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const headers = {
        signature: request.headers["telnyx-signature-ed25519"],
        timestamp: request.headers["telnyx-timestamp"]
      }
      // Nothing is read, parsed or stored before the signature holds.
      const raw = yield* readIncomingBytes(NodeHttpServerRequest.toIncomingMessage(request), config.server.maxBodyBytes)
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const problem = signatureProblem(key, headers, raw, now, provider.signatureToleranceSeconds)
      if (problem) return yield* new Unauthorized({ message: problem })
      yield* (yield* Store).ready()
      const text = raw.toString("utf8")
      const body = yield* parseJson(text).pipe(Effect.tapError(keepInvalid("inbound", kept({ body: text }))))
      const data = (body as { data?: { event_type?: unknown; id?: unknown } })?.data
      const kind = data?.event_type === "message.received" ? "inbound" : "receipt"
      // Telnyx sends a webhook again (meta.attempt changes): its event id makes the retries one dead letter.
      const identity = typeof data?.id === "string" ? data.id : body
      const outcome = yield* handle(body).pipe(Effect.tapError((e) => e._tag === "InvalidPayload" ? keepInvalid(kind, kept(body), identity)(e) : Effect.void))
      return HttpServerResponse.unsafeJson({ ok: true, outcome })
    }).pipe(Effect.provide(context))

    return {
      send,
      // Telnyx has no list of what it received to catch up from (see the README's "Catch-up").
      background: Effect.void,
      routes: HttpRouter.empty.pipe(HttpRouter.post("/telnyx/webhook", webhook)),
      reroute: (_kind, push) =>
        // A webhook kept because it was not even JSON is kept as its text.
        (typeof (push as { body?: unknown })?.body === "string"
          ? Effect.flatMap(parseJson((push as { body: string }).body), handle)
          : handle(push)).pipe(
          Effect.map((outcome) => (outcome === "ignored" ? "skipped" : outcome)),
          Effect.provide(context)
        )
    }
  })
).pipe(Layer.provide(TelnyxClient.Default))
