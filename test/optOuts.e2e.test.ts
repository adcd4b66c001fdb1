// Opt-outs: a contact who texts STOP is sent nothing more (the platform still receives the STOP), START restores
// sending, and the operator adds and removes opt-outs from the command line; all against the real bridge.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { type Harness, harness, pushUrl, secrets, waitWhile } from "./harness.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const contact = "+60177872890"

/** A contact's SMS (`from`, by default the contact) as ClickSend pushes it, sent at `timestamp` (seconds): the status. */
const pushText = (h: Harness, id: string, body: string, timestamp: number, from = contact) =>
  Effect.promise(() =>
    fetch(pushUrl(h, "push_message"), {
      method: "POST",
      body: new URLSearchParams({ message_id: id, from, to: "+61411111111", body, timestamp: String(timestamp) })
    }).then((r) => r.status)
  )

const cli = (args: Array<string>) =>
  Effect.promise(() =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [main, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }))
    )
  )

describe("opt-outs", () => {
  it.scopedLive("STOP reaches the platform and stops sending to the contact before any provider call; START restores it", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      // Each message a second after the one before it (IN-2 after IN-1, ...): a keyword counts by when it was sent.
      const text = (id: string, body: string, from = contact) =>
        Effect.promise(() =>
          fetch(pushUrl(h, "push_message"), {
            method: "POST",
            body: new URLSearchParams({ message_id: id, from, to: "+61411111111", body, timestamp: String(1775012927 + Number(id.slice(3))) })
          }).then((r) => r.status)
        )
      const texts = () => h.webhook.payloads().map((p) => (p.events[0].type === "message" && p.events[0].message.type === "text" ? p.events[0].message.text : ""))

      // Not a keyword: a sentence with "stop" in it changes nothing.
      expect(yield* text("IN-0", "please stop by tomorrow")).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Sure" }))).status).toBe(200)
      expect(h.clicksend.sentSms()).toHaveLength(1)

      expect(yield* text("IN-1", "  Stop ")).toBe(200)
      yield* Effect.promise(() => waitWhile(() => !texts().includes("  Stop ")))
      const refused = yield* Effect.promise(() => h.send({ type: "text", text: "Our weekly offer" }))
      expect(refused.status).toBe(422)
      expect(refused.json.error.message).toMatch(
        /^\+60177872890 opted out of this channel \(STOP on \d{4}-\d\d-\d\d \d\d:\d\d UTC\); nothing is sent to them until they text START/
      )
      // The provider was not called for it; another contact is still sent to.
      expect(h.clicksend.sentSms()).toHaveLength(1)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Hello" }, { contactId: "+60111111111" }))).status).toBe(200)
      expect(h.clicksend.sentSms()).toHaveLength(2)
      expect(h.logs.some((l) => l.includes("contact opted out") && l.includes("+6017****890"))).toBe(true)

      // The same STOP pushed again is one message, and still one opt-out.
      expect(yield* text("IN-1", "  Stop ")).toBe(200)
      expect(yield* text("IN-2", "start")).toBe(200)
      yield* Effect.promise(() => waitWhile(() => !texts().includes("start")))
      expect(texts()).toContain("start")
      expect(texts().filter((t) => t === "  Stop ")).toHaveLength(1)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Welcome back" }))).status).toBe(200)
      expect(h.clicksend.sentSms().map((s) => s.body)).toEqual(["Sure", "Hello", "Welcome back"])
      // The old STOP taken again (a late retry, a catch-up round) does not undo the newer START.
      expect(yield* text("IN-1", "  Stop ")).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Still welcome" }))).status).toBe(200)

      // A late repeat of the old START (the provider retrying it) does not undo a newer STOP.
      expect(yield* text("IN-3", "QUIT")).toBe(200)
      expect(yield* text("IN-2", "start")).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Still there?" }))).status).toBe(422)
      expect(h.clicksend.sentSms()).toHaveLength(4)
    }))

  it.scopedLive("the channel's own keywords and answers: help text, STOP and START confirmations, each sent once", () =>
    Effect.gen(function*() {
      const replies = {
        help: "Acme: reply ARRET to stop, YES to start again. Help: acme.example/sms",
        stop: "Acme: you will get no more messages. Reply YES to start again.",
        start: "Acme: welcome back."
      }
      const h = yield* harness({ optOut: { stop: ["ARRET"], help: ["aide"], replies } })
      const text = (id: string, body: string, timestamp: number) => pushText(h, id, body, timestamp)
      const sentTo = () => h.clicksend.sentSms().map((s) => [s.to, s.body])
      const t = Math.floor(Date.now() / 1000) - 600

      // The configured keywords replace the defaults: HELP and STOP are ordinary messages here.
      expect(yield* text("IN-1", "HELP", t)).toBe(200)
      expect(yield* text("IN-2", "Aide", t + 1)).toBe(200)
      yield* Effect.promise(() => waitWhile(() => sentTo().length < 1))
      expect(sentTo()).toEqual([[contact, replies.help]])
      expect(yield* text("IN-3", "stop", t + 2)).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Still here" }))).status).toBe(200)

      expect(yield* text("IN-4", "arret", t + 3)).toBe(200)
      yield* Effect.promise(() => waitWhile(() => sentTo().length < 3))
      // The confirmation goes to the contact who just opted out; nothing else may.
      expect(sentTo()[2]).toEqual([contact, replies.stop])
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Offer" }))).status).toBe(422)
      // The same STOP pushed again is not confirmed twice.
      expect(yield* text("IN-4", "arret", t + 3)).toBe(200)

      // A YES the contact sent before the STOP, arriving late (or replayed from a dead letter), undoes nothing.
      expect(yield* text("IN-0", "yes", t + 2)).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Offer" }))).status).toBe(422)
      expect(yield* text("IN-5", "YES", t + 4)).toBe(200)
      yield* Effect.promise(() => waitWhile(() => sentTo().length < 4))
      expect(sentTo()[3]).toEqual([contact, replies.start])
      // A "yes" from a contact who had not opted out is an answer to an agent, not a reason to confirm anything.
      expect(yield* text("IN-6", "yes", t + 5)).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Great" }))).status).toBe(200)

      // Every keyword message reached the platform as the contact's message, and each answer as an echo under the id
      // the provider gave it (which its receipts name), so agents see what the contact was told.
      yield* Effect.promise(() => h.delivered(10))
      const events = h.webhook.payloads().map((p) => p.events[0])
      const said = (type: string) => events.flatMap((e) => (e.type === type && e.type !== "message_status" && e.message.type === "text" ? [e.message.text] : []))
      expect(said("message").sort()).toEqual(["Aide", "HELP", "YES", "arret", "stop", "yes", "yes"].sort())
      const answers = h.clicksend.sentSms().filter((s) => Object.values(replies).includes(s.body))
      expect(events.flatMap((e) => (e.type === "message_echo" && e.message.type === "text" ? [[e.mId, e.message.text]] : [])))
        .toEqual(answers.map((s) => [s.message_id, s.body]))
      expect(h.webhook.payloads().every((p) => p.contactId === contact)).toBe(true)
      expect(sentTo()).toEqual([
        [contact, replies.help],
        [contact, "Still here"],
        [contact, replies.stop],
        [contact, replies.start],
        [contact, "Great"]
      ])
      expect(h.logs.filter((l) => l.includes("keyword answered"))).toHaveLength(3)

      // Another contact says YES, and then a STOP they sent before it arrives: it changes nothing and confirms
      // nothing. A HELP two hours old (a catch-up after a long outage) reaches the platform but is not answered.
      const other = "+60122222222"
      const from = (id: string, body: string, timestamp: number) => pushText(h, id, body, timestamp, other)
      expect(yield* from("OT-1", "YES", t + 20)).toBe(200)
      expect(yield* from("OT-2", "ARRET", t + 19)).toBe(200)
      expect(yield* from("OT-3", "aide", t - 7200)).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Hi" }, { contactId: other }))).status).toBe(200)
      // A HELP of now is answered: once its answer is out, any answer the others had wrongly started is out too.
      expect(yield* from("OT-4", "aide", t + 21)).toBe(200)
      const toOther = () => h.clicksend.sentSms().filter((m) => m.to === other).map((m) => m.body)
      yield* Effect.promise(() => waitWhile(() => toOther().length < 2))
      expect(toOther()).toEqual(["Hi", replies.help])
      expect(h.logs.filter((l) => l.includes("keyword answered"))).toHaveLength(4)
      const otherTexts = () => h.webhook.payloads().filter((p) => p.contactId === other && p.events[0].type === "message")
      yield* Effect.promise(() => waitWhile(() => otherTexts().length < 4))
      expect(otherTexts().map((p) => p.events[0].mId).sort()).toEqual(["OT-1", "OT-2", "OT-3", "OT-4"])
    }))

  it.scopedLive("the operator opts a contact out and back in from the command line; the running server follows at once", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      const configFile = path.join(path.dirname(h.storePath), "cli.json")
      fs.writeFileSync(configFile, JSON.stringify({
        provider: { plugin: "clicksend", username: "u", apiKey: "k", pushSecret: secrets.pushSecret },
        channels: [{ name: "main", channelId: "gfd8g7fd89dgfd", apiToken: secrets.tokenA, numbers: ["+61411111111"] }],
        store: { path: h.storePath }
      }))
      expect((yield* cli(["opt-outs", "list", "--config", configFile])).stdout).toBe("no opt-outs\n")
      expect((yield* cli(["opt-outs", "add", "main", contact, "--config", configFile])).stdout).toMatch(/^\+60177872890 opted out of main/)
      const refused = yield* Effect.promise(() => h.send({ type: "text", text: "Hi" }))
      expect(refused.status).toBe(422)
      expect(refused.json.error.message).toMatch(/\(OPERATOR on /)
      const list = yield* cli(["opt-outs", "list", "--config", configFile])
      expect(list.stdout.trim().split("\n")[1]).toMatch(/^\d{4}-\d\d-\d\dT\S+\s+main\s+\+60177872890\s+OPERATOR$/)
      const bad = yield* cli(["opt-outs", "add", "sales", contact, "--config", configFile])
      expect(bad).toMatchObject({ code: 64, stderr: "no channel is named sales (channels: main)\n" })
      expect((yield* cli(["opt-outs", "add", "main", "0177872890", "--config", configFile])).code).toBe(64)
      expect((yield* cli(["opt-outs", "remove", "main", contact, "--config", configFile])).stdout).toBe(`${contact} opted back in to main\n`)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Hi again" }))).status).toBe(200)
      expect(h.clicksend.sentSms().map((s) => s.body)).toEqual(["Hi again"])
    }), { timeout: 120_000 })
})
