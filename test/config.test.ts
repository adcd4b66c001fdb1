// channel.config.json: ${VARS}, defaults, and one clear line for each class of mistake, never with a secret in it.
import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import * as fs from "node:fs"
import { webhookUrlOf } from "../src/registry.ts"
import { parseConfig } from "../src/config/loadConfig.ts"
import { configWarnings } from "../src/config/warnings.ts"
import { refusedReason } from "../src/platforms/respondio/RespondIoClient.ts"
import { jsonSchemaPath, jsonSchemaText } from "../src/config/jsonSchema.ts"

const env = {
  CLICKSEND_USERNAME: "user-1",
  CLICKSEND_API_KEY: "KEY-SECRET-123",
  CLICKSEND_PUSH_SECRET: "push-secret-0123456789",
  RESPOND_CHANNEL_ID: "gfd8g7fd89dgfd",
  RESPOND_API_TOKEN: "TOKEN-SECRET-456"
}
const shipped = fs.readFileSync(new URL("../channel.config.json", import.meta.url), "utf8")
const base = JSON.parse(shipped)
const parse = (doc: unknown, e: Record<string, string | undefined> = env) => parseConfig("channel.config.json", JSON.stringify(doc), e)
const error = (doc: unknown, e?: Record<string, string | undefined>) => {
  const result = parse(doc, e)
  if (Either.isRight(result)) throw new Error("expected a config error")
  return result.left.message
}
const edit = (f: (doc: any) => void) => {
  const doc = structuredClone(base)
  f(doc)
  return doc
}

