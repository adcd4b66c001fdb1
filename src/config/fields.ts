// The kinds of value a configuration setting takes, shared by the config's own schema and the plugins' settings.
import { Schema } from "effect"

export const HttpUrl = Schema.String.pipe(
  Schema.filter((s) => {
    if (/\s/.test(s)) return "must not contain spaces (a copy and paste that took too much?)"
    if (!URL.canParse(s)) return "must be an absolute URL"
    const protocol = new URL(s).protocol
    return protocol === "http:" || protocol === "https:" ? undefined : "must be an http or https URL"
  }),
  Schema.annotations({ identifier: "HttpUrl", jsonSchema: { type: "string", format: "uri" } })
)

/** An optional URL setting, its description kept in the JSON Schema (an annotation on the optional key is not). */
export const optionalUrl = (description: string) =>
  Schema.optional(HttpUrl.annotations({ jsonSchema: { type: "string", format: "uri", description } }))

export const Secret = (description: string) =>
  Schema.Redacted(Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))).annotations({
    description
  })

/** An integer, also from a string, so that `"port": "${PORT:-3030}"` works. */
export const Int = Schema.Union(Schema.Int, Schema.compose(Schema.NumberFromString, Schema.Int)).annotations({
  message: () => ({ message: "expected an integer", override: true })
})
/** A boolean, also from the strings "true" and "false". */
export const Bool = Schema.Union(Schema.Boolean, Schema.BooleanFromString).annotations({
  message: () => ({ message: "expected true or false", override: true })
})
export const PositiveInt = Int.pipe(Schema.positive({ message: () => "expected a positive integer" }))
export const withDefault = <S extends Schema.Schema.Any>(schema: S, value: Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: () => value })

export const E164 = Schema.String.pipe(
  Schema.pattern(/^\+[1-9][0-9]{6,14}$/, { message: () => "must be a phone number in E.164 form, e.g. +61411111111" })
)

/** Retries of a call made while its caller waits (a provider's send inside /message): bounded by a deadline. */
export const RetrySettings = Schema.Struct({
  initialDelayMs: withDefault(PositiveInt, 200),
  maxDelayMs: withDefault(PositiveInt, 2_000),
  deadlineMs: withDefault(PositiveInt, 10_000)
})

/** How calls to a provider are made, the same keys for every provider (`name` in their descriptions). */
export const providerCallSettings = (name: string) => ({
  timeoutMs: withDefault(PositiveInt, 10_000),
  maxConnections: withDefault(PositiveInt, 64).annotations({
    description: `Most connections open to ${name} at once (kept alive); further calls wait for a free one`
  }),
  retry: withDefault(RetrySettings, { initialDelayMs: 200, maxDelayMs: 2_000, deadlineMs: 10_000 }),
  rateLimitPerSecond: Schema.optional(PositiveInt).annotations({ description: `Cap on calls to ${name}` })
})
