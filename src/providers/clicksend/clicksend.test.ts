// ClickSend's translation and push shapes, as tables over its real payloads: platform -> ClickSend, ClickSend -> platform.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import type { Outgoing as OutgoingRequest } from "../../domain/messages.ts"
import { channelForInbound, eventTime } from "../../flows/receivePushes.ts"
import { webhookPayload } from "../../platforms/respondio/render.ts"
import { composeText } from "../../translate/composeText.ts"
import { encodingOf } from "../../translate/smsParts.ts"
import { deliveryReceipt, inboundPush } from "./ClickSendProvider.ts"
import { receiptStatus, toInbound } from "./incoming.ts"
import { mmsSubject, planSend } from "./outgoing.ts"
import { planRules, wantedRules } from "./setup.ts"
import { decodeRoute, encodeRoute } from "./routing.ts"
import { type InboundPush, normalisePhone } from "./wire.ts"

const request = (message: OutgoingRequest["message"]): OutgoingRequest => ({
  channelId: "gfd8g7fd89dgfd",
  contactId: "+60177872890",
  message
})

describe("outgoing", () => {
  it.each<[OutgoingRequest["message"], string]>([
    [{ type: "text", text: "Welcome to respond.io" }, "Welcome to respond.io"],
    [{ type: "attachment", attachment: { type: "image", url: "https://abc/japan.png", mimeType: "image/png", fileName: "company logo.png", description: "latest company logo" } }, "latest company logo\nhttps://abc/japan.png"],
    [{ type: "attachment", attachment: { type: "video", url: "https://abc/a.mp4", fileName: "a.mp4" } }, "a.mp4\nhttps://abc/a.mp4"],
    [{ type: "attachment", attachment: { type: "audio", url: "https://abc/a.mp3" } }, "https://abc/a.mp3"],
    [{ type: "location", latitude: 0.123456, longitude: -0.1234 }, "https://www.google.com/maps/search/?api=1&query=0.123456,-0.1234"],
    [{ type: "location", latitude: 0.0000001, longitude: -90 }, "https://www.google.com/maps/search/?api=1&query=0.0000001,-90"],
    [{ type: "location", latitude: 3.1, longitude: 101.7, address: "Sky Suites, Jalan P. Ramlee" }, "Sky Suites, Jalan P. Ramlee\nhttps://www.google.com/maps/search/?api=1&query=3.1,101.7"],
    [{ type: "quick_reply", title: "Select your preferred language", replies: ["Malay", "English"] }, "Select your preferred language\n1. Malay\n2. English"]
  ])("%j -> %j", (message, body) => {
    expect(composeText(message)).toBe(body)
  })

  it("what the bridge composes around the user's words never forces UCS-2", () => {
    const composed = [
      composeText({ type: "location", latitude: -33.8, longitude: 151.2, address: "Sydney" }),
      composeText({ type: "quick_reply", title: "Pick", replies: ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] }),
      composeText({ type: "attachment", attachment: { type: "file", url: "https://x/y.pdf", fileName: "y.pdf" } })
    ]
    for (const text of composed) expect(encodingOf(text)).toBe("GSM-7")
  })

  it("every part carries its route in custom_string, and the sender when the channel has one", () => {
    const plan = planSend(request({ type: "text", text: "x ".repeat(600) }), { from: "+61411111111", maxParts: 1, mms: false })
    expect(plan._tag).toBe("Sms")
    if (plan._tag !== "Sms") return
    expect(plan.messages.length).toBeGreaterThan(1)
    plan.messages.forEach((m, i) => {
      expect(m).toMatchObject({ to: "+60177872890", from: "+61411111111" })
      expect(decodeRoute(m.custom_string)).toEqual(Option.some({
        channelId: "gfd8g7fd89dgfd",
        contactId: "+60177872890",
        part: i + 1,
        parts: plan.messages.length
      }))
    })
    const noFrom = planSend(request({ type: "text", text: "x" }), { maxParts: 6, mms: false })
    expect(noFrom._tag === "Sms" && "from" in noFrom.messages[0]!).toBe(false)
  })

  it("only images go by MMS, and only when provider.mms is on", () => {
    const image = request({ type: "attachment", attachment: { type: "image", url: "https://a/b.jpg" } })
    const file = request({ type: "attachment", attachment: { type: "file", url: "https://a/b.jpg" } })
    expect(planSend(image, { maxParts: 6, mms: true })._tag).toBe("Mms")
    expect(planSend(image, { maxParts: 6, mms: false })._tag).toBe("Sms")
    expect(planSend(file, { maxParts: 6, mms: true })._tag).toBe("Sms")
  })

  it.each([
    [undefined, "Picture"],
    ["logo.png", "logo.png"],
    ["exactly twenty chars", "exactly twenty chars"],
    ["Our new shop front at night", "Our new shop front"],
    ["Averyveryverylongsinglewordtitle", "Averyveryverylongsin"]
  ])("MMS subject of %j is %j (at most 20 characters)", (label, subject) => {
    expect(mmsSubject(label)).toBe(subject)
    expect(mmsSubject(label).length).toBeLessThanOrEqual(20)
  })
})

