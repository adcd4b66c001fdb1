// The operator's logs: one JSON object per line (or pretty for a terminal), phone numbers masked but at debug.
import { HashMap, Layer, Logger, LogLevel } from "effect"
import { setImmediate } from "node:timers"
import type { ChannelConfig } from "./config/ChannelConfig.ts"

/** "+60177872890" -> "+6017****890": enough to tell numbers apart, not enough to call one. */
export const maskPhones = (text: string): string =>
  text.replace(/(?<![\w-])\+?\d{7,15}(?![\w-])/g, (n) => {
    const [head, tail] = n.length >= 12 ? [5, 3] : [3, 2]
    return `${n.slice(0, head)}${"*".repeat(n.length - head - tail)}${n.slice(-tail)}`
  })

const levels = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error
} as const

/** The same logger, with every phone number in messages and annotations masked. */
export const withMaskedPhones = <O>(logger: Logger.Logger<unknown, O>) =>
  Logger.mapInputOptions(logger, (options) => ({
    ...options,
    message: Array.isArray(options.message)
      ? options.message.map((m) => (typeof m === "string" ? maskPhones(m) : m))
      : typeof options.message === "string"
      ? maskPhones(options.message)
      : options.message,
    annotations: HashMap.map(options.annotations, (value) => (typeof value === "string" ? maskPhones(value) : value))
  }))

/**
 * Writes lines to stdout once per turn of the event loop rather than one write (a system call) each: under load
 * this took logging from 11% to 6% of the server's busy time (BENCHMARKS.md). What is pending is written when the
 * process exits, an uncaught error included; a process killed outright (SIGKILL, out of memory) loses the lines
 * of its last turn.
 */
let stdoutLine: ((line: string) => void) | undefined
const stdoutLines = () => (stdoutLine ??= lineWriter())
const lineWriter = () => {
  let pending: Array<string> = []
  const flush = () => {
    if (pending.length === 0) return
    const text = `${pending.join("\n")}\n`
    pending = []
    process.stdout.write(text)
  }
  process.once("exit", flush)
  return (line: string) => {
    if (pending.push(line) === 1) setImmediate(flush)
  }
}

/**
 * The logger the configuration asks for, in place of Effect's default one. JSON lines are written as they come,
 * or, for the server, `batched` once per turn of the event loop (a command's own output stays in order with them).
 */
export const loggerFor = (log: ChannelConfig["log"], write: "at once" | "batched" = "at once"): Layer.Layer<never> => {
  const json = write === "batched" ? Logger.map(Logger.jsonLogger, stdoutLines()) : Logger.withConsoleLog(Logger.jsonLogger)
  const printed = log.format === "json" ? json : Logger.prettyLogger()
  return Layer.merge(
    Logger.replace(Logger.defaultLogger, log.level === "debug" ? printed : withMaskedPhones(printed)),
    Logger.minimumLogLevel(levels[log.level])
  )
}
