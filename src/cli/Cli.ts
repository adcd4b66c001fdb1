// The command line, built with @effect/cli: serve (the default), check-config [--online], setup, demo,
// dead-letters list|show|replay|resolve, opt-outs list|add|remove, store copy-from-sqlite.
import { Args, Command, Options } from "@effect/cli"
import { Console, Data, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"
import { stores, webhookUrlOf } from "../registry.ts"
import type { ChannelConfig } from "../config/ChannelConfig.ts"
import { parseEnvFile } from "../config/envFile.ts"
import { ConfigError } from "../config/ConfigError.ts"
import { loadConfig, loadStoreOnlyConfig, warningsOfLoad } from "../config/loadConfig.ts"
import { configWarnings } from "../config/warnings.ts"
import { loggerFor } from "../logging.ts"

/** A command line that parses but does not make sense (exit 64). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** What the operator's shared actions refuse (an unknown id or channel, a malformed number) as a usage error (exit 64). */
export const asUsageError = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    effect,
    (e): e is E & { readonly _tag: "NotFound" | "InvalidPayload"; readonly message: string } =>
      typeof e === "object" && e !== null && "_tag" in e && (e._tag === "NotFound" || e._tag === "InvalidPayload"),
    (e) => Effect.fail(new UsageError({ message: e._tag === "NotFound" ? `${e.message} (dead-letters list shows them)` : e.message }))
  )

/** Something outside the bridge did not answer as it must: the provider, a webhook host (exit 69, EX_UNAVAILABLE). */
export class Unavailable extends Data.TaggedError("Unavailable")<{ readonly message: string }> {
  static readonly exitCode = 69
}

const configOption = Options.file("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("the configuration file (see config/channel.config.schema.json); default ./channel.config.json")
)
const config = Options.optional(configOption)
const envFile = Options.file("env-file").pipe(
  Options.withDescription("variables for the configuration's ${VARS}, in systemd's EnvironmentFile syntax (the service's own file); they win over the environment"),
  Options.optional
)
/** What every command takes, before or after its name. */
const common = { config, envFile }
type Common = { readonly config: Option.Option<string>; readonly envFile: Option.Option<string> }

/** The command line's own root, so that `channel-server --config F <command>` means F too. */
const rootCommand = Command.make("channel-server", common)

const defaultConfigFile = "channel.config.json"

/** The file a command works on and the environment it reads: its own options, else those given before it. */
const settingsFrom = (own: Common, root: Common) =>
  Effect.gen(function*() {
    const file = Option.getOrElse(Option.orElse(own.config, () => root.config), () => defaultConfigFile)
    const variables = Option.orElse(own.envFile, () => root.envFile)
    if (Option.isNone(variables)) return { file, env: process.env }
    const text = yield* Effect.try({
      try: () => fs.readFileSync(variables.value, "utf8"),
      catch: (e) => new ConfigError({ message: `${variables.value}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` })
    })
    return { file, env: { ...process.env, ...parseEnvFile(text) } }
  })
const settingsOf = (own: Common) => Effect.flatMap(rootCommand, (root) => settingsFrom(own, root))

/** The configuration; with `existing` (a command on a server's store), its store must be there already. */
const loadedFrom = <R>(settings: Effect.Effect<{ file: string; env: Record<string, string | undefined> }, ConfigError, R>, existing = false) =>
  Effect.flatMap(settings, ({ env, file }) => loadConfig(file, env, existing))
const loaded = (own: Common) => loadedFrom(settingsOf(own))

// The server, the demo and the store's commands are loaded when they run, so the others start in half the time.
const serveWith = <R>(config: Effect.Effect<ChannelConfig, ConfigError, R>) =>
  Effect.flatMap(config, (config) =>
    Effect.promise(() => import("../Bridge.ts")).pipe(
      Effect.flatMap(({ bridge }) => Layer.launch(bridge(config))),
      Effect.provide(loggerFor(config.log, "batched"))
    ))

/** A command that works on the store of the configuration (one a server made) with the configured provider, without serving. */
const withProvider = <A, E>(own: Common, use: (commands: typeof import("./deadLetters.ts")) => Effect.Effect<A, E, any>) =>
  Effect.flatMap(loadedFrom(settingsOf(own), true), (config) =>
    Effect.flatMap(Effect.promise(() => import("./deadLetters.ts")), (commands) =>
      use(commands).pipe(Effect.provide(commands.cliLayer(config)), Effect.provide(Layer.succeed(AppConfig, config))) as Effect.Effect<A, E>).pipe(
        Effect.provide(loggerFor(config.log))
      ))

/**
 * A command that only works on the store: it needs the store's settings and the channels' names, not the secrets
 * (StoreOnlyConfig). The store reads nothing of its configuration but `store` and `delivery`, which that has.
 */
