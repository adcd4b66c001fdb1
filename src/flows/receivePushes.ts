// Incoming: ClickSend's pushes (an SMS from a contact, a delivery receipt) become webhook events of a channel.
import { Clock, Effect, Option } from "effect"
import { AppConfig } from "../config/ChannelConfig.ts"
import { Codecs } from "../services/Codecs.ts"
import { DeadLetters } from "../services/DeadLetters.ts"
import { RespondIoClient } from "../services/RespondIoClient.ts"
import { inboundToPayload, receiptToPayload } from "../translate/incoming.ts"
import { channelForInbound, decodeRoute } from "../translate/routing.ts"

export type PushOutcome = "forwarded" | "skipped" | "dead-lettered"

type Fields = Readonly<Record<string, string | number | boolean | null | undefined>>

/**
 * A push that could not be forwarded (invalid, or the webhook refused it or stayed down) is answered with an
 * error so ClickSend may push it again; whether it does is not documented, so it is also logged and kept.
 */
const keepOnFailure = (kind: "inbound" | "receipt") =>
<A, E extends { readonly message: string; readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>, fields: Fields) =>
  effect.pipe(
    Effect.tapError((error) =>
      Effect.gen(function*() {
        yield* (yield* DeadLetters).record({ kind, reason: error.message, fields })
        yield* Effect.logWarning(`${kind === "inbound" ? "inbound SMS" : "delivery receipt"} not forwarded; kept as a dead letter`).pipe(
          Effect.annotateLogs({ direction: kind === "inbound" ? "in" : "receipt", outcome: error._tag, reason: error.message })
        )
      })
    )
  )

export const receiveInbound = Effect.fn("receiveInbound")(function*(fields: Fields) {
  const { channels } = yield* AppConfig
  const push = yield* (yield* Codecs).inboundPush(fields)
  yield* Effect.annotateCurrentSpan("mId", push.message_id)
  const channel = channelForInbound(channels, push.to, push.custom_string)
  if (!channel) {
    const reason = `no channel has ${push.to ?? "(no to)"} in its numbers`
    yield* (yield* DeadLetters).record({ kind: "inbound", reason, fields })
    yield* Effect.logWarning("inbound SMS fits no channel; kept as a dead letter").pipe(
      Effect.annotateLogs({ mId: push.message_id, reason })
    )
    return "dead-lettered" satisfies PushOutcome
  }
  const payload = inboundToPayload(push, channel.channelId, yield* Clock.currentTimeMillis)
  yield* (yield* RespondIoClient).post(channel, payload)
  yield* Effect.logInfo("inbound SMS forwarded").pipe(
    Effect.annotateLogs({ channel: channel.name, direction: "in", mId: push.message_id, outcome: "forwarded" })
  )
  return "forwarded" satisfies PushOutcome
}, keepOnFailure("inbound"))

export const receiveReceipt = Effect.fn("receiveReceipt")(function*(fields: Fields) {
  const { channels } = yield* AppConfig
  const receipt = yield* (yield* Codecs).deliveryReceipt(fields)
  const route = decodeRoute(receipt.custom_string)
  const channel = Option.isSome(route) ? channels.find((c) => c.channelId === route.value.channelId) : undefined
  if (Option.isNone(route) || !channel) {
    const reason = Option.isNone(route)
      ? "custom_string does not name a channel: not a message this bridge sent"
      : "custom_string names a channel that is not configured"
    yield* (yield* DeadLetters).record({ kind: "receipt", reason, fields })
    yield* Effect.logWarning("delivery receipt fits no channel; kept as a dead letter").pipe(
      Effect.annotateLogs({ mId: receipt.message_id, reason })
    )
    return "dead-lettered" satisfies PushOutcome
  }
  const outcome = receiptToPayload(receipt, route.value, yield* Clock.currentTimeMillis)
  const log = { channel: channel.name, direction: "receipt", mId: receipt.message_id }
  if (outcome._tag === "Skip") {
    yield* Effect.logInfo("delivery receipt not forwarded").pipe(Effect.annotateLogs({ ...log, reason: outcome.reason }))
    return "skipped" satisfies PushOutcome
  }
  yield* (yield* RespondIoClient).post(channel, outcome.payload)
  yield* Effect.logInfo("delivery receipt forwarded").pipe(
    Effect.annotateLogs({ ...log, statusCode: receipt.status_code, outcome: "forwarded" })
  )
  return "forwarded" satisfies PushOutcome
}, keepOnFailure("receipt"))
