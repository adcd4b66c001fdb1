// The command line: serve (the default), or list and replay dead letters; --config names the configuration.
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Layer, Logger, Option } from "effect"
import { parseArgs } from "node:util"
import { bridge } from "./Bridge.ts"
import { CliLayer, listDeadLetters, replayDeadLetters } from "./cli/deadLetters.ts"
import { AppConfig } from "./config/ChannelConfig.ts"
import { ConfigError, loadConfig } from "./config/loadConfig.ts"

const usage = `usage: channel-server [serve] [--config FILE]
       channel-server dead-letters list [--config FILE]
       channel-server dead-letters replay (ID | --all) [--config FILE]`

class UsageError extends Error {}

const { positionals, values } = parseArgs({
  options: {
    config: { type: "string", short: "c", default: "channel.config.json" },
    all: { type: "boolean", default: false }
  },
  allowPositionals: true
})

const command = Effect.gen(function*() {
  const config = yield* loadConfig(values.config)
  const withStore = <A, E>(effect: Effect.Effect<A, E, any>) =>
    effect.pipe(Effect.provide(CliLayer), Effect.provide(Layer.succeed(AppConfig, config))) as Effect.Effect<A, E>
  const [verb = "serve", sub, id] = positionals
  if (verb === "serve" && positionals.length <= 1) return yield* Layer.launch(bridge(config))
  if (verb === "dead-letters" && sub === "list" && positionals.length === 2) return yield* withStore(listDeadLetters)
  if (verb === "dead-letters" && sub === "replay" && (values.all ? id === undefined : /^\d+$/.test(id ?? ""))) {
    return yield* withStore(replayDeadLetters(values.all ? "all" : Number(id)))
  }
  return yield* Effect.die(new UsageError(usage))
})

/** One line for the operator: the config error as it is, or what stopped the server. */
const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && failure.value instanceof ConfigError) return failure.value.message
  const error = Cause.squash(cause)
  if (error instanceof UsageError) return error.message
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
  return Option.isSome(failure) && (failure.value as { _tag?: string })._tag === "ServeError"
    ? `cannot listen: ${detail}`
    : `custom-channel-server stopped: ${detail}`
}

const program = command.pipe(
  Effect.tapErrorCause((cause) => Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(describe(cause))),
  Effect.provide(Logger.logFmt)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return onExit(0)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && failure.value instanceof ConfigError) return onExit(ConfigError.exitCode)
    onExit(Cause.squash(exit.cause) instanceof UsageError ? 64 : 1)
  }
})
