// What our outgoing SMS carries in ClickSend's custom_string, so its receipts and replies route without a lookup.
import { sameNumber } from "../../domain/phoneNumbers.ts"
import { Option } from "effect"

export interface Route {
  readonly channelId: string
  readonly contactId: string
  /** 1-based part of a text that was split into several messages, and how many there are. */
  readonly part: number
  readonly parts: number
}

export const encodeRoute = (route: Route): string =>
  new URLSearchParams({ v: "1", ch: route.channelId, c: route.contactId, p: `${route.part}/${route.parts}` }).toString()

export const decodeRoute = (customString: string | undefined): Option.Option<Route> => {
  if (!customString) return Option.none()
  const params = new URLSearchParams(customString)
  const [channelId, contactId, p] = [params.get("ch"), params.get("c"), params.get("p")]
  const match = p?.match(/^(\d+)\/(\d+)$/)
  if (params.get("v") !== "1" || !channelId || !contactId || !match) return Option.none()
  return Option.some({ channelId, contactId, part: Number(match[1]), parts: Number(match[2]) })
}

interface Routable {
  readonly channelId: string
  readonly numbers: ReadonlyArray<string>
}

/**
 * The channel an inbound SMS belongs to: the one whose numbers hold `to`; else the one named by the
 * custom_string of our message it replies to; else the only channel there is.
 */
export const channelForInbound = <C extends Routable>(
  channels: ReadonlyArray<C>,
  to: string | undefined,
  customString: string | undefined
): C | undefined => {
  const byNumber = to ? channels.find((c) => c.numbers.some((n) => sameNumber(n, to))) : undefined
  if (byNumber) return byNumber
  const route = decodeRoute(customString)
  const byReply = Option.isSome(route) ? channels.find((c) => c.channelId === route.value.channelId) : undefined
  return byReply ?? (channels.length === 1 ? channels[0] : undefined)
}
