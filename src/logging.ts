// The operator's logs: one JSON object per line (or pretty for a terminal), phone numbers masked but at debug.
import { HashMap, Inspectable, Layer, Logger, LogLevel } from "effect"
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

/** The same logger, with every phone number in messages and annotations masked (for the pretty logger). */
const withMaskedPhones = <O>(logger: Logger.Logger<unknown, O>) =>
  Logger.mapInputOptions(logger, (options) => ({
    ...options,
    message: maskIn(options.message),
    annotations: HashMap.map(options.annotations, maskIn)
  }))

const maskIn = (value: unknown): unknown =>
  typeof value === "string" ? maskPhones(value) : Array.isArray(value) ? value.map(maskIn) : value

// A cause's own lines are masked, not its stack frames (a column of a minified bundle can have 7 digits).
const maskCause = (cause: unknown) =>
  typeof cause === "string" ? cause.split("\n").map((l) => (/^\s+at /.test(l) ? l : maskPhones(l))).join("\n") : cause

/**
 * JSON.stringify's replacer for a masked line: every string (and BigInt) but the already masked cause, at any
 * depth, after toJSON; a value met again is "[Circular]", as in Effect's own logger. It never throws.
 */
const masking = () => {
  const seen = new WeakSet<object>()
  return (key: string, value: unknown) => {
    if (typeof value === "string") return key === "cause" ? value : maskPhones(value)
    if (typeof value === "bigint") return maskPhones(String(value))
    if (typeof value !== "object" || value === null) return value
    if (seen.has(value)) return "[Circular]"
    seen.add(value)
    return value
  }
}

// An Error has no enumerable fields of its own: say at least its name and message.
const errorFields = (value: unknown) =>
  value instanceof Error && !("toJSON" in value) ? { ...value, name: value.name, message: value.message } : value

/**
 * One JSON object per line, with the fields of Effect's JSON logger (message, logLevel, timestamp, cause,
 * annotations, spans, fiberId), phone numbers masked when `masked`: in the message and the annotations at any
 * depth, and in the cause's text. Built on the structured logger's plain object and masked as it is written,
 * with no second pass over the entry.
 */
export const jsonLines = (masked: boolean): Logger.Logger<unknown, string> =>
  Logger.map(Logger.structuredLogger, (entry) => {
    const message = Array.isArray(entry.message) ? entry.message.map(errorFields) : errorFields(entry.message)
    const line = { ...entry, message, cause: masked ? maskCause(entry.cause) : entry.cause }
    try {
      return masked ? JSON.stringify(line, masking()) : JSON.stringify(line)
    } catch {
      // Unmasked (debug), a circular value or a BigInt deep inside: Effect's own way of printing it.
      return Inspectable.stringifyCircular(line)
    }
  })

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
  const masked = log.level !== "debug"
  const lines = jsonLines(masked)
  const printed = log.format === "pretty"
    ? (masked ? withMaskedPhones(Logger.prettyLogger()) : Logger.prettyLogger())
    : write === "batched"
    ? Logger.map(lines, stdoutLines())
    : Logger.withConsoleLog(lines)
  return Layer.merge(Logger.replace(Logger.defaultLogger, printed), Logger.minimumLogLevel(levels[log.level]))
}
