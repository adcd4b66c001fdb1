// Opt-outs: a contact who texts STOP is sent nothing more (the platform still receives the STOP), START restores
// sending, and the operator adds and removes opt-outs from the command line; all against the real bridge.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { harness, pushUrl, secrets, waitWhile } from "./harness.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")
const contact = "+60177872890"

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
      const text = (id: string, body: string, from = contact) =>
        Effect.promise(() =>
          fetch(pushUrl(h, "push_message"), {
            method: "POST",
            body: new URLSearchParams({ message_id: id, from, to: "+61411111111", body, timestamp: "1775012927" })
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

      // A late repeat of the old START (the provider retrying it) does not undo a newer STOP.
      expect(yield* text("IN-3", "QUIT")).toBe(200)
      expect(yield* text("IN-2", "start")).toBe(200)
      expect((yield* Effect.promise(() => h.send({ type: "text", text: "Still there?" }))).status).toBe(422)
      expect(h.clicksend.sentSms()).toHaveLength(3)
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
