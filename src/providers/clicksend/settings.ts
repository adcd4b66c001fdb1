// The provider settings of ClickSend: `"provider": { "plugin": "clicksend", ... }` in channel.config.json.
import { Schema } from "effect"
import { Bool, HttpUrl, Int, Secret, withDefault, providerCallSettings } from "../../config/fields.ts"

export const ClickSendSettings = Schema.Struct({
  plugin: Schema.Literal("clicksend").annotations({ message: () => "must be \"clicksend\"" }),
  baseUrl: withDefault(HttpUrl, "https://rest.clicksend.com/v3"),
  username: Secret("ClickSend API username"),
  apiKey: Secret("ClickSend API key"),
  pushSecret: Schema.Redacted(
    Schema.String.pipe(
      Schema.minLength(16, { message: () => "must be at least 16 characters, so that nobody can guess it" }),
      Schema.pattern(/^[A-Za-z0-9._~-]+$/, {
        message: () => "may hold only letters, digits and . _ ~ - (it travels in a URL unencoded)"
      })
    )
  ).annotations({ description: "The secret ClickSend's inbound and receipt rule URLs carry as ?secret=" }),
  maxParts: withDefault(Int.pipe(Schema.between(1, 8)), 6).annotations({
    description: "The account's SMS part limit: longer text is split into several messages, never truncated"
  }),
  mms: withDefault(Bool, false).annotations({
    description: "Send image attachments as MMS (falls back to SMS with a link when ClickSend refuses)"
  }),
  ...providerCallSettings("ClickSend"),
  reconcile: withDefault(
    Schema.Struct({
      enabled: withDefault(Bool, true),
      intervalMs: withDefault(Int.pipe(Schema.between(10_000, 3_600_000)), 60_000).annotations({
        description: "How often the bridge asks ClickSend for what it holds, besides at start (default one minute)"
      }),
      markRead: withDefault(Bool, true).annotations({
        description: "Mark what was taken as read, each item by its id, so ClickSend lists it no more (false: change nothing of the account)"
      })
    }),
    { enabled: true, intervalMs: 60_000, markRead: true }
  ).annotations({
    description: "Catch-up: the inbound messages and receipts ClickSend keeps for its POLL rules, taken through the push path " +
      "(so each is forwarded once, by push, by catch-up or both); needs an inbound rule and a receipt rule with action POLL"
  }),
  batch: Schema.optional(Schema.Struct({
    maxMessages: withDefault(Int.pipe(Schema.between(1, 1000)), 100),
    windowMs: withDefault(Int.pipe(Schema.between(1, 1000)), 10)
  })).annotations({
    description: "Micro-batching: concurrent outgoing SMS within windowMs go to ClickSend in one call (off when absent)"
  })
})
export type ClickSendSettings = typeof ClickSendSettings.Type
