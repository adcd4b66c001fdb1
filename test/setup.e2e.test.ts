// `channel-server setup` and `check-config --online` against the simulated ClickSend: the account checked, its
// numbers matched to the channels, the rules made once (a second run changes nothing), and never a secret printed.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { startClickSendSimulator } from "../src/providers/clicksend/simulator.ts"
import { startTelnyxSimulator } from "../src/providers/telnyx/simulator.ts"
import { runCli } from "./runCli.ts"

const secret = "setup-push-secret-0123456789"

const account = Effect.gen(function*() {
  const clicksend = yield* Effect.acquireRelease(
    Effect.promise(() => startClickSendSimulator({ username: "acct", apiKey: "API-KEY-NEVER-PRINTED", numbers: ["+61411111111", "+61433333333"] })),
    (s) => Effect.promise(s.close)
  )
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "ccs-setup-"))),
    (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
  )
  const file = path.join(dir, "channel.config.json")
  const write = (pushSecret: string, apiKey = "API-KEY-NEVER-PRINTED", numbers = ["+61411111111", "+61422222222"]) =>
    fs.writeFileSync(file, JSON.stringify({
      platform: { webhookUrl: "http://127.0.0.1:9/custom/channel/webhook/" },
      provider: { plugin: "clicksend", baseUrl: clicksend.baseUrl, username: "acct", apiKey, pushSecret },
      channels: [{ name: "main", channelId: "C", apiToken: "setup-token-0123456789", numbers }]
    }))
  write(secret)
  return { clicksend, file, write }
})

const changes = (requests: ReadonlyArray<{ method: string; path: string }>) =>
  requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)

