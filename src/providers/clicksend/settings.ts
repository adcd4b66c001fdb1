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
  batch: Schema.optional(Schema.Struct({
    maxMessages: withDefault(Int.pipe(Schema.between(1, 1000)), 100),
    windowMs: withDefault(Int.pipe(Schema.between(1, 1000)), 10)
  })).annotations({
    description: "Micro-batching: concurrent outgoing SMS within windowMs go to ClickSend in one call (off when absent)"
  })
})
export type ClickSendSettings = typeof ClickSendSettings.Type
