// Start-up: read the configuration named on the command line, then serve until SIGTERM or SIGINT.
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Layer, Logger, Option } from "effect"
import { parseArgs } from "node:util"
import { bridge } from "./Bridge.ts"
import { ConfigError, loadConfig } from "./config/loadConfig.ts"

const { values } = parseArgs({
  options: { config: { type: "string", short: "c", default: "channel.config.json" } },
  allowPositionals: false
})

/** One line for the operator: the config error as it is, or what stopped the server. */
const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && failure.value instanceof ConfigError) return failure.value.message
  const error = Cause.squash(cause)
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
  return Option.isSome(failure) && (failure.value as { _tag?: string })._tag === "ServeError"
    ? `cannot listen: ${detail}`
    : `custom-channel-server stopped: ${detail}`
}

const program = loadConfig(values.config).pipe(
  Effect.flatMap((config) => Layer.launch(bridge(config))),
  Effect.tapErrorCause((cause) => Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(describe(cause))),
  Effect.provide(Logger.logFmt)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
    if (Option.isSome(failure) && failure.value instanceof ConfigError) return onExit(ConfigError.exitCode)
    onExit(Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? 1 : 0)
  }
})
