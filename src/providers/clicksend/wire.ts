// ClickSend REST v3 wire shapes: what we send, what it answers, what it pushes to us.
import { ParseResult, Schema } from "effect"

export const SmsMessage = Schema.Struct({
  to: Schema.String,
  body: Schema.String,
  from: Schema.optional(Schema.String),
  source: Schema.String,
  custom_string: Schema.String
})
export type SmsMessage = typeof SmsMessage.Type

export const SmsSendRequest = Schema.Struct({ messages: Schema.Array(SmsMessage) })
export type SmsSendRequest = typeof SmsSendRequest.Type

export const MmsSendRequest = Schema.Struct({
  media_file: Schema.String,
  messages: Schema.Array(Schema.Struct({ ...SmsMessage.fields, subject: Schema.String.pipe(Schema.maxLength(20)) }))
})
export type MmsSendRequest = typeof MmsSendRequest.Type

/** One message of a send answer: rejected messages come back reduced, so only `status` is sure. */
export const SentMessage = Schema.Struct({
  status: Schema.String,
  to: Schema.optional(Schema.String),
  message_id: Schema.optional(Schema.String),
  message_parts: Schema.optional(Schema.Union(Schema.Number, Schema.String))
})

/** The envelope of every ClickSend answer. */
export const Envelope = Schema.Struct({
  http_code: Schema.optional(Schema.Number),
  response_code: Schema.String,
  response_msg: Schema.optional(Schema.String),
  data: Schema.optional(Schema.NullOr(Schema.Struct({
    messages: Schema.optional(Schema.Array(SentMessage))
  })))
})
export type Envelope = typeof Envelope.Type

const Count = Schema.Union(Schema.Number, Schema.NumberFromString)

/** One page of what ClickSend keeps for its POLL rules (GET /v3/sms/inbound, /v3/sms/receipts): its items as they come. */
export const ListAnswer = Schema.Struct({
  response_code: Schema.String,
  data: Schema.Struct({
    total: Count,
    current_page: Count,
    last_page: Count,
    data: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  })
})
export type ListAnswer = typeof ListAnswer.Type

/** Form and query pushes carry only strings; JSON pushes mix strings and numbers. */
const Field = Schema.Union(Schema.String, Schema.Number).pipe(
  Schema.transform(Schema.String, { strict: true, decode: (v) => String(v), encode: (s) => s })
)
const Seconds = Schema.Union(Schema.Number, Schema.NumberFromString).pipe(
  Schema.filter((n) => Number.isFinite(n) && n >= 0, { message: () => "a UNIX time in seconds" })
)

/**
 * A phone number as a push may write it (a JSON number, no `+`, a `+` that arrived as a space, separators) in
 * E.164 with its `+`; a sender name (letters) as it is. Undefined for what fits neither, or is longer than the
 * platform's contactId (50).
 */
export const normalisePhone = (value: string): string | undefined => {
  const compact = value.replace(/[\s().-]/g, "")
  if (/^\+?[0-9]+$/.test(compact)) return /^\+?[1-9][0-9]{6,14}$/.test(compact) ? `+${compact.replace(/^\+/, "")}` : undefined
  return value.trim() !== "" && value.length <= 50 ? value : undefined
}

const Phone = Field.pipe(Schema.transformOrFail(Schema.String, {
  strict: true,
  decode: (value, _, ast) => {
    const phone = normalisePhone(value)
    return phone === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, value, "must be a phone number in E.164 form (7 to 15 digits) or a sender name of at most 50 characters"))
      : ParseResult.succeed(phone)
  },
  encode: ParseResult.succeed
}))

/**
 * The media of an inbound MMS, as URLs. ClickSend's help centre ("How does inbound MMS work?") says inbound MMS "shares
 * the same rules/settings/endpoints as SMS" and that "any attachments will be converted to a URL"; it does not name the
 * field, nor do its SDKs' models or its API reference. So the names ClickSend itself gives an MMS's media are taken:
 * `media_file` (POST /v3/mms/send, "media_file: URL of the media file") and `_media_file_url` (the MMS of its answers
 * in clicksend-go-v2 api/openapi.yaml, "_media_file_url: https://yourdomain.com/tpLaX6A.gif"). One URL, or a list
 * in a JSON push; an empty field is no media. A value that is not an http(s) URL does not stop the message's text:
 * see `mediaOf`.
 */
const MediaUrls = Schema.Union(Schema.String, Schema.Array(Schema.String)).pipe(
  Schema.transform(Schema.Array(Schema.String), {
    strict: true,
    decode: (v) => (typeof v === "string" ? (v.trim() === "" ? [] : [v.trim()]) : v),
    encode: (v) => v
  })
)

/**
 * An inbound SMS push, with the legacy aliases: `message` = body, `sms` = from, `originalsenderid` = to.
 * Decoded from the raw fields after the aliases were resolved (see `resolveAliases`).
 */
export const InboundPush = Schema.Struct({
  message_id: Field.pipe(Schema.minLength(1), Schema.maxLength(50, { message: () => "at most 50 characters" })),
  from: Phone,
  to: Schema.optional(Phone),
  body: Field.pipe(Schema.maxLength(7000, { message: () => "at most 7000 characters" })),
  timestamp: Schema.optional(Seconds),
  custom_string: Schema.optional(Field),
  media_file: Schema.optional(MediaUrls)
})
export type InboundPush = typeof InboundPush.Type

/** A delivery receipt push. It names no recipient: routing comes from our own `custom_string`. */
export const DeliveryReceipt = Schema.Struct({
  message_id: Field.pipe(Schema.minLength(1), Schema.maxLength(50, { message: () => "at most 50 characters" })),
  status_code: Schema.Union(Schema.Number, Schema.NumberFromString),
  status: Schema.optional(Field),
  status_text: Schema.optional(Field),
  error_text: Schema.optional(Field),
  timestamp: Schema.optional(Seconds),
  custom_string: Schema.optional(Field)
})
export type DeliveryReceipt = typeof DeliveryReceipt.Type

const aliases: ReadonlyArray<readonly [canonical: string, legacy: string]> = [
  ["body", "message"],
  ["from", "sms"],
  ["to", "originalsenderid"],
  ["message_id", "messageid"],
  ["custom_string", "customstring"],
  // What ClickSend's lists name the time of an inbound message in their examples.
  ["timestamp", "timestamp_send"],
  ["media_file", "_media_file_url"],
  ["media_file", "media_file_url"],
  ["media_file", "_media_file"]
]

/** Fills each canonical field from its legacy alias when only the alias was sent. */
export const resolveAliases = (fields: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...fields }
  for (const [canonical, legacy] of aliases) {
    if ((out[canonical] === undefined || out[canonical] === "") && fields[legacy] !== undefined) {
      out[canonical] = fields[legacy]
    }
  }
  return out
}