const withStore = <A, E>(own: Common, use: Effect.Effect<A, E, any>) =>
  Effect.gen(function*() {
    const { env, file } = yield* settingsOf(own)
    const config = yield* loadStoreOnlyConfig(file, env)
    for (const warning of warningsOfLoad(config)) yield* Console.error(`warning: ${warning}`)
    const asAppConfig = Layer.succeed(AppConfig, config as unknown as ChannelConfig)
    return yield* (use.pipe(Effect.provide(stores[config.store.plugin].layer), Effect.provide(asAppConfig), Effect.provide(loggerFor(config.log))) as Effect.Effect<A, E>)
  })

const deadLetterCommands = Effect.promise(() => import("./deadLetters.ts"))
const optOutCommands = Effect.promise(() => import("./optOuts.ts"))

/** A dead letter's id as typed: a number, or a line saying so (not a parser's message). */
const idOf = (command: string, text: string) =>
  /^[0-9]+$/.test(text)
    ? Effect.succeed(Number(text))
    : Effect.fail(new UsageError({ message: `dead-letters ${command}: ${text}: must be a number, a dead letter's id (dead-letters list shows them)` }))

const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("the dead letter's id, as dead-letters list shows it"), Args.optional)
const json = Options.boolean("json").pipe(Options.withDescription("print JSON, for scripts"))

/** One id or --all, as `command` takes them. */
const oneOrAll = (command: string, all: boolean, id: Option.Option<string>): Effect.Effect<number | "all", UsageError> =>
  all === Option.isSome(id)
    ? Effect.fail(new UsageError({ message: `dead-letters ${command} takes one id or --all` }))
    : Option.isSome(id)
    ? idOf(command, id.value)
    : Effect.succeed("all" as const)

const serve = Command.make("serve", common, (own) => serveWith(loaded(own))).pipe(
  Command.withDescription("Serve the bridge until SIGTERM or SIGINT (the default command)")
)

const online = Options.boolean("online").pipe(
  Options.withDescription("also check the provider's credentials and that each webhook host answers over TLS (exit 69 when one fails)")
)

const checkConfig = Command.make("check-config", { ...common, online }, (own) =>
  Effect.gen(function*() {
    const { file } = yield* settingsOf(own)
    const config = yield* loaded(own)
    // Each channel with the webhook URL its events go to, whether its own or the platform's.
    const channels = config.channels.map((c) => ({ ...c, webhookUrl: webhookUrlOf(config, c) }))
    yield* Console.log(JSON.stringify({ ...config, channels }, null, 2))
    for (const warning of configWarnings(config)) yield* Console.error(`warning: ${warning}`)
    yield* Console.error(`${file}: valid`)
    if (!own.online) return
    const { onlineChecks } = yield* Effect.promise(() => import("./online.ts"))
    const checked = yield* onlineChecks(config)
    for (const line of checked.lines) yield* Console.error(line)
    if (!checked.ok) return yield* new Unavailable({ message: "an online check failed (see above)" })
  })).pipe(
    Command.withDescription(
      "Validate the configuration, resolve its ${VARS} and print the result with every secret redacted (exit 0, or 78; with --online, 69 when a check fails)"
    )
  )

const setup = Command.make("setup", {
  ...common,
  publicUrl: Options.text("public-url").pipe(Options.withDescription("where the provider reaches this bridge, https://your.host")),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("print what would be changed, and change nothing"))
}, (own) =>
  Effect.gen(function*() {
    const config = yield* loaded(own)
    if (!/^https?:\/\/[^/?#\s]+\/?$/.test(own.publicUrl)) {
      return yield* new UsageError({ message: `--public-url ${own.publicUrl}: must be the bridge's origin alone, like https://your.host` })
    }
    const { operatorOf } = yield* Effect.promise(() => import("./online.ts"))
    const operator = operatorOf(config)
    if (!own.publicUrl.startsWith("https://")) yield* Console.error("warning: --public-url is not https: the push secret would travel unencrypted")
    yield* operator.setUp(config, own.publicUrl, own.dryRun, (line) => Console.log(line)).pipe(
      Effect.catchTag("SetupError", (e) => new Unavailable({ message: e.message }))
    )
  })).pipe(
    Command.withDescription("Check the provider's credentials, match its numbers to the channels, and create or update the rules that push to --public-url (idempotent; --dry-run changes nothing)")
  )

const demo = Command.make("demo", {
  once: Options.boolean("once").pipe(Options.withDescription("exit after one message each way")),
  port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("the bridge's port (0: any free one)")),
  provider: Options.text("provider").pipe(Options.optional, Options.withDescription("the simulated SMS provider, by its plugin name (default: the first one the build knows)"))
}, ({ once, port, provider }) =>
  Effect.flatMap(Effect.promise(() => import("../demo.ts")), ({ runDemo }) => runDemo({ once, port, provider: Option.getOrUndefined(provider) }))).pipe(
  Command.withDescription("Run the bridge between a simulated SMS provider and a simulated webhook, on loopback; no accounts needed")
)

const list = Command.make("list", { ...common, json }, (own) => withStore(own, Effect.flatMap(deadLetterCommands, (c) => c.listDeadLetters(own.json)))).pipe(
  Command.withDescription("List what could not be delivered, and the pushes that fit no channel")
)