describe("setup", () => {
  it.scoped("checks the account, matches the numbers, makes the rules once; --dry-run and a second run change nothing", () =>
    Effect.gen(function*() {
      const { clicksend, file, write } = yield* account
      const setup = (...more: Array<string>) => runCli(["setup", "--public-url", "https://bridge.example.com", "--config", file, ...more])

      const dry = yield* setup("--dry-run")
      expect(dry.code).toBe(0)
      expect(dry.stdout).toContain("ClickSend account \"Simulated Pty Ltd\" (user 1), balance 12.50 AUD\n")
      expect(dry.stdout).toContain("  +61411111111     main\n")
      expect(dry.stdout).toContain("warning: +61433333333 is on the account but in no channel's numbers\n")
      expect(dry.stdout).toContain("warning: channel main: +61422222222 is not one of the account's numbers\n")
      expect(dry.stdout).toContain(
        'would create: inbound rule "custom-channel-server push +61411111111" -> https://bridge.example.com/clicksend/push_message?secret=<push secret>\n'
      )
      expect(dry.stdout).toMatch(/4 to change \(--dry-run: nothing was changed\)\n$/)
      expect(changes(clicksend.requests)).toEqual([])

      const first = yield* setup()
      expect(first.stdout).toMatch(/4 changed\n$/)
      const [push, poll] = clicksend.rules().inbound
      expect(push).toMatchObject({
        rule_name: "custom-channel-server push +61411111111",
        dedicated_number: "+61411111111",
        action: "URL",
        action_address: `https://bridge.example.com/clicksend/push_message?secret=${secret}`,
        webhook_type: "post",
        enabled: 1
      })
      expect(poll).toMatchObject({ rule_name: "custom-channel-server poll +61411111111", action: "POLL" })
      expect(clicksend.rules().receipts.map((r) => [r.rule_name, r.action, r.action_address])).toEqual([
        ["custom-channel-server push", "URL", `https://bridge.example.com/clicksend/delivery_receipt?secret=${secret}`],
        ["custom-channel-server poll", "POLL", ""]
      ])

      const before = changes(clicksend.requests).length
      const again = yield* setup()
      expect(again.stdout).toMatch(/nothing to change: the account is set up\n$/)
      expect(changes(clicksend.requests)).toHaveLength(before)

      // A new push secret: the two URL rules are brought up to date, the others kept.
      write("setup-push-secret-rotated-0001")
      const rotated = yield* setup()
      expect(rotated.stdout.split("\n").filter((l) => l.startsWith("updated: "))).toHaveLength(2)
      const receiptPush = clicksend.rules().receipts.find((r) => r.action === "URL")!
      expect(changes(clicksend.requests).slice(before)).toEqual([
        `PUT /v3/automations/sms/inbound/${push!.inbound_rule_id}`,
        `PUT /v3/automations/sms/receipts/${receiptPush.receipt_rule_id}`
      ])
      expect(receiptPush.action_address).toBe("https://bridge.example.com/clicksend/delivery_receipt?secret=setup-push-secret-rotated-0001")

      for (const run of [dry, first, again, rotated]) {
        expect(run.stdout + run.stderr).not.toContain(secret)
        expect(run.stdout + run.stderr).not.toContain("rotated-0001")
        expect(run.stdout + run.stderr).not.toContain("API-KEY-NEVER-PRINTED")
      }
    }))

  it.scoped("one channel with no numbers of its own takes every number of the account, as routing does", () =>
    Effect.gen(function*() {
      const { file, write } = yield* account
      write(secret, "API-KEY-NEVER-PRINTED", [])
      const dry = yield* runCli(["setup", "--public-url", "https://bridge.example.com", "--dry-run", "--config", file])
      expect(dry.stdout).toContain("  +61433333333     main (the only channel)\n")
      expect(dry.stdout).not.toContain("warning:")
      for (const number of ["+61411111111", "+61433333333"]) expect(dry.stdout).toContain(`would create: inbound rule "custom-channel-server push ${number}"`)
      // The user name is one of the configuration's secrets: the account is named by its name and user id.
      expect(dry.stdout).not.toContain("acct")
    }))

  it.scoped("wrong credentials: one line saying which settings to check, exit 69, nothing changed", () =>
    Effect.gen(function*() {
      const { clicksend, file, write } = yield* account
      write(secret, "WRONG-KEY")
      const run = yield* runCli(["setup", "--public-url", "https://bridge.example.com", "--config", file])
      expect(run).toMatchObject({ code: 69, stderr: "ClickSend refused the credentials (HTTP 401): check provider.username and provider.apiKey\n" })
      expect(changes(clicksend.requests)).toEqual([])
    }))

  it.scoped("check-config --online: the account checked; a webhook that is not https fails the check (exit 69)", () =>
    Effect.gen(function*() {
      const { file } = yield* account
      const run = yield* runCli(["check-config", "--online", "--config", file])
      expect(run.code).toBe(69)
      const lines = run.stderr.trim().split("\n")
      expect(lines.slice(-3)).toEqual([
        "ok: ClickSend account \"Simulated Pty Ltd\" (user 1), balance 12.50 AUD",
        "failed: webhook 127.0.0.1: not https, so the platform's events would travel unencrypted",
        "an online check failed (see above)"
      ])
      expect(run.stdout + run.stderr).not.toContain("API-KEY-NEVER-PRINTED")
    }))

  const telnyxAccount = (profiles: ReadonlyArray<{ name: string; numbers: Array<string>; webhookUrl: string }>) =>
    Effect.gen(function*() {
      const telnyx = yield* Effect.acquireRelease(
        Effect.promise(() => startTelnyxSimulator({ apiKey: "TELNYX-KEY-NEVER-PRINTED", profiles })),
        (s) => Effect.promise(s.close)
      )
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "ccs-setup-"))),
        (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
      )
      const file = path.join(dir, "channel.config.json")
      // One channel, its number only as `from`: routing's "the only channel" takes what the profile brings.
      fs.writeFileSync(file, JSON.stringify({
        provider: { plugin: "telnyx", baseUrl: telnyx.baseUrl, apiKey: "TELNYX-KEY-NEVER-PRINTED", publicKey: telnyx.publicKey },
        channels: [{ name: "us", channelId: "C", apiToken: "setup-token-0123456789", from: "+15550001111" }]
      }))
      const setup = (...more: Array<string>) => runCli(["setup", "--public-url", "https://bridge.example.com/", "--config", file, ...more])
      return { telnyx, setup }
    })

  it.scoped("Telnyx: the profile holding the channel's number points its webhook at the bridge, once; others are left alone", () =>
    Effect.gen(function*() {
      const { setup, telnyx } = yield* telnyxAccount([
        { name: "bridge", numbers: ["+15550001111"], webhookUrl: "https://old.example.com/hooks" },
        { name: "other team", numbers: ["+15550009999"], webhookUrl: "https://other.example.com/hooks" }
      ])
      const dry = yield* setup("--dry-run")
      expect(dry.stdout.split("\n")).toEqual(expect.arrayContaining([
        "Telnyx account, balance 42.00 USD",
        '  +15550001111     us (profile "bridge")',
        'would update: messaging profile "bridge" webhook (API v2) -> https://bridge.example.com/telnyx/webhook',
        "1 to change (--dry-run: nothing was changed)"
      ]))
      expect(telnyx.profiles().map((p) => p.webhook_url)).toEqual(["https://old.example.com/hooks", "https://other.example.com/hooks"])

      expect((yield* setup()).stdout).toMatch(/updated: messaging profile "bridge" webhook \(API v2\) -> https:\/\/bridge\.example\.com\/telnyx\/webhook\n1 changed\n$/)
      expect(telnyx.profiles().map((p) => p.webhook_url)).toEqual(["https://bridge.example.com/telnyx/webhook", "https://other.example.com/hooks"])
      const again = yield* setup()
      expect(again.stdout).toMatch(/nothing to change: the account is set up\n$/)
      expect(telnyx.requests.filter((r) => r.method === "PATCH")).toHaveLength(1)
      for (const run of [dry, again]) expect(run.stdout + run.stderr).not.toContain("TELNYX-KEY-NEVER-PRINTED")
    }))

  it.scoped("Telnyx: a profile that also holds numbers no channel claims is not taken over; no profile at all is not 'set up'", () =>
    Effect.gen(function*() {
      const mixed = yield* telnyxAccount([{ name: "shared", numbers: ["+15550001111", "+15550002222"], webhookUrl: "https://crm.example.com/hooks" }])
      const run = yield* mixed.setup()
      expect(run.code).toBe(69)
      expect(run.stdout).toContain('left alone: messaging profile "shared" also holds +15550002222, whose messages would come here')
      expect(run.stderr).toBe('not set up: "shared" left alone (see above)\n')
      expect(mixed.telnyx.requests.filter((r) => r.method === "PATCH")).toEqual([])

      const none = yield* telnyxAccount([{ name: "other team", numbers: ["+15550009999"], webhookUrl: "https://other.example.com/hooks" }])
      const nothing = yield* none.setup()
      expect(nothing).toMatchObject({ code: 69, stderr: expect.stringContaining("no messaging profile holds a channel's number") })
    }))
})
