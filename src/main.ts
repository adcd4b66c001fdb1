// Entry point: run the command line; every failure is one line on stderr and a conventional exit code.
import { CliConfig, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Option } from "effect"
import { cli, Unavailable, UsageError } from "./cli/Cli.ts"
import { ConfigError } from "./config/ConfigError.ts"
import { StoreInUse } from "./stores/Store.ts"

/** EX_USAGE from sysexits.h. */
const usageExitCode = 64

/** One line for the operator: the config error as it is, or what stopped the server. */
const describe = (cause: Cause.Cause<unknown>): string | undefined => {
  const failure = Cause.failureOption(cause)
  if (
    Option.isSome(failure) &&
    (failure.value instanceof ConfigError || failure.value instanceof UsageError || failure.value instanceof Unavailable || failure.value instanceof StoreInUse)
  ) {
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

/** Colours (the help, a usage error) for a terminal only: into a pipe or a file the text comes plain. */
const ansi = /\u001b\[[0-9;]*m/g
const plainWhereNotATerminal = Effect.map(Effect.console, (console): Console.Console => {
  const plain = (tty: boolean | undefined) => (args: ReadonlyArray<unknown>) =>
    tty && process.env.NO_COLOR === undefined ? args : args.map((a) => (typeof a === "string" ? a.replace(ansi, "") : a))
  return { ...console, log: (...args) => console.log(...plain(process.stdout.isTTY)(args)), error: (...args) => console.error(...plain(process.stderr.isTTY)(args)) }
})

const program = Effect.flatMap(plainWhereNotATerminal, (console) =>
  cli(process.argv).pipe(
    Effect.tapErrorCause((cause) => {
      const line = Cause.isInterruptedOnly(cause) ? undefined : describe(cause)
      return line === undefined ? Effect.void : Console.error(line)
    }),
    Effect.withConsole(console)
  )).pipe(
    // The built-in options (--wizard, --completions, ...) work but are not offered in the help.
    Effect.provide(CliConfig.layer({ showBuiltIns: false, showTypes: false })),
    Effect.provide(NodeContext.layer)
  )

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return onExit(0)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && failure.value instanceof ConfigError) return onExit(ConfigError.exitCode)
    if (Option.isSome(failure) && failure.value instanceof Unavailable) return onExit(Unavailable.exitCode)
    if (Option.isSome(failure) && (ValidationError.isValidationError(failure.value) || failure.value instanceof UsageError)) {
      return onExit(usageExitCode)
    }
    onExit(1)
  }
})