const show = Command.make("show", { ...common, json, id: Args.text({ name: "id" }).pipe(Args.withDescription("the dead letter's id, as dead-letters list shows it")) }, (own) =>
  Effect.flatMap(idOf("show", own.id), (id) => withStore(own, Effect.flatMap(deadLetterCommands, (c) => c.showDeadLetter(id, own.json))))).pipe(
    Command.withDescription("Show one dead letter whole: its body, and why (the webhook's answer: status and the start of its body)")
  )

const replay = Command.make("replay", { ...common, all: Options.boolean("all").pipe(Options.withDescription("replay every dead letter")), id: idArg }, (own) =>
  Effect.gen(function*() {
    const which = yield* oneOrAll("replay", own.all, own.id)
    yield* withProvider(own, (commands) => commands.replayDeadLetters(which))
  })).pipe(
    Command.withDescription("Send dead letters again: one by id, or --all")
  )

const resolve = Command.make("resolve", { ...common, all: Options.boolean("all").pipe(Options.withDescription("resolve every dead letter")), id: idArg }, (own) =>
  Effect.flatMap(oneOrAll("resolve", own.all, own.id), (which) => withStore(own, Effect.flatMap(deadLetterCommands, (c) => c.resolveDeadLetters(which))))).pipe(
    Command.withDescription("Mark dead letters handled: kept as history, no longer listed or counted (ccs_dead_letters, /readyz)")
  )

const deadLetters = Command.make("dead-letters").pipe(
  Command.withDescription("What could not be delivered"),
  Command.withSubcommands([list, show, replay, resolve])
)

const channelArg = Args.text({ name: "channel" }).pipe(Args.withDescription("the channel's name (or its channelId)"))
const contactArg = Args.text({ name: "contact" }).pipe(Args.withDescription("the contact's phone number, E.164 (+61411111111)"))

const optOuts = Command.make("opt-outs").pipe(
  Command.withDescription("Contacts who asked not to be sent a channel's messages (STOP)"),
  Command.withSubcommands([
    Command.make("list", common, (own) => withStore(own, Effect.flatMap(optOutCommands, (c) => c.listOptOuts))).pipe(
      Command.withDescription("List every opt-out: when, which channel, which contact, and how (the keyword, or OPERATOR)")
    ),
    Command.make("add", { ...common, channel: channelArg, contact: contactArg }, (own) =>
      withStore(own, Effect.flatMap(optOutCommands, (c) => c.addOptOut(own.channel, own.contact)))).pipe(
        Command.withDescription("Opt a contact out (a customer who asked by phone): /message to them is refused")
      ),
    Command.make("remove", { ...common, channel: channelArg, contact: contactArg }, (own) =>
      withStore(own, Effect.flatMap(optOutCommands, (c) => c.removeOptOut(own.channel, own.contact)))).pipe(
        Command.withDescription("Opt a contact back in")
      )
  ])
)

const copyFromSqliteCommand = Command.make("copy-from-sqlite", {
  ...common,
  file: Args.file({ name: "sqlite-file", exists: "yes" }).pipe(Args.withDescription("the SQLite store to copy (its server stopped)"))
}, (own) =>
  Effect.gen(function*() {
    const config = yield* loaded(own)
    const { copyIntoStore } = yield* Effect.promise(() => import("./copyStore.ts"))
    yield* copyIntoStore(own.file).pipe(Effect.provide(Layer.succeed(AppConfig, config)), Effect.provide(loggerFor(config.log)))
  })).pipe(
    Command.withDescription("Copy a SQLite store's pending events, dead letters, history, receipts and quick replies into the configured PostgreSQL store")
  )

const store = Command.make("store").pipe(
  Command.withDescription("Moving a store's work"),
  Command.withSubcommands([copyFromSqliteCommand])
)

const root = rootCommand.pipe(
  Command.withHandler((own) => serveWith(loadedFrom(settingsFrom(own, own)))),
  Command.withDescription(`SMS as a custom channel of a messaging platform, through the configured SMS provider.

Examples:
  channel-server                                  serve with ./channel.config.json
  channel-server --config /etc/channel-server/channel.config.json
  channel-server check-config --online --config channel.config.json
  channel-server setup --public-url https://your.host --dry-run
  channel-server demo
  channel-server dead-letters list
  channel-server dead-letters show 42
  channel-server dead-letters replay 42
  channel-server dead-letters replay --all
  channel-server dead-letters resolve 42
  channel-server --env-file /etc/channel-server/env dead-letters replay --all
  channel-server opt-outs list
  channel-server opt-outs add main +61411111111
  channel-server store copy-from-sqlite ./data/channel.db   (with a PostgreSQL store configured)`),
  Command.withSubcommands([serve, checkConfig, setup, demo, deadLetters, optOuts, store])
)

export const cli = Command.run(root, { name: "custom-channel-server", version: packageJson.version })
