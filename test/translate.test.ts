// The pure mappings every provider shares, as tables: the status of a split text, quick replies over SMS.
import { describe, expect, it } from "@effect/vitest"
import { chosenOption, inboundText, quickReplyWindowMs } from "../src/translate/quickReplies.ts"
import { foldStatus } from "../src/translate/splitStatus.ts"

describe("folding a split text's receipts", () => {
  it.each<[Array<"sent" | "delivered" | "failed" | undefined>, string | undefined]>([
    [[undefined, undefined], undefined],
    [["sent", undefined], "sent"],
    [[undefined, "delivered"], "sent"],
    [["delivered", "delivered"], "delivered"],
    [["delivered", "failed"], "failed"],
    [["failed", undefined, undefined], "failed"],
    [["delivered", "delivered", "sent"], "sent"]
  ])("parts %j -> %s", (parts, folded) => {
    expect(foldStatus(parts)).toBe(folded)
  })
})

describe("quick replies over SMS", () => {
  const replies = ["Malay", "English", "Tamil"]
  it.each<[string, string | undefined]>([
    ["1", "Malay"],
    [" 2 ", "English"],
    ["3.", "Tamil"],
    ["0", undefined],
    ["4", undefined],
    ["2 please", undefined],
    ["two", undefined],
    ["", undefined]
  ])("%j -> %j", (text, option) => {
    expect(chosenOption(text, replies)).toBe(option)
  })
})

describe("the text of an inbound SMS after a quick reply", () => {
  const latest = { quickReplies: ["Malay", "English"], at: 1_000 }
  it.each<[string, typeof latest | { quickReplies: undefined; at: number } | undefined, number, string]>([
    ["2", latest, 1_000, "English"],
    ["2", latest, 1_000 + quickReplyWindowMs, "English"],
    ["2", latest, 1_000 + quickReplyWindowMs + 1, "2"],
    ["2", { quickReplies: undefined, at: 1_000 }, 1_000, "2"],
    ["2", undefined, 1_000, "2"],
    ["English please", latest, 1_000, "English please"]
  ])("%j (latest %j, at %d) -> %j", (body, last, now, text) => {
    expect(inboundText(body, last, now)).toBe(text)
  })
})
