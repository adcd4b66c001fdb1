// The provider settings of Telnyx: `"provider": { "plugin": "telnyx", ... }` in channel.config.json.
import { Schema } from "effect"
import { Bool, HttpUrl, Int, Secret, withDefault, providerCallSettings } from "../../config/fields.ts"

/** The account's webhook public key as the portal shows it: base64 of the 32-byte Ed25519 key. */
const PublicKey = Schema.Redacted(
  Schema.String.pipe(
    Schema.filter((s) => Buffer.from(s, "base64").length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(s.trim()), {
      message: () => "must be the base64 of a 32-byte Ed25519 key, as Telnyx's portal shows it (Keys & Credentials > Public Key)"
    })
  )
).annotations({ description: "Telnyx's webhook public key (base64): every webhook's signature is checked with it" })

export const TelnyxSettings = Schema.Struct({
  plugin: Schema.Literal("telnyx"),
  baseUrl: withDefault(HttpUrl, "https://api.telnyx.com/v2"),
  apiKey: Secret("Telnyx API key (v2)"),
  publicKey: PublicKey,
  messagingProfileId: Schema.optional(Schema.String.annotations({
    description: "Sent with every message when set (needed to send from a number pool or an alphanumeric sender id)"
  })),
  maxParts: withDefault(Int.pipe(Schema.between(1, 10)), 10).annotations({
    description: "Telnyx takes at most 10 segments per message: longer text is split into several messages, never truncated"
  }),
  mms: withDefault(Bool, false).annotations({
    description: "Send image attachments as MMS (media_urls; falls back to SMS with a link when Telnyx refuses)"
  }),
  ...providerCallSettings("Telnyx"),
  signatureToleranceSeconds: withDefault(Int.pipe(Schema.between(1, 3600)), 300).annotations({
    description: "A webhook whose telnyx-timestamp is further than this from now is refused (replays)"
  })
})
export type TelnyxSettings = typeof TelnyxSettings.Type
