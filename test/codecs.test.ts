// The platform's /message body: every documented limit, both sides.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { OutgoingRequest } from "../src/platforms/respondio/wire.ts"
import { decoder } from "../src/services/decode.ts"

const outgoingRequest = decoder(OutgoingRequest)

const decodeMessage = (message: unknown, contactId = "+60177872890") =>
  Effect.runSync(
    Effect.either(outgoingRequest({ channelId: "gfd8g7fd89dgfd", contactId, message }))
  )
const s = (n: number) => "a".repeat(n)
const url = (n: number) => "https://x.io/" + s(n - 13)

// [case, message, undefined when valid | the 400 message]
const limits: Array<[string, unknown, string | undefined]> = [
  ["text at 7000", { type: "text", text: s(7000) }, undefined],
  ["text at 7001", { type: "text", text: s(7001) }, "message.text: at most 7000 characters"],
  ["text empty", { type: "text", text: "" }, "message.text: must not be empty"],
  ["text missing", { type: "text" }, "message.text: is required"],
  ["url at 2000", { type: "attachment", attachment: { type: "file", url: url(2000) } }, undefined],
  ["url at 2001", { type: "attachment", attachment: { type: "file", url: url(2001) } }, "message.attachment.url: at most 2000 characters"],
  ["url missing", { type: "attachment", attachment: { type: "file" } }, "message.attachment.url: is required"],
  ["fileName at 256", { type: "attachment", attachment: { type: "file", url: url(30), fileName: s(252) + ".pdf" } }, undefined],
  ["fileName at 257", { type: "attachment", attachment: { type: "file", url: url(30), fileName: s(253) + ".pdf" } }, "message.attachment.fileName: at most 256 characters"],
  ["description at 256", { type: "attachment", attachment: { type: "image", url: url(30), description: s(256) } }, undefined],
  ["description at 257", { type: "attachment", attachment: { type: "image", url: url(30), description: s(257) } }, "message.attachment.description: at most 256 characters"],
  ["attachment type", { type: "attachment", attachment: { type: "sticker", url: url(30) } }, "message.attachment.type: must be one of image, video, audio, file"],
  ["latitude 90", { type: "location", latitude: 90, longitude: 0 }, undefined],
  ["latitude -90", { type: "location", latitude: -90, longitude: 0 }, undefined],
  ["latitude 90.000001", { type: "location", latitude: 90.000001, longitude: 0 }, "message.latitude: between -90 and 90"],
  ["latitude -90.000001", { type: "location", latitude: -90.000001, longitude: 0 }, "message.latitude: between -90 and 90"],
  ["longitude 180", { type: "location", latitude: 0, longitude: 180 }, undefined],
  ["longitude -180.5", { type: "location", latitude: 0, longitude: -180.5 }, "message.longitude: between -180 and 180"],
  ["latitude as string", { type: "location", latitude: "1.5", longitude: 0 }, "message.latitude: expected number"],
  ["address at 256", { type: "location", latitude: 0, longitude: 0, address: s(256) }, undefined],
  ["address at 257", { type: "location", latitude: 0, longitude: 0, address: s(257) }, "message.address: at most 256 characters"],
  ["title at 256", { type: "quick_reply", title: s(256), replies: ["a"] }, undefined],
  ["title at 257", { type: "quick_reply", title: s(257), replies: ["a"] }, "message.title: at most 256 characters"],
  ["10 replies", { type: "quick_reply", title: "t", replies: Array(10).fill("r") }, undefined],
  ["11 replies", { type: "quick_reply", title: "t", replies: Array(11).fill("r") }, "message.replies: at most 10 replies"],
  ["no replies", { type: "quick_reply", title: "t", replies: [] }, "message.replies: at least 1 reply"],
  ["reply at 256", { type: "quick_reply", title: "t", replies: [s(256)] }, undefined],
  ["reply at 257", { type: "quick_reply", title: "t", replies: ["ok", s(257)] }, "message.replies[1]: at most 256 characters"],
  ["unknown type", { type: "sticker" }, "message.type: expected \"text\" | \"attachment\" | \"location\" | \"quick_reply\""],
  ["not an object", "hello", "message: expected an object with type text, attachment, location or quick_reply"]
]

describe("the /message body", () => {
  it.each(limits)("%s", (_, message, error) => {
    const result = decodeMessage(message)
    if (error === undefined) expect(Either.isRight(result)).toBe(true)
    else expect(Either.isLeft(result) && result.left.message).toBe(error)
  })

  it.each([
    ["+60177872890", true],
    ["+1234567", true],
    ["+123456789012345", true],
    ["+1234567890123456", false],
    ["60177872890", false],
    ["+0177872890", false],
    ["john_doe@x", false]
  ])("contactId %s is a phone number SMS can reach: %s", (contactId, ok) => {
    const result = decodeMessage({ type: "text", text: "x" }, contactId)
    expect(Either.isRight(result)).toBe(ok)
    if (Either.isLeft(result)) expect(result.left.message).toMatch(/^contactId: must be a phone number in E\.164 form/)
  })
})
