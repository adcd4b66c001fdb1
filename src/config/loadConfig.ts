// Reads channel.config.json: parse, expand ${VARS}, decode; every failure is one line with file and path.
import { Effect, Either, Schema } from "effect"
import { ConfigError } from "./ConfigError.ts"
import * as fs from "node:fs"
import * as path from "node:path"
import { stores } from "../registry.ts"
import { ChannelConfig, StoreOnlyConfig } from "./ChannelConfig.ts"
import { expandEnv, type UnsetVariable } from "./expandEnv.ts"
import { formatIssue, formatPath } from "../formatIssue.ts"
import { maxDepth, tooDeep } from "../nesting.ts"

const decode = Schema.decodeUnknownEither(ChannelConfig, { onExcessProperty: "error", errors: "first" })

/** Every variable the environment lacks, in one line, so that one run says all of them. */
const unsetError = (file: string, unset: ReadonlyArray<UnsetVariable>) => {
  const [first, ...more] = unset
  const also = more.length === 0 ? "" : `; so are ${more.map((u) => `${u.name} (${formatPath(u.path)})`).join(", ")}`
  return new ConfigError({ message: `${file}: ${formatPath(first!.path)}: environment variable ${first!.name} is not set${also}` })
}

const failure = (file: string, path: string, problem: string) => Either.left(new ConfigError({ message: `${file}: ${path}: ${problem}` }))

/** The file's JSON, an object no deeper than the bound, or the one line that says where it is not. */
const jsonOf = (file: string, text: string): Either.Either<Record<string, unknown>, ConfigError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    // The parser's own message quotes the text near the mistake, which may be a secret: only say where.
    const at = Number((e as Error).message.match(/position (\d+)/)?.[1] ?? Number.NaN)
    if (Number.isNaN(at)) return failure(file, "(top level)", "not valid JSON")
    const before = text.slice(0, at).split("\n")
    return failure(file, "(top level)", `not valid JSON (line ${before.length}, column ${before.at(-1)!.length + 1})`)
  }
  const deep = tooDeep(json)
  if (deep) return failure(file, formatPath(deep), `nested more than ${maxDepth} levels deep`)
  if (json === null || typeof json !== "object" || Array.isArray(json)) return failure(file, "(top level)", "must be an object")
  return Either.right(json as Record<string, unknown>)
}

/** Pure: text of the file and the environment to the configuration, or the one line that says what is wrong. */
export const parseConfig = (
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<ChannelConfig, ConfigError> => {
  const json = jsonOf(file, text)
  if (Either.isLeft(json)) return Either.left(json.left)
  const expanded = expandEnv(json.right, env)
  if (Either.isLeft(expanded)) return Either.left(unsetError(file, expanded.left))
  const decoded = decode(expanded.right)
  if (Either.isRight(decoded)) return Either.right(decoded.right)
  const { path, rule } = formatIssue(decoded.left)
  return failure(file, path, rule)
}

/** What loading a file found that the configuration itself cannot say (see `configWarnings`). */
const loadWarnings = new WeakMap<object, ReadonlyArray<string>>()
export const warningsOfLoad = (config: object): ReadonlyArray<string> => loadWarnings.get(config) ?? []

/** The file system as `locate` sees it: two paths are one file when they are the same inode (symlinks, `..`). */
const fileSystem = {
  exists: (f: string) => {
    try {
      fs.statSync(f)
      return true
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === "ENOENT" || code === "ENOTDIR") return false
      // Not "no store": one this user may not look at (the service's own, run without sudo -u).
      throw new ConfigError({ message: `store.path: ${f} cannot be looked at (${code}): run the command as the server's user (sudo -u channel-server ...)` })
    }
  },
  same: (a: string, b: string) => {
    const [x, y] = [fs.statSync(a), fs.statSync(b)]
    return x.dev === y.dev && x.ino === y.ino
  }
}

/**
 * The store where its settings put it, a relative path read from the configuration file's folder; with `existing`
 * (a command that only reads the store), one that is there, or the line that says where none was found.
 */
const locateStore = <C extends Pick<ChannelConfig, "store">>(file: string, config: C, existing = false): Either.Either<C, ConfigError> => {
  const store = stores[config.store.plugin]
  if (!("locate" in store)) return Either.right(config)
  let located: ReturnType<typeof store.locate>
  try {
    located = store.locate(config.store, path.dirname(path.resolve(file)), process.cwd(), fileSystem, existing)
  } catch (e) {
    if (e instanceof ConfigError) return Either.left(e)
    throw e
  }
  if (located._tag === "Problem") return Either.left(new ConfigError({ message: `${file}: store.path: ${located.problem}` }))
  const result = { ...config, store: located.settings }
  if (located.warning !== undefined) loadWarnings.set(result, [located.warning])
  return Either.right(result)
}

const readText = (file: string) =>
  Effect.try({
    try: () => fs.readFileSync(file, "utf8"),
    catch: (e) =>
      new ConfigError({
        message: `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
      })
  })

/** The configuration in `file`; with `existing` (a command that works on a server's store), its store must be there. */
export const loadConfig = (file: string, env: Readonly<Record<string, string | undefined>> = process.env, existing = false) =>
  readText(file).pipe(Effect.flatMap((text) => parseConfig(file, text, env)), Effect.flatMap((config) => locateStore(file, config, existing)))

const decodeStoreOnly = Schema.decodeUnknownEither(StoreOnlyConfig, { errors: "first" })

/**
 * The configuration as the commands that only work on the store need it (StoreOnlyConfig): its store settings
 * checked as strictly as `serve` checks them, a channel whose name or channelId the environment cannot give left
 * out, and nothing else read, so that listing dead letters needs none of the secrets.
 */
export const loadStoreOnlyConfig = (file: string, env: Readonly<Record<string, string | undefined>> = process.env) =>
  Effect.flatMap(readText(file), (text): Either.Either<StoreOnlyConfig, ConfigError> => {
    const parsed = jsonOf(file, text)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    const json = parsed.right
    const part = { log: json.log, delivery: json.delivery, store: json.store }
    const expanded = expandEnv(part, env)
    if (Either.isLeft(expanded)) return Either.left(unsetError(file, expanded.left))
    const channels = (Array.isArray(json.channels) ? json.channels : []).flatMap((c: unknown) => {
      const named = expandEnv({ name: (c as Record<string, unknown>)?.name, channelId: (c as Record<string, unknown>)?.channelId }, env)
      return Either.isRight(named) ? [named.right] : []
    })
    const decoded = decodeStoreOnly({ ...(expanded.right as object), channels })
    if (Either.isLeft(decoded)) {
      const { path, rule } = formatIssue(decoded.left)
      return failure(file, path, rule)
    }
    return locateStore(file, decoded.right, true)
  })
