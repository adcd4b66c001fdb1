// Telnyx's translation and signatures, as tables over its documented payloads (testdata/, kept as Telnyx sends them).
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { publicKeyOf, signatureProblem } from "./signature.ts"
import { planSend, toInbound, toReceipt } from "./translate.ts"
import { MessagePayload, Webhook } from "./wire.ts"

const webhook = (name: string) => {
  const decoded = Schema.decodeUnknownSync(Webhook)(JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "testdata", `${name}.json`), "utf8")))
  return { type: decoded.data.event_type, at: decoded.data.occurred_at, payload: Schema.decodeUnknownSync(MessagePayload)(decoded.data.payload) }
}
const channels = [{ channelId: "C", from: "+13125550001", numbers: ["+17735550002"] }]

describe("Telnyx webhooks", () => {
  it("message.received (SMS): one text message, the message's id as mId, its received_at as the time", () => {
    const { at, payload } = webhook("message.received.sms")
    expect(toInbound(payload, at)).toEqual({
      id: "84cca175-9755-4859-b67f-4730d7f58aa3",
      from: "+13125550001",
      to: "+17735550002",
      channelHint: undefined,
      sentAtSeconds: Date.parse("2024-01-15T20:16:07.503+00:00") / 1000,
      contents: [{ mId: "84cca175-9755-4859-b67f-4730d7f58aa3", message: { type: "text", text: "Hello from Telnyx!" } }]
    })
  })

  it("message.received (MMS, no text): each media item an attachment of its own, typed by its content type", () => {
    const { at, payload } = webhook("message.received.mms")
    expect(toInbound(payload, at).contents).toEqual([
      { mId: "5f2a1c3e-8d4b-4e6f-9a0b-1c2d3e4f5a6b-m1", message: { type: "attachment", attachment: { type: "image", url: "https://media.telnyx.com/example-image.png", mimeType: "image/png" } } },
      { mId: "5f2a1c3e-8d4b-4e6f-9a0b-1c2d3e4f5a6b-m2", message: { type: "attachment", attachment: { type: "file", url: "https://media.telnyx.com/example-card.vcf", mimeType: "text/vcard" } } }
    ])
  })

  it.each([
    ["message.sent", { _tag: "Status", value: "sent" }],
    ["message.finalized.delivered", { _tag: "Status", value: "delivered" }],
    ["message.finalized.failed", { _tag: "Status", value: "failed", message: "Undeliverable: The message could not be delivered to the handset." }]
  ])("%s -> %j, for the channel that sends from its from; which part it was, the store knows", (name, status) => {
    const { at, payload, type } = webhook(name)
    const receipt = toReceipt(type, payload, at, channels)
    expect(receipt.status).toEqual(status)
    expect(receipt).toMatchObject({ partId: "ac012cbf-5e09-46af-a69a-7c0e2d90993c", route: { channelId: "C", contactId: "+13125550002", part: 0, parts: 1 } })
  })

  it("a receipt from a number no channel sends from cannot be routed (unless there is one channel), and says why", () => {
    const { at, payload, type } = webhook("message.sent")
    const two = [{ channelId: "X", from: "+15550009999", numbers: [] }, { channelId: "Y", from: "ACME", numbers: [] }]
    expect(toReceipt(type, payload, at, two.slice(0, 1)).route?.channelId).toBe("X")
    // A sender name is compared whole: "ACME2" is not "ACME", although neither has digits.
    expect(toReceipt(type, { ...payload, from: { phone_number: "ACME2" } }, at, two).route).toBeUndefined()
    expect(toReceipt(type, { ...payload, from: { phone_number: "ACME" } }, at, two).route?.channelId).toBe("Y")
    expect(toReceipt(type, payload, at, two)).toMatchObject({
      route: undefined,
      unroutable: "no channel sends from +13125550001"
    })
  })

  it("delivery_unconfirmed is not final: nothing is forwarded", () => {
    const { at, payload } = webhook("message.finalized.delivered")
    const unconfirmed = { ...payload, to: [{ phone_number: "+13125550002", status: "delivery_unconfirmed" }] }
    expect(toReceipt("message.finalized", unconfirmed, at, channels).status._tag).toBe("Skip")
  })
})

describe("Telnyx signatures", () => {
  // RFC 8032's first test key; the signature made with its private key over "1700000000|<body>".
  const key = publicKeyOf("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
  const body = Buffer.from(`{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4"}}`)
  const signature = "tcffqkdT2LclvQbIni7o7kLcAiLHIU2T092VJ8hSQSph/gOHTwJAD03k4OwTedaB3jx4ygEJYoUaR8s9jwWSDQ=="
  const check = (headers: { signature?: string; timestamp?: string }, raw = body, now = 1_700_000_100) =>
    signatureProblem(key, { signature: headers.signature, timestamp: headers.timestamp }, raw, now, 300)

  it("verifies over the timestamp and the raw body", () => {
    expect(check({ signature, timestamp: "1700000000" })).toBeUndefined()
  })

  it.each([
    ["a body changed by one byte", { signature, timestamp: "1700000000" }, Buffer.from(body.toString().replace("received", "receiveD")), 1_700_000_100, "does not verify"],
    ["another timestamp", { signature, timestamp: "1700000001" }, body, 1_700_000_100, "does not verify"],
    ["a replay 6 minutes later", { signature, timestamp: "1700000000" }, body, 1_700_000_360, "more than 300 s from now"],
    ["no signature", { timestamp: "1700000000" }, body, 1_700_000_100, "are required"],
    ["a signature that is not one", { signature: "c2lnbmF0dXJl", timestamp: "1700000000" }, body, 1_700_000_100, "not an Ed25519 signature"]
  ])("refuses %s", (_, headers, raw, now, problem) => {
    expect(check(headers, raw, now)).toContain(problem)
  })
})

describe("Telnyx sends", () => {
  const request = (message: object) => ({ channelId: "C", contactId: "+13125550002", message } as Parameters<typeof planSend>[0])
  const options = { maxParts: 10, mms: false }

  it("text within 10 segments is one message from the channel's number; longer text is split, nothing lost", () => {
    expect(planSend(request({ type: "text", text: "Hi" }), { from: "+13125550001" }, options)).toEqual({
      _tag: "Sms",
      messages: [{ to: "+13125550002", from: "+13125550001", text: "Hi" }]
    })
    const long = "a".repeat(1530) + "b"
    const plan = planSend(request({ type: "text", text: long }), { from: undefined }, options)
    expect(plan._tag === "Sms" && plan.messages.map((m) => m.text!.length)).toEqual([1530, 1])
  })

  it("an image with MMS on goes as media_urls, its label as the text, with the SMS link as the fallback", () => {
    const plan = planSend(
      request({ type: "attachment", attachment: { type: "image", url: "https://x.io/p.jpg", description: "The photo" } }),
      { from: "+13125550001" },
      { ...options, mms: true, messagingProfileId: "profile-1" }
    )
    expect(plan).toEqual({
      _tag: "Mms",
      message: { to: "+13125550002", from: "+13125550001", messaging_profile_id: "profile-1", type: "MMS", media_urls: ["https://x.io/p.jpg"], text: "The photo" },
      fallback: [{ to: "+13125550002", from: "+13125550001", messaging_profile_id: "profile-1", text: "The photo\nhttps://x.io/p.jpg" }]
    })
  })

  it("a payload id too long for the attachment mIds within 50 characters is refused", () => {
    const decoded = Schema.decodeUnknownEither(MessagePayload)({ id: "x".repeat(47), from: { phone_number: "+1" }, to: [] })
    expect(Either.isLeft(decoded)).toBe(true)
  })
})
