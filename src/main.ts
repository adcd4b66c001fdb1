// Entry point: run the command line; every failure is one line on stderr and a conventional exit code.
import { ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Option } from "effect"
import { cli, UsageError } from "./cli/Cli.ts"
import { ConfigError } from "./config/loadConfig.ts"
import { StoreInUse } from "./stores/Store.ts"

/** EX_USAGE from sysexits.h. */
const usageExitCode = 64

/** One line for the operator: the config error as it is, or what stopped the server. */
const describe = (cause: Cause.Cause<unknown>): string | undefined => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && (failure.value instanceof ConfigError || failure.value instanceof UsageError || failure.value instanceof StoreInUse)) {
    return failure.value.message
  }
  // @effect/cli has printed the problem and the help already.
  if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return undefined
  const error = Cause.squash(cause)
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
  return Option.isSome(failure) && (failure.value as { _tag?: string })._tag === "ServeError"
    ? `cannot listen: ${detail}`
    : `custom-channel-server stopped: ${detail}`
}

const program = cli(process.argv).pipe(
  Effect.tapErrorCause((cause) => {
    const line = Cause.isInterruptedOnly(cause) ? undefined : describe(cause)
    return line === undefined ? Effect.void : Console.error(line)
  }),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return onExit(0)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && failure.value instanceof ConfigError) return onExit(ConfigError.exitCode)
    if (Option.isSome(failure) && (ValidationError.isValidationError(failure.value) || failure.value instanceof UsageError)) {
      return onExit(usageExitCode)
    }
    onExit(1)
  }
})
