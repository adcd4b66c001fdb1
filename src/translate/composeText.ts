// The text that carries a platform message by SMS, whichever provider sends it.
import type { OutgoingContent as OutgoingMessage } from "../domain/messages.ts"

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
