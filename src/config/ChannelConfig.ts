// The one Schema of channel.config.json: it decodes the file and generates its JSON Schema.
import { Redacted, Schema } from "effect"
import { defaultKeywords } from "../translate/optOutKeywords.ts"
import { Bool, E164, Int, optionalUrl, PositiveInt, Secret, withDefault } from "./fields.ts"
import { defaultPlatform, defaultStore, platformProblem, platformSettings, providerSettings, storeSettings } from "../registry.ts"


export const ServerSettings = Schema.Struct({
  host: withDefault(Schema.String, "127.0.0.1"),
  port: withDefault(Int.pipe(Schema.between(0, 65535)), 3030),
  maxBodyBytes: withDefault(PositiveInt, 1024 * 1024).annotations({
    description: "Requests with a larger body are refused with 413"
  }),
  headersTimeoutMs: withDefault(PositiveInt, 10_000).annotations({
    description: "A request whose headers take longer is dropped"
  }),
  requestTimeoutMs: withDefault(PositiveInt, 30_000).annotations({
    description: "A request whose body takes longer is answered 408"
  }),
  metricsToken: Schema.optional(Secret("When set, GET /metrics requires Authorization: Bearer <metricsToken>")),
  adminToken: Schema.optional(
    Schema.Redacted(Schema.String.pipe(
      Schema.minLength(32, { message: () => "must be at least 32 characters (openssl rand -hex 24 makes one)" }),
      Schema.pattern(/^\S+$/, { message: () => "must not contain spaces (a bearer token is one word)" })
    ))
      .annotations({ description: "When set, the operator's console (GET /console) and its API (/admin/api/...) are on, for Authorization: Bearer <adminToken>; off when absent" })
  )
}).pipe(
  Schema.filter((s) =>
    s.headersTimeoutMs > s.requestTimeoutMs
      ? { path: ["headersTimeoutMs"], message: "must not be more than server.requestTimeoutMs" }
      : undefined
  )
)

export const LogSettings = Schema.Struct({
  level: withDefault(Schema.Literal("debug", "info", "warning", "error").annotations({
    message: () => ({ message: "must be one of debug, info, warning, error", override: true })
  }), "info"),
  format: withDefault(Schema.Literal("json", "pretty").annotations({
    message: () => ({ message: "must be json or pretty", override: true })
  }), "json").annotations({ description: "json: one object per line; pretty: for a terminal" })
})

const Keywords = (description: string) =>
  Schema.Array(Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))).annotations({ description })

/** An answer to a keyword: short (three SMS at most), since it goes to someone who may have asked for nothing more. */
const ReplyText = (description: string) =>
  Schema.String.pipe(
    Schema.filter((text) => text.trim() !== "", { message: () => "must not be empty (leave it out to send nothing)" }),
    Schema.maxLength(459, { message: () => "at most 459 characters (three SMS): it answers a keyword" })
  ).annotations({ description })

export const OptOutSettings = Schema.Struct({
  stop: withDefault(Keywords("Texts that opt the contact out: /message to them is refused until they opt back in"), defaultKeywords.stop),
  start: withDefault(Keywords("Texts that opt the contact back in"), defaultKeywords.start),
  help: withDefault(Keywords("Texts that ask for the channel's help text"), defaultKeywords.help),
  replies: withDefault(
    Schema.Struct({
      stop: Schema.optional(ReplyText("The confirmation a contact gets when they opt out (none by default)")),
      start: Schema.optional(ReplyText("The confirmation a contact gets when they opt back in (none by default)")),
      help: Schema.optional(ReplyText("The channel's help text, the answer to HELP (none by default)"))
    }),
    {}
  ).annotations({ description: "What the channel texts back to a keyword, sent by the bridge through the provider; none when absent" })
})

export const Channel = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.-]{1,50}$/, {
    message: () => "must be 1 to 50 letters, digits, '_', '.' or '-'"
  })),
  channelId: Schema.String.pipe(
    Schema.minLength(1, { message: () => "must not be empty" }),
    Schema.maxLength(100, { message: () => "must be at most 100 characters" })
  ),
  apiToken: Secret("The channel's API token: the platform sends it to /message, we send it to the webhook"),
  from: Schema.optional(Schema.String.annotations({ description: "The sender id or number the provider sends from" })),
  webhookUrl: optionalUrl(
    "This channel's webhook URL, as the platform shows it on the channel's Configuration page (overrides platform.webhookUrl)"
  ),
  numbers: withDefault(Schema.Array(E164), []).annotations({
    description: "The provider numbers whose inbound messages belong to this channel"
  }),
  optOut: withDefault(OptOutSettings, { ...defaultKeywords, replies: {} }).annotations({
    description: "The keywords a contact texts to stop and restart this channel's messages (the whole message, any case)"
  })
})
export type Channel = typeof Channel.Type