describe("incoming", () => {
  const route = { channelId: "gfd8g7fd89dgfd", contactId: "+60177872890", part: 1, parts: 1 }
  /** When the pushes below arrived: a minute after their own timestamp. */
  const arrived = 1775012927000 + 60_000
  const receipt = (status_code: number, extra: object = {}) => ({ message_id: "M1", status_code, timestamp: 1775012927, ...extra })
  /** What the flow forwards for a receipt of a message sent whole. */
  const receiptToPayload = (r: Parameters<typeof receiptStatus>[0], now: number) => {
    const status = receiptStatus(r)
    if (status._tag === "Skip") return status
    const { channelId, contactId } = route
    const event = { kind: "status", channelId, contactId, mId: r.message_id, timestamp: eventTime(r.timestamp, now), status: status.value, error: status.message } as const
    return { _tag: "Forward", payload: webhookPayload(event) }
  }
  /** What the webhook gets for an inbound SMS. */
  const inboundToPayload = (push: InboundPush, channelId: string, now: number) => {
    const inbound = toInbound(push)
    const { mId, message } = inbound.contents[0]!
    return webhookPayload({ kind: "message", channelId, contactId: inbound.from, mId, timestamp: eventTime(inbound.sentAtSeconds, now), message })
  }

  it.each([
    [200, { value: "sent" }],
    [201, { value: "delivered" }],
    [301, { value: "failed", message: "Number disconnected" }]
  ])("receipt status_code %d -> %j", (code, status) => {
    const outcome = receiptToPayload(receipt(code, { error_text: "Number disconnected" }), arrived)
    expect(outcome).toEqual({
      _tag: "Forward",
      payload: {
        channelId: "gfd8g7fd89dgfd",
        contactId: "+60177872890",
        events: [{ type: "message_status", mId: "M1", timestamp: 1775012927000, status }]
      }
    })
  })

  it("a failure without error_text takes status_text, then a plain sentence", () => {
    const withText = receiptToPayload(receipt(301, { status_text: "Undeliverable" }), 0)
    const bare = receiptToPayload(receipt(301), 0)
    expect("payload" in withText && withText.payload.events[0]).toMatchObject({ status: { value: "failed", message: "Undeliverable" } })
    expect("payload" in bare && bare.payload.events[0]).toMatchObject({ status: { value: "failed", message: "Delivery failed (status_code 301)" } })
  })

  it.each([300, 302, 999])("receipt status_code %d is not forwarded", (code) => {
    expect(receiptToPayload(receipt(code), 0)._tag).toBe("Skip")
  })

  it("a receipt with no timestamp is dated now", () => {
    const now = receiptToPayload({ message_id: "M1", status_code: 201 }, 1234)
    expect(now._tag === "Forward" && "payload" in now && now.payload.events[0].timestamp).toBe(1234)
  })

  it("an inbound SMS becomes a message event with the timestamp in milliseconds", () => {
    expect(inboundToPayload({ message_id: "ID", from: "+61429912603", body: "hi", timestamp: 1775012927 }, "C", arrived)).toEqual({
      channelId: "C",
      contactId: "+61429912603",
      events: [{ type: "message", mId: "ID", timestamp: 1775012927000, message: { type: "text", text: "hi" } }],
      contact: { phone: "+61429912603" }
    })
  })

  it("a timestamp more than a year before arrival or a day after it is not believed: the time of arrival is used", () => {
    const at = (timestamp: number) => inboundToPayload({ message_id: "ID", from: "+61429912603", body: "hi", timestamp }, "C", arrived).events[0].timestamp
    expect(at(1e303)).toBe(arrived)
    expect(at(0)).toBe(arrived)
    expect(at(arrived / 1000 + 2 * 86_400)).toBe(arrived)
    expect(at(arrived / 1000 - 367 * 86_400)).toBe(arrived)
    expect(at(arrived / 1000 - 300 * 86_400)).toBe(arrived - 300 * 86_400_000)
    expect(at(arrived / 1000 + 3600)).toBe(arrived + 3_600_000)
  })

  it("phone numbers in pushes become E.164 with their +; what is neither a number nor a short name is refused", () => {
    expect(normalisePhone("61429912603")).toBe("+61429912603")
    expect(normalisePhone(" 61429912603")).toBe("+61429912603") // a + that arrived as a space
    expect(normalisePhone("+61 (429) 912-603")).toBe("+61429912603")
    expect(normalisePhone("ACME")).toBe("ACME")
    expect(normalisePhone("1".repeat(300))).toBeUndefined()
    expect(normalisePhone("+0123456789")).toBeUndefined()
    expect(normalisePhone("x".repeat(51))).toBeUndefined()
    expect(normalisePhone("   ")).toBeUndefined()
  })

  it("routing: numbers first (any formatting), then the replied-to message's channel, then the only channel", () => {
    const a = { channelId: "A", numbers: ["+61411111111"] }
    const b = { channelId: "B", numbers: ["+61422222222"] }
    // The channel a reply names: ClickSend's push carries back our message's custom_string.
    const replyToB = toInbound({ message_id: "R", from: "+1234567", body: "hi", custom_string: encodeRoute({ channelId: "B", contactId: "+1", part: 1, parts: 1 }) }).channelHint
    expect(channelForInbound([a, b], "61422222222", undefined)).toBe(b)
    expect(channelForInbound([a, b], "+61 411 111 111", replyToB)).toBe(a)
    expect(channelForInbound([a, b], "+61499999999", replyToB)).toBe(b)
    expect(channelForInbound([a, b], "+61499999999", toInbound({ message_id: "R", from: "+1234567", body: "hi", custom_string: "" }).channelHint)).toBeUndefined()
    expect(channelForInbound([a], "+61499999999", undefined)).toBe(a)
    expect(decodeRoute("ref-123")).toEqual(Option.none())
  })
})

