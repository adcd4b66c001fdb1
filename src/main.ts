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

const program = loadConfig(values.config).pipe(
  Effect.flatMap((config) => Layer.launch(bridge(config))),
  Effect.tapErrorTag("ConfigError", (e) => Console.error(e.message)),
  Effect.tapErrorTag("ServeError", (e) => Console.error(`cannot listen: ${(e.cause as Error)?.message ?? e.message}`)),
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
