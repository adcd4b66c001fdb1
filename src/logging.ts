// The operator's logs: one JSON object per line (or pretty for a terminal), phone numbers masked but at debug.
import { HashMap, Layer, Logger, LogLevel } from "effect"
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

/** The logger the configuration asks for, in place of Effect's default one. */
export const loggerFor = (log: ChannelConfig["log"]): Layer.Layer<never> => {
  const printed = log.format === "json" ? Logger.withConsoleLog(Logger.jsonLogger) : Logger.prettyLogger()
  return Layer.merge(
    Logger.replace(Logger.defaultLogger, log.level === "debug" ? printed : withMaskedPhones(printed)),
    Logger.minimumLogLevel(levels[log.level])
  )
}
