// Pure translation of a platform message to the ClickSend call(s) that carry it.
import type { MmsSendRequest, SmsMessage } from "./wire.ts"
import type { Outgoing as OutgoingRequest, OutgoingContent as OutgoingMessage } from "../../domain/messages.ts"
import { encodeRoute } from "./routing.ts"
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

/** Decimal degrees without exponent notation (1e-7 would break the link); 7 places is about a centimetre. */
const degrees = (n: number) => n.toFixed(7).replace(/\.?0+$/, "").replace(/^-0$/, "0")

/** A link any phone can open; plain ASCII so it never forces UCS-2. */
export const mapLink = (latitude: number, longitude: number): string =>
  `https://www.google.com/maps/search/?api=1&query=${degrees(latitude)},${degrees(longitude)}`

/** The SMS text of a message. Only ASCII is added, so the bridge never switches a message to UCS-2 itself. */
export const composeText = (message: OutgoingMessage): string => {
  switch (message.type) {
    case "text":
      return message.text
    case "attachment": {
      const { description, fileName, url } = message.attachment
      const label = description || fileName
      return label ? `${label}\n${url}` : url
    }
    case "location": {
      const link = mapLink(message.latitude, message.longitude)
      return message.address ? `${message.address}\n${link}` : link
    }
    case "quick_reply":
      return [message.title, ...message.replies.map((reply, i) => `${i + 1}. ${reply}`)].join("\n")
  }
}

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