describe("channel.config.json", () => {
  it("the shipped file decodes, with its variables from the environment and defaults filled in", () => {
    const config = Either.getOrThrow(parseConfig("channel.config.json", shipped, env))
    expect(config.channels[0]!.channelId).toBe("gfd8g7fd89dgfd")
    expect(Redacted.value(config.channels[0]!.apiToken)).toBe("TOKEN-SECRET-456")
    expect(config.provider.maxParts).toBe(6)
    expect(config.server.maxBodyBytes).toBe(1048576)
    expect(config.delivery.rateLimitPerSecond).toBe(20)
    expect(String(config.provider.apiKey)).toBe("<redacted>")
  })

  it("events go to respond.io's new webhook host unless a URL is set; a channel's own webhookUrl wins for that channel", () => {
    const second = { name: "sales", channelId: "sales-1", apiToken: "TOKEN-SALES", webhookUrl: "https://webhook.respond.io/custom/channel/webhook/abc" }
    const config = Either.getOrThrow(parse(edit((d) => {
      d.platform = { plugin: "respond.io" }
      d.channels.push(second)
    })))
    expect(config.channels.map((c) => webhookUrlOf(config, c))).toEqual([
      "https://webhook.respond.io/custom/channel/webhook/",
      "https://webhook.respond.io/custom/channel/webhook/abc"
    ])
    // The shipped file: the new host, or the URL respond.io shows, from the environment.
    const shippedConfig = Either.getOrThrow(parseConfig("channel.config.json", shipped, env))
    expect(webhookUrlOf(shippedConfig, shippedConfig.channels[0]!)).toBe("https://webhook.respond.io/custom/channel/webhook/")
    const fromEnv = Either.getOrThrow(parseConfig("channel.config.json", shipped, { ...env, RESPOND_WEBHOOK_URL: "https://webhook.respond.io/x/1" }))
    expect(webhookUrlOf(fromEnv, fromEnv.channels[0]!)).toBe("https://webhook.respond.io/x/1")
    expect(configWarnings(config)).toEqual([])
    // IS-Messenger needs no platform.webhookUrl when every channel has its own.
    const isMessenger = parse(edit((d) => {
      d.platform = { plugin: "is-messenger" }
      d.channels[0].webhookUrl = "https://is.example/hook"
    }))
    expect(Either.isRight(isMessenger)).toBe(true)
  })

  it("a webhook URL on respond.io's old host is a warning naming the channel, the new host and where to copy the URL", () => {
    const config = Either.getOrThrow(parse(edit((d) => {
      d.platform.webhookUrl = "https://app.respond.io/custom/channel/webhook/"
      d.channels.push({ name: "sales", channelId: "sales-1", apiToken: "T2", webhookUrl: "https://webhook.respond.io/custom/channel/webhook/" })
      d.channels.push({ name: "support", channelId: "support-1", apiToken: "T3", webhookUrl: "https://APP.respond.io/custom/channel/webhook/" })
    })))
    const warnings = configWarnings(config)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^channel main: its events go to app\.respond\.io; /)
    expect(warnings[1]).toMatch(/^channel support: .*channels\[2\]\.webhookUrl$/)
    for (const warning of warnings) {
      expect(warning).toContain("webhook.respond.io")
      expect(warning).toContain("5 August 2026")
      expect(warning).toMatch(/Settings > Channels > .* > Configuration/)
    }
  })

  it("delivery.retry.maxAttempts of an older file is accepted and ignored, with a warning naming giveUpAfterMs", () => {
    const config = Either.getOrThrow(parse(edit((d) => (d.delivery = { retry: { maxAttempts: 25 } }))))
    expect(config.delivery.retry.giveUpAfterMs).toBe(86_400_000)
    expect(configWarnings(config)).toEqual([
      "delivery.retry.maxAttempts is no longer used and is ignored: an event the webhook keeps failing is retried until delivery.retry.giveUpAfterMs (86400000 ms) has passed since it was accepted; remove the key"
    ])
    expect(configWarnings(Either.getOrThrow(parse(base)))).toEqual([])
  })

  it("an answer to a keyword: not empty, at most three SMS, and a warning when no keyword can ask for it", () => {
    expect(error(edit((d) => (d.channels[0].optOut = { replies: { stop: "  " } })))).toBe(
      "channel.config.json: channels[0].optOut.replies.stop: must not be empty (leave it out to send nothing)"
    )
    expect(error(edit((d) => (d.channels[0].optOut = { replies: { help: "x".repeat(460) } })))).toBe(
      "channel.config.json: channels[0].optOut.replies.help: at most 459 characters (three SMS): it answers a keyword"
    )
    const config = Either.getOrThrow(parse(edit((d) => (d.channels[0].optOut = { help: [], replies: { help: "Acme: acme.example/help", stop: "Bye" } }))))
    expect(configWarnings(config)).toEqual(["channels[0].optOut.replies.help is never sent: channels[0].optOut.help lists no keyword"])
  })

  it("a 404 or 410 from the old host makes a dead letter whose reason says what to do; other refusals and hosts do not", () => {
    const config = Either.getOrThrow(parse(base))
    const channel = config.channels[0]!
    const old = "https://app.respond.io/custom/channel/webhook/"
    for (const status of [404, 410]) {
      const reason = refusedReason("respond.io", status, old, channel, 0)
      expect(reason).toMatch(new RegExp(`^the respond\\.io webhook refused the event: HTTP ${status}; app\\.respond\\.io is respond\\.io's old webhook host`))
      expect(reason).toContain("webhook.respond.io")
      expect(reason).toContain("channels[0].webhookUrl")
    }
    expect(refusedReason("respond.io", 400, old, channel, 0)).toBe("the respond.io webhook refused the event: HTTP 400")
    expect(refusedReason("respond.io", 404, "https://webhook.respond.io/custom/channel/webhook/", channel, 0))
      .toBe("the respond.io webhook refused the event: HTTP 404")
  })

  it("${NAME:-default} gives a default; a set variable wins over it", () => {
    const doc = edit((d) => (d.server.host = "${HOST:-127.0.0.1}"))
    expect(Either.getOrThrow(parse(doc)).server.host).toBe("127.0.0.1")
    expect(Either.getOrThrow(parse(doc, { ...env, HOST: "::1" })).server.host).toBe("::1")
  })

  it.each([
    ["an unset variable", base, { ...env, RESPOND_API_TOKEN: undefined }, "channel.config.json: channels[0].apiToken: environment variable RESPOND_API_TOKEN is not set"],
    ["an unknown key", edit((d) => (d.provider.apikey = "x")), env, "channel.config.json: provider.apikey: is not a known key"],
    ["a wrong type", edit((d) => (d.server.port = "30x30")), env, "channel.config.json: server.port: expected an integer"],
    ["a wrong boolean", edit((d) => (d.provider.mms = "yes")), env, "channel.config.json: provider.mms: expected true or false"],
    ["a push secret that breaks in a URL", base, { ...env, CLICKSEND_PUSH_SECRET: "abc+def/ghi=jklmnopq" }, "channel.config.json: provider.pushSecret: may hold only letters, digits and . _ ~ - (it travels in a URL unencoded)"],
    ["a bad URL", edit((d) => (d.provider.baseUrl = "rest.clicksend.com/v3")), env, "channel.config.json: provider.baseUrl: must be an absolute URL"],
    ["a non-http URL", edit((d) => (d.platform.webhookUrl = "ftp://x/y")), env, "channel.config.json: platform.webhookUrl: must be an http or https URL"],
    ["is-messenger without webhookUrl", edit((d) => (d.platform = { plugin: "is-messenger" })), env, "channel.config.json: platform.webhookUrl: is required when plugin is is-messenger (channels[0] has no webhookUrl of its own)"],
    ["an unknown platform", edit((d) => (d.platform.plugin = "whatsapp")), env, "channel.config.json: platform.plugin: must be \"respond.io\" or \"is-messenger\""],
    ["no channels", edit((d) => (d.channels = [])), env, "channel.config.json: channels: must list at least one channel (respond.io's Channel ID and API Token)"],
    ["a URL with a space", edit((d) => (d.platform.webhookUrl = "https://webhook.respond.io/custom/channel/webhook/ x")), env, "channel.config.json: platform.webhookUrl: must not contain spaces (a copy and paste that took too much?)"],
    ["a missing push secret", edit((d) => delete d.provider.pushSecret), env, "channel.config.json: provider.pushSecret: is required"],
    ["a guessable push secret", base, { ...env, CLICKSEND_PUSH_SECRET: "short" }, "channel.config.json: provider.pushSecret: must be at least 16 characters, so that nobody can guess it"],
    ["a number that is not E.164", edit((d) => (d.channels[0].numbers = ["0411 111 111"])), env, "channel.config.json: channels[0].numbers[0]: must be a phone number in E.164 form, e.g. +61411111111"],
    ["two channels with one token", edit((d) => d.channels.push({ ...d.channels[0], name: "b", channelId: "c2", numbers: [] })), env, "channel.config.json: channels[1]: apiToken is also used by channels[0]"],
    ["maxParts past ClickSend's 8", edit((d) => (d.provider.maxParts = 9)), env, "channel.config.json: provider.maxParts: expected a number between 1 and 8"],
    ["not JSON", "{", env, "channel.config.json: (top level): not valid JSON"],
    ["a headers timeout past the request timeout", edit((d) => (d.server.headersTimeoutMs = 40_000)), env, "channel.config.json: server.headersTimeoutMs: must not be more than server.requestTimeoutMs"]
  ])("%s stops start-up with one line naming file, path and problem", (_, doc, e, message) => {
    const text = typeof doc === "string" ? doc : JSON.stringify(doc)
    const result = parseConfig("channel.config.json", text, e)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.message.startsWith(message)).toBe(true)
      expect(result.left.message).not.toContain("\n")
    }
  })

  it("every variable the environment lacks is named in the one line, each once, where first used", () => {
    const message = error(base, { ...env, RESPOND_API_TOKEN: undefined, CLICKSEND_API_KEY: undefined, CLICKSEND_USERNAME: undefined })
    expect(message).toBe(
      "channel.config.json: provider.username: environment variable CLICKSEND_USERNAME is not set; so are CLICKSEND_API_KEY (provider.apiKey), RESPOND_API_TOKEN (channels[0].apiToken)"
    )
  })

  it("${NAME:-} makes an optional setting come from the environment or not at all", () => {
    const doc = edit((d) => (d.server.metricsToken = "${METRICS_TOKEN:-}"))
    expect(Either.getOrThrow(parse(doc)).server.metricsToken).toBeUndefined()
    expect(Either.getOrThrow(parse(doc, { ...env, METRICS_TOKEN: "" })).server.metricsToken).toBeUndefined()
    const set = Either.getOrThrow(parse(doc, { ...env, METRICS_TOKEN: "metrics-token-0123456789" })).server.metricsToken
    expect(set === undefined ? undefined : Redacted.value(set)).toBe("metrics-token-0123456789")
    // A required secret left empty that way is still missing, and says so.
    expect(error(edit((d) => (d.provider.apiKey = "${CS_KEY:-}")))).toBe("channel.config.json: provider.apiKey: is required")
  })

  it("numbers and booleans may come from the environment too", () => {
    const doc = edit((d) => {
      d.server.port = "${PORT:-3030}"
      d.provider.mms = "${MMS:-false}"
      d.provider.maxParts = "${MAX_PARTS}"
    })
    const config = Either.getOrThrow(parse(doc, { ...env, PORT: "8080", MMS: "true", MAX_PARTS: "8" }))
    expect([config.server.port, config.provider.mms, config.provider.maxParts]).toEqual([8080, true, 8])
    expect(error(doc, { ...env, MAX_PARTS: "9" })).toBe("channel.config.json: provider.maxParts: expected a number between 1 and 8")
  })

  it("a JSON mistake next to a secret does not quote the secret", () => {
    const result = parseConfig("channel.config.json", `{"provider": {"apiKey": APIKEYSECRETLEAK}}`, env)
    expect(Either.isLeft(result) && result.left.message).toMatch(/^channel\.config\.json: \(top level\): not valid JSON/)
    expect(Either.isLeft(result) && result.left.message).not.toContain("APIKEY")
  })

  it("a secret of the wrong shape is never printed", () => {
    const messages = [
      error(edit((d) => (d.provider.apiKey = 12345678))),
      error(edit((d) => (d.provider.baseUrl = "${CLICKSEND_API_KEY}"))),
      error(edit((d) => (d.channels[0].channelId = "${RESPOND_API_TOKEN}${RESPOND_API_TOKEN}".repeat(10))))
    ]
    for (const message of messages) {
      expect(message).not.toContain("KEY-SECRET-123")
      expect(message).not.toContain("TOKEN-SECRET-456")
      expect(message).not.toContain("12345678")
    }
  })

  it("config/channel.config.schema.json is the one the Schema makes (run `npm run schema` when this fails)", () => {
    expect(fs.readFileSync(jsonSchemaPath, "utf8")).toBe(jsonSchemaText())
  })
})
