// Telnyx Messaging API v2 wire shapes: what we send, what it answers, the webhooks it posts to us.
import { Schema } from "effect"

/** POST /messages. */
export interface SendRequest {
  readonly from?: string | undefined
  readonly to: string
  readonly text?: string | undefined
  readonly media_urls?: ReadonlyArray<string> | undefined
  readonly type?: "SMS" | "MMS" | undefined
  readonly messaging_profile_id?: string | undefined
}

/** The answer to a send: `data.id` identifies the message (the webhooks' `payload.id`). */
export const SendAnswer = Schema.Struct({
  data: Schema.Struct({
    id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(50)),
    parts: Schema.optional(Schema.Number)
  })
})

/** Every error answer: `{"errors":[{code,title,detail}]}` (code a string holding a number). */
export const ErrorAnswer = Schema.Struct({
  errors: Schema.NonEmptyArray(Schema.Struct({
    code: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
    title: Schema.optional(Schema.String),
    detail: Schema.optional(Schema.String)
  }))
})
export type ErrorAnswer = typeof ErrorAnswer.Type

const PhoneRef = Schema.Struct({ phone_number: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(50)) })

const MessageError = Schema.Struct({
  code: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  title: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.NullOr(Schema.String))
})

/** The message a webhook is about: an inbound one, or one of ours on its way. */
export const MessagePayload = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(46, { message: () => "at most 46 characters" })),
  direction: Schema.optional(Schema.String),
  from: PhoneRef,
  to: Schema.Array(Schema.Struct({ phone_number: PhoneRef.fields.phone_number, status: Schema.optional(Schema.String) })),
  text: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(7000, { message: () => "at most 7000 characters" })))),
  media: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({
    url: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2000)),
    content_type: Schema.optional(Schema.NullOr(Schema.String))
  })).pipe(Schema.maxItems(10)))),
  errors: Schema.optional(Schema.NullOr(Schema.Array(MessageError))),
  received_at: Schema.optional(Schema.NullOr(Schema.String)),
  sent_at: Schema.optional(Schema.NullOr(Schema.String)),
  completed_at: Schema.optional(Schema.NullOr(Schema.String))
})
export type MessagePayload = typeof MessagePayload.Type

/** Every webhook: `data.id` is the event's own id, `data.payload.id` the message's. */
export const Webhook = Schema.Struct({
  data: Schema.Struct({
    event_type: Schema.String,
    id: Schema.String,
    occurred_at: Schema.optional(Schema.String),
    payload: Schema.Unknown
  })
})
export type Webhook = typeof Webhook.Type
