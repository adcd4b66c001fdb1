// Reads channel.config.json: parse, expand ${VARS}, decode; every failure is one line with file and path.
import { Data, Effect, Either, Schema } from "effect"
import * as fs from "node:fs"
import { ChannelConfig } from "./ChannelConfig.ts"
import { expandEnv } from "./expandEnv.ts"
import { formatIssue, formatPath } from "../formatIssue.ts"
import { maxDepth, tooDeep } from "../nesting.ts"

export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {
  /** EX_CONFIG from sysexits.h: the conventional exit code for a configuration error. */
  static readonly exitCode = 78
}

const decode = Schema.decodeUnknownEither(ChannelConfig, { onExcessProperty: "error", errors: "first" })

/** Pure: text of the file and the environment to the configuration, or the one line that says what is wrong. */
export const parseConfig = (
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<ChannelConfig, ConfigError> => {
  const fail = (path: string, problem: string) => Either.left(new ConfigError({ message: `${file}: ${path}: ${problem}` }))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    // The parser's own message quotes the text near the mistake, which may be a secret: only say where.
    const at = Number((e as Error).message.match(/position (\d+)/)?.[1] ?? Number.NaN)
    if (Number.isNaN(at)) return fail("(top level)", "not valid JSON")
    const before = text.slice(0, at).split("\n")
    return fail("(top level)", `not valid JSON (line ${before.length}, column ${before.at(-1)!.length + 1})`)
  }
  const deep = tooDeep(json)
  if (deep) return fail(formatPath(deep), `nested more than ${maxDepth} levels deep`)
  const expanded = expandEnv(json, env)
  if (Either.isLeft(expanded)) {
    // All of them at once, so that one run says everything the environment lacks.
    const [first, ...more] = expanded.left
    const also = more.length === 0 ? "" : `; so are ${more.map((u) => `${u.name} (${formatPath(u.path)})`).join(", ")}`
    return fail(formatPath(first!.path), `environment variable ${first!.name} is not set${also}`)
  }
  const decoded = decode(expanded.right)
  if (Either.isRight(decoded)) return Either.right(decoded.right)
  const { path, rule } = formatIssue(decoded.left)
  return fail(path, rule)
}

export const loadConfig = (file: string, env: Readonly<Record<string, string | undefined>> = process.env) =>
  Effect.try({
    try: () => fs.readFileSync(file, "utf8"),
    catch: (e) =>
      new ConfigError({
        message: `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
      })
  }).pipe(Effect.flatMap((text) => parseConfig(file, text, env)))
