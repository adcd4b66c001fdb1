// The respond.io / IS-Messenger custom channel wire shapes, with the documented limits in the schemas.
import { Schema } from "effect"

/** A string of at most `max` characters; `required` also refuses the empty string. */
const Text = (max: number, options: { readonly required: boolean } = { required: true }) =>
  Schema.String.pipe(
    Schema.minLength(options.required ? 1 : 0, { message: () => "must not be empty" }),
    Schema.maxLength(max, { message: () => `at most ${max} characters` })
  )

const OneOf = <const L extends ReadonlyArray<string>>(...values: L) =>
  Schema.Literal(...values).annotations({
    message: () => ({ message: `must be one of ${values.join(", ")}`, override: true })
  })

export const TextMessage = Schema.Struct({
  type: Schema.Literal("text"),
  text: Text(7000)
})

export const AttachmentMessage = Schema.Struct({
  type: Schema.Literal("attachment"),
  attachment: Schema.Struct({
    type: OneOf("image", "video", "audio", "file"),
    url: Text(2000),
    mimeType: Schema.optional(Schema.String),
    fileName: Schema.optional(Text(256, { required: false })),
    description: Schema.optional(Text(256, { required: false }))
  })
})

export const LocationMessage = Schema.Struct({
  type: Schema.Literal("location"),
  latitude: Schema.Number.pipe(Schema.between(-90, 90, { message: () => "between -90 and 90" })),
  longitude: Schema.Number.pipe(Schema.between(-180, 180, { message: () => "between -180 and 180" })),
  address: Schema.optional(Text(256, { required: false }))
})

export const QuickReplyMessage = Schema.Struct({
  type: Schema.Literal("quick_reply"),
  title: Text(256),
  replies: Schema.Array(Text(256)).pipe(
    Schema.minItems(1, { message: () => "at least 1 reply" }),
    Schema.maxItems(10, { message: () => "at most 10 replies" })
  )
})

export const OutgoingMessage = Schema.Union(TextMessage, AttachmentMessage, LocationMessage, QuickReplyMessage).annotations({
  title: "an object with type text, attachment, location or quick_reply"
})
export type OutgoingMessage = typeof OutgoingMessage.Type

/** SMS can only reach a phone number: the channel's ID type must be Phone Number (E.164). */
export const PhoneNumber = Schema.String.pipe(
  Schema.pattern(/^\+[1-9][0-9]{6,14}$/, {
    message: () => "must be a phone number in E.164 form (+ then 7 to 15 digits), as SMS can reach only phones"
  })
)

/** The body respond.io posts to `/message`. */
export const OutgoingRequest = Schema.Struct({
  channelId: Text(100),
  contactId: PhoneNumber,
  message: OutgoingMessage
}).annotations({ title: "an object with channelId, contactId and message" })
export type OutgoingRequest = typeof OutgoingRequest.Type

const MessageId = Text(50)

/** A contact's message ("message"), or one the business sent outside the platform ("message_echo"). */
export const MessageEvent = Schema.Struct({
  type: Schema.Literal("message", "message_echo"),
  mId: MessageId,
  timestamp: Schema.Number,
  message: Schema.Union(
    Schema.Struct({ type: Schema.Literal("text"), text: Text(7000, { required: false }) }),
    Schema.Struct({
      type: Schema.Literal("attachment"),
      attachment: Schema.Struct({
        type: Schema.Literal("image", "video", "audio", "file"),
        url: Text(2000),
        mimeType: Schema.optional(Schema.String)
      })
    })
  )
})

export const StatusEvent = Schema.Struct({
  type: Schema.Literal("message_status"),
  mId: MessageId,
  timestamp: Schema.Number,
  status: Schema.Struct({
    value: Schema.Literal("sent", "delivered", "read", "failed"),
    message: Schema.optional(Schema.String)
  })
})

/** The body we post to the channel's webhook. */
export const WebhookPayload = Schema.Struct({
  channelId: Schema.String,
  contactId: Text(50),
  events: Schema.NonEmptyArray(Schema.Union(MessageEvent, StatusEvent)),
  contact: Schema.optional(Schema.Struct({ phone: Text(18) }))
})
export type WebhookPayload = typeof WebhookPayload.Type
