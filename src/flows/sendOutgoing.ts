// Outgoing: a decoded platform message for a channel goes to ClickSend; the answer is the first part's id.
import { Clock, Effect } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { type Channel } from "../config/ChannelConfig.ts"
import { ProviderRefused, UpstreamError } from "../domain/errors.ts"
import type { OutgoingRequest } from "../platforms/respondio/wire.ts"
import { ClickSendClient, type SentMessage } from "../providers/clicksend/ClickSendClient.ts"
import { Store } from "../store/Store.ts"
import { planSend } from "../providers/clicksend/outgoing.ts"
import { committed, statusEvent } from "./receivePushes.ts"

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

/**
 * What the store keeps of a sent message: its parts (so their receipts fold into one status) and that it was
 * the contact's latest (so a bare number answers its quick reply). The SMS is already out: a store failure
 * here is logged, never turned into an error that would make the platform send it again.
 */
const remember = (request: OutgoingRequest, channel: Channel, mId: string, sent: ReadonlyArray<SentMessage>) =>
  Effect.gen(function*() {
    const store = yield* Store
    if (sent.length > 1) {
      // Receipts of later parts that came before this answer are folded in now.
      const route = { channelId: channel.channelId, contactId: request.contactId }
      const outcome = yield* store.recordParts(mId, sent.map((m) => m.message_id ?? ""), statusEvent(route, yield* Clock.currentTimeMillis))
      if (outcome !== "held") yield* committed(channel, "receipt", mId, outcome)
    }
    if (!(yield* AppConfig).quickReplies.mapNumbers) return
    const replies = request.message.type === "quick_reply" ? request.message.replies : undefined
    // Only a quick reply, or the message after one, changes what a bare number answers: the rest need no write.
    const latest = replies ? undefined : yield* store.lastOutgoing(request.channelId, request.contactId)
    if (replies || latest?.quickReplies) yield* store.rememberOutgoing(request.channelId, request.contactId, replies)
  }).pipe(Effect.catchAllCause((cause) => Effect.logError("could not record a sent message", cause)))

export const sendOutgoing = Effect.fnUntraced(function*(request: OutgoingRequest, channel: Channel) {
  const { provider } = yield* AppConfig
  const clicksend = yield* ClickSendClient
  const plan = planSend(request, { from: channel.from, maxParts: provider.maxParts, mms: provider.mms })
  if (plan._tag === "Mms") {
    const viaMms = yield* clicksend.sendMms(plan.request).pipe(
      Effect.flatMap((sent) => Effect.map(firstId(sent), (mId) => ({ mId, sent }))),
      Effect.either
    )
    if (viaMms._tag === "Right") {
      yield* remember(request, channel, viaMms.right.mId, viaMms.right.sent)
      return viaMms.right.mId
    }
    if (viaMms.left._tag !== "ProviderRefused") return yield* viaMms.left
    yield* Effect.logWarning("ClickSend refused the MMS; sending the picture as a link by SMS").pipe(
      Effect.annotateLogs({ providerStatus: viaMms.left.providerStatus })
    )
  }
  const messages = plan._tag === "Sms" ? plan.messages : plan.fallback
  const sent = yield* clicksend.sendSms({ messages })
  const mId = yield* firstId(sent)
  yield* remember(request, channel, mId, sent)
  return mId
})