describe("ClickSend pushes", () => {
  const inbound = (fields: Record<string, unknown>) =>
    Effect.runSync(Effect.either(inboundPush(fields)))
  const receipt = (fields: Record<string, unknown>) =>
    Effect.runSync(Effect.either(deliveryReceipt(fields)))

  it.each([
    ["form strings", { timestamp: "1775012927", from: "+61429912603", to: "+61477485926", body: "hi", message_id: "ID-1" }],
    ["JSON numbers", { timestamp: 1775012927, from: "+61429912603", to: "+61477485926", body: "hi", message_id: "ID-1", user_id: 304497 }],
    ["legacy aliases only", { timestamp: "1775012927", sms: "+61429912603", originalsenderid: "+61477485926", message: "hi", messageid: "ID-1" }]
  ])("an inbound push as %s decodes to the same SMS", (_, fields) => {
    expect(inbound(fields)).toEqual(Either.right({
      timestamp: 1775012927,
      from: "+61429912603",
      to: "+61477485926",
      body: "hi",
      message_id: "ID-1"
    }))
  })

  it.each([
    [{ from: "+61429912603", body: "hi" }, "message_id: is required"],
    [{ from: "+61429912603", body: "hi", message_id: "x".repeat(51) }, "message_id: at most 50 characters"],
    [{ from: "", body: "hi", message_id: "ID" }, "from: must be a phone number in E.164 form (7 to 15 digits) or a sender name of at most 50 characters"],
    [{ from: "1".repeat(300), body: "hi", message_id: "ID" }, "from: must be a phone number in E.164 form"],
    [{ from: "+61429912603", message_id: "ID" }, "body: is required"],
    [{ from: "+61429912603", body: "hi", message_id: "ID", timestamp: "yesterday" }, "timestamp"]
  ])("an invalid inbound push %j is refused: %s", (fields, error) => {
    const result = inbound(fields)
    expect(Either.isLeft(result) && result.left.message).toContain(error)
  })

  it("a receipt decodes its status_code from a string, and needs one", () => {
    expect(Either.getOrThrow(receipt({ message_id: "A", status_code: "301", error_text: "Bad" })).status_code).toBe(301)
    const missing = receipt({ message_id: "A" })
    expect(Either.isLeft(missing) && missing.left.message).toBe("status_code: is required")
  })
})

describe("setup's plan", () => {
  const wanted = wantedRules("https://bridge.example.com", "a-push-secret-0123456789", ["+61411111111"], false)
  it("keeps rules ClickSend lists in its own shapes: a number without +, enabled true, a field it does not list", () => {
    const listed = wanted.map((rule, i) => ({
      id: String(i + 1),
      kind: rule.kind,
      name: rule.name,
      fields: Object.fromEntries(
        Object.entries(rule.fields)
          .filter(([k]) => k !== "webhook_type")
          .map(([k, v]) => [k, k === "dedicated_number" ? String(v).slice(1) : k === "enabled" ? true as unknown as number : v])
      )
    }))
    expect(planRules(wanted, listed).map((s) => s._tag)).toEqual(["Keep", "Keep"])
  })

  it("updates a rule whose address or action changed, creates one it does not find, by name", () => {
    const listed = [{ id: "7", kind: "inbound" as const, name: wanted[0]!.name, fields: { ...wanted[0]!.fields, action_address: "https://old.example.com/x" } }]
    expect(planRules(wanted, listed).map((s) => [s._tag, s._tag === "Update" ? s.id : undefined])).toEqual([["Update", "7"], ["Create", undefined]])
  })
})
