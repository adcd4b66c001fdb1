// Pure translation of a platform message to the ClickSend call(s) that carry it.
import type { MmsSendRequest, SmsMessage } from "./wire.ts"
import type { Outgoing as OutgoingRequest } from "../../domain/messages.ts"
import { encodeRoute } from "./routing.ts"
import { composeText } from "../../translate/composeText.ts"
import { splitText } from "../../translate/splitText.ts"

export interface OutgoingOptions {
  readonly from?: string | undefined
  readonly maxParts: number
  readonly mms: boolean
}

export type SendPlan =
  | { readonly _tag: "Sms"; readonly messages: ReadonlyArray<SmsMessage> }
  | { readonly _tag: "Mms"; readonly request: MmsSendRequest; readonly fallback: ReadonlyArray<SmsMessage> }

export const source = "custom-channel-server"

const smsMessages = (request: OutgoingRequest, text: string, options: OutgoingOptions): Array<SmsMessage> => {
  const bodies = splitText(text, options.maxParts)
  return bodies.map((body, i) => ({
    to: request.contactId,
    body,
    ...(options.from ? { from: options.from } : {}),
    source,
    custom_string: encodeRoute({
      channelId: request.channelId,
      contactId: request.contactId,
      part: i + 1,
      parts: bodies.length
    })
  }))
}

/** MMS subjects hold 20 characters: the full label stays in the body, so nothing is lost. */
export const mmsSubject = (label: string | undefined): string => {
  const words = (label ?? "").trim()
  if (words.length <= 20) return words || "Picture"
  const cut = words.slice(0, 20)
  const space = cut.lastIndexOf(" ")
  return (space > 0 ? cut.slice(0, space) : cut).trim()
}

export const planSend = (request: OutgoingRequest, options: OutgoingOptions): SendPlan => {
  const { message } = request
  const fallback = smsMessages(request, composeText(message), options)
  if (options.mms && message.type === "attachment" && message.attachment.type === "image") {
    const { description, fileName, url } = message.attachment
    const label = description || fileName
    return {
      _tag: "Mms",
      request: {
        media_file: url,
        messages: [{
          to: request.contactId,
          subject: mmsSubject(label),
          body: label || url,
          ...(options.from ? { from: options.from } : {}),
          source,
          custom_string: encodeRoute({ channelId: request.channelId, contactId: request.contactId, part: 1, parts: 1 })
        }]
      },
      fallback
    }
  }
  return { _tag: "Sms", messages: fallback }
}
