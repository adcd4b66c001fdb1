// Decoding what arrives on the wire: a clear 400 that names the field and the rule, or a typed value.
import { Effect, Either, Schema } from "effect"
import { InvalidPayload } from "../domain/errors.ts"
import { formatIssue, formatPath } from "../formatIssue.ts"
import { maxDepth, tooDeep } from "../nesting.ts"

/** A decoder of `schema` whose failure is an InvalidPayload naming the first broken field and its rule. */
export const decoder = <A, I>(schema: Schema.Schema<A, I>) => {
  // Synchronous decoding: these schemas need no services, and it is cheaper on the hot path.
  const decode = Schema.decodeUnknownEither(schema, { errors: "first" })
  return (input: unknown): Effect.Effect<A, InvalidPayload> => {
    // Refused before the Schema sees it, whose error message would format the value whole.
    const deep = tooDeep(input)
    if (deep) return Effect.fail(new InvalidPayload({ message: `${formatPath(deep)}: nested more than ${maxDepth} levels deep` }))
    return Either.match(decode(input), {
      onLeft: (error) => {
        const { path, rule } = formatIssue(error)
        return Effect.fail(new InvalidPayload({ message: `${path}: ${rule}` }))
      },
      onRight: Effect.succeed
    })
  }
}