export const DeliveryRetrySettings = Schema.Struct({
  initialDelayMs: withDefault(PositiveInt, 500),
  maxDelayMs: withDefault(PositiveInt, 60_000).annotations({
    description: "The longest wait between two attempts: once the webhook is back, every waiting event goes within it"
  }),
  giveUpAfterMs: withDefault(PositiveInt, 86_400_000).annotations({
    description: "An event the webhook keeps failing (network, timeout, 408, 429, 5xx) becomes a dead letter only this long after it was accepted (default 24 hours)"
  }),
  maxAttempts: Schema.optional(PositiveInt.annotations({
    description: "No longer used (ignored with a warning): transient failures are retried until giveUpAfterMs"
  }))
})

export const DeliverySettings = Schema.Struct({
  rateLimitPerSecond: withDefault(PositiveInt, 20).annotations({
    description: "Webhook requests per channel in any one-second window: the platform's documented limit is 20"
  }),
  retry: withDefault(DeliveryRetrySettings, { initialDelayMs: 500, maxDelayMs: 60_000, giveUpAfterMs: 86_400_000 })
})

export const QuickReplySettings = Schema.Struct({
  mapNumbers: withDefault(Bool, true).annotations({
    description: "A reply of just an option's number carries that option's text, within 24 hours of the quick reply"
  })
})

const unique = <A>(items: ReadonlyArray<A>, key: (a: A) => ReadonlyArray<string>, what: string) => {
  const seen = new Map<string, number>()
  for (const [i, item] of items.entries()) {
    for (const k of key(item)) {
      const first = seen.get(k)
      if (first !== undefined && first !== i) return { path: ["channels", i], message: `${what} is also used by channels[${first}]` }
      seen.set(k, i)
    }
  }
  return undefined
}

const delivery = withDefault(DeliverySettings, {
  rateLimitPerSecond: 20,
  retry: { initialDelayMs: 500, maxDelayMs: 60_000, giveUpAfterMs: 86_400_000 }
})
const log = withDefault(LogSettings, { level: "info", format: "json" })
const store = withDefault(storeSettings, defaultStore)

/**
 * What the commands that only work on the store read and check (dead-letters list|show|resolve, opt-outs): the store,
 * the delivery retries it reads, the log; and each channel's name and channelId, where the environment gives them.
 */
export const StoreOnlyConfig = Schema.Struct({
  log,
  delivery,
  store,
  channels: Schema.Array(Schema.Struct({ name: Schema.String, channelId: Schema.String }))
})
export type StoreOnlyConfig = typeof StoreOnlyConfig.Type

export const ChannelConfig = Schema.Struct({
  $schema: Schema.optional(Schema.String),
  server: withDefault(ServerSettings, {
    host: "127.0.0.1",
    port: 3030,
    maxBodyBytes: 1024 * 1024,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000
  }),
  log,
  platform: withDefault(platformSettings, defaultPlatform),
  provider: providerSettings,
  channels: Schema.Array(Channel).pipe(
    Schema.filter((channels) => channels.length > 0, {
      message: () => "must list at least one channel (respond.io's Channel ID and API Token)",
      jsonSchema: { minItems: 1 }
    })
  ),
  delivery,
  store,
  quickReplies: withDefault(QuickReplySettings, { mapNumbers: true })
}).pipe(
  Schema.filter((c) =>
    unique(c.channels, (ch) => [ch.name], "name") ??
      unique(c.channels, (ch) => [ch.channelId], "channelId") ??
      unique(c.channels, (ch) => [Redacted.value(ch.apiToken)], "apiToken") ??
      unique(c.channels, (ch) => ch.numbers, "a number in numbers") ??
      platformProblem(c)
  ),
  Schema.annotations({ identifier: "ChannelConfig", title: "custom-channel-server configuration" })
)
export type ChannelConfig = typeof ChannelConfig.Type
