// The operator's command line: `dead-letters list` and `dead-letters replay`, against the live store of a server.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { form, harness, pushUrl, secrets, waitWhile } from "./harness.ts"
import { runCli } from "./runCli.ts"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")

const cli = (args: Array<string>) =>
  Effect.promise(() =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [main, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }))
    )
  )

const push = (url: string, fields: Record<string, string>) =>
  Effect.promise(() => fetch(url, { method: "POST", body: form(fields) }).then((r) => r.status))

describe("dead-letters", () => {
  it.scopedLive("list shows what could not be delivered; replay sends it again, and reroutes pushes once a channel fits", () =>
    Effect.gen(function*() {
      const h = yield* harness({ twoChannels: true })
      // One event the webhook refuses, one push for a number no channel has.
      h.webhook.script({ status: 422 })
      expect(yield* push(pushUrl(h, "push_message"), { message_id: "REFUSED-1", from: "+60177872890", to: "+61411111111", body: "a", timestamp: "1775012927" })).toBe(200)
      // Two channels, so a stranger's number cannot fall back to "the only channel".
      expect(yield* push(pushUrl(h, "push_message"), { message_id: "STRAY-1", from: "+60177872890", to: "+61499999999", body: "b", timestamp: "1775012927" })).toBe(200)
      yield* Effect.promise(() => waitWhile(async () => (await h.deadLetters()).length < 2))

      const configFile = path.join(path.dirname(h.storePath), "cli.json")
      const clicksend = { plugin: "clicksend", username: "u", apiKey: "k", pushSecret: secrets.pushSecret }
      const config = (numbers: Array<string>, provider: object = clicksend) =>
        fs.writeFileSync(configFile, JSON.stringify({
          provider,
          channels: [
            { name: "main", channelId: "gfd8g7fd89dgfd", apiToken: secrets.tokenA, numbers },
            { name: "sales", channelId: "sales-channel", apiToken: secrets.tokenB, numbers: ["+61422222222"] }
          ],
          store: { path: h.storePath }
        }))
      config(["+61411111111"])

      const list = yield* cli(["dead-letters", "list", "--config", configFile])
      expect(list.code).toBe(0)
      const lines = list.stdout.trim().split("\n")
      expect(lines).toHaveLength(3)
      expect(lines[1]).toMatch(/main\s+event\s+REFUSED-1\s+1\s+the respond\.io webhook refused the event: HTTP 422/)
      expect(lines[2]).toMatch(/\(none\)\s+unroutable-inbound\s+STRAY-1\s+0\s+no channel has \+61499999999 in its numbers/)
      expect(list.stdout).not.toContain(secrets.tokenA)

      const [refusedId] = lines[1]!.trim().split(/\s+/)
      const one = yield* cli(["dead-letters", "replay", refusedId!, "--config", configFile])
      expect(one).toMatchObject({ code: 0, stdout: `${refusedId}: back in the outbox\n` })
      // The running server's worker finds it on its next look.
      expect((yield* Effect.promise(() => h.delivered(1))).map((p) => p.events[0].mId)).toEqual(["REFUSED-1"])

      const still = yield* cli(["dead-letters", "replay", "--all", "--config", configFile])
      expect(still.stdout).toMatch(/: still fits no channel\n$/)
      // One by id that cannot go on says why, and fails for a script to see.
      const [strayId] = lines[2]!.trim().split(/\s+/)
      expect(yield* cli(["dead-letters", "replay", strayId!, "--config", configFile])).toMatchObject({ code: 64, stderr: `${strayId}: still fits no channel\n` })
      // After a switch of provider, a push ClickSend delivered is not read as Telnyx's: it is left as it is.
      config(["+61411111111", "+61499999999"], { plugin: "telnyx", apiKey: "k", publicKey: Buffer.alloc(32, 9).toString("base64") })
      const switched = yield* cli(["dead-letters", "replay", "--all", "--config", configFile])
      expect(switched.stdout).toMatch(/: received by clicksend, not by the configured provider \(telnyx\); left as it is\n$/)
      config(["+61411111111", "+61499999999"])
      const routed = yield* cli(["dead-letters", "replay", "--all", "--config", configFile])
      expect(routed.stdout).toMatch(/: routed \(accepted\)\n$/)
      expect((yield* Effect.promise(() => h.delivered(2))).map((p) => p.events[0].mId)).toEqual(["REFUSED-1", "STRAY-1"])
      expect((yield* cli(["dead-letters", "list", "--config", configFile])).stdout).toBe("no dead letters\n")

      const unknown = yield* cli(["dead-letters", "replay", "999999", "--config", configFile])
      expect(unknown).toMatchObject({ code: 64, stderr: "no dead letter has id 999999 (dead-letters list shows them)\n" })
      // --config before the command means the same file.
      expect((yield* cli(["--config", configFile, "dead-letters", "list"])).stdout).toBe("no dead letters\n")

      const bad = yield* cli(["dead-letters", "replay", "--config", configFile])
      expect(bad.code).toBe(64)
      expect(bad.stderr).toBe("dead-letters replay takes one id or --all\n")
    }), { timeout: 150_000 })

  it.scopedLive("show tells all of one (its body, the webhook's answer); resolve takes it out of the count; reading needs no secrets", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      h.webhook.script({ status: 422, body: { error: { message: "contactId: too long" } } })
      expect(yield* push(pushUrl(h, "push_message"), { message_id: "REFUSED-2", from: "+60177872890", to: "+61411111111", body: "hello", timestamp: "1775012927" })).toBe(200)
      yield* Effect.promise(() => waitWhile(async () => (await h.deadLetters()).length < 1))

      // The service's own file: secrets from its EnvironmentFile, which the operator's shell does not have.
      const dir = path.dirname(h.storePath)
      const configFile = path.join(dir, "service.json")
      fs.writeFileSync(configFile, JSON.stringify({
        provider: { plugin: "clicksend", username: "u", apiKey: "${CS_KEY}", pushSecret: "${CS_PUSH}" },
        channels: [{ name: "main", channelId: "gfd8g7fd89dgfd", apiToken: "${TOKEN}", numbers: ["+61411111111"] }],
        store: { path: h.storePath }
      }))
      const envFile = path.join(dir, "env")
      fs.writeFileSync(envFile, `# the service's secrets\nCS_KEY=k\nCS_PUSH="${secrets.pushSecret}"\nTOKEN='${secrets.tokenA}'\n`)
      const bare = { PATH: process.env.PATH }

      const list = yield* runCli(["dead-letters", "list", "--config", configFile], { env: bare })
      expect(list.code).toBe(0)
      expect(list.stdout).toMatch(/main\s+event\s+REFUSED-2\s+1\s+the respond\.io webhook refused the event: HTTP 422: \{"error":\{"message":"contactId: too long"\}\}/)
      const id = list.stdout.trim().split("\n")[1]!.trim().split(/\s+/)[0]!

      const show = yield* runCli(["dead-letters", "show", id, "--json", "--config", configFile], { env: bare })
      expect(JSON.parse(show.stdout)).toMatchObject({
        id: Number(id),
        channel: "main",
        kind: "event",
        mId: "REFUSED-2",
        lastError: 'the respond.io webhook refused the event: HTTP 422: {"error":{"message":"contactId: too long"}}',
        body: { kind: "message", mId: "REFUSED-2", message: { type: "text", text: "hello" } }
      })
      const shown = yield* runCli(["dead-letters", "show", id, "--config", configFile], { env: bare })
      expect(shown.stdout).toMatch(/^id +\d+\n/)
      expect(shown.stdout).toContain('"text": "hello"')
      expect(yield* runCli(["dead-letters", "show", "forty-two", "--config", configFile], { env: bare })).toMatchObject({
        code: 64,
        stderr: "dead-letters show: forty-two: must be a number, a dead letter's id (dead-letters list shows them)\n"
      })

      // Replaying may reroute pushes through the provider: it needs the secrets, all named at once when missing.
      const noSecrets = yield* runCli(["dead-letters", "replay", "--all", "--config", configFile], { env: bare })
      expect(noSecrets).toMatchObject({ code: 78, stderr: `${configFile}: provider.apiKey: environment variable CS_KEY is not set; so are CS_PUSH (provider.pushSecret), TOKEN (channels[0].apiToken)\n` })
      const withFile = yield* runCli(["--env-file", envFile, "check-config", "--config", configFile], { env: bare })
      expect(withFile.code).toBe(0)
      expect(withFile.stdout + withFile.stderr).not.toContain(secrets.tokenA)

      // Handled: kept as history, no longer listed or counted, and /readyz says so at once.
      const resolved = yield* runCli(["dead-letters", "resolve", id, "--config", configFile], { env: bare })
      expect(resolved).toMatchObject({ code: 0, stdout: `${id}: resolved (kept as history, no longer counted)\n` })
      expect((yield* runCli(["dead-letters", "list", "--json", "--config", configFile], { env: bare })).stdout).toBe("[]\n")
      const ready = yield* Effect.promise(() => fetch(`${h.url}/readyz`).then((r) => r.json() as Promise<{ channels: Record<string, unknown> }>))
      expect(ready.channels.main).toMatchObject({ deadLetters: 0 })
      expect(h.webhook.payloads()).toHaveLength(0)
    }), { timeout: 150_000 })
})
