// The command line, built with @effect/cli: serve (the default), check-config, demo, dead-letters list|replay,
// store copy-from-sqlite.
import { Args, Command, Options } from "@effect/cli"
import { Console, Data, Effect, Layer, Option } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { AppConfig } from "../config/AppConfig.ts"
import { webhookUrlOf } from "../registry.ts"
import { loadConfig } from "../config/loadConfig.ts"
import { configWarnings } from "../config/warnings.ts"
import { loggerFor } from "../logging.ts"

/** A command line that parses but does not make sense (exit 64). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

const configOption = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("the configuration file (see config/channel.config.schema.json); default ./channel.config.json")
)
const config = Options.optional(configOption)

/** The command line's own root, so that `channel-server --config F <command>` means F too. */
const rootCommand = Command.make("channel-server", { config })

/** The file a command works on: its own --config, else the one given before the command, else the default. */
const configFile = (own: Option.Option<string>) =>
  Effect.map(rootCommand, (root) => Option.getOrElse(Option.orElse(own, () => root.config), () => defaultConfigFile))

const defaultConfigFile = "channel.config.json"

// The server, the demo and the store's commands are loaded when they run, so the others start in half the time.
const serveWith = (file: string) =>
  Effect.flatMap(loadConfig(file), (loaded) =>
    Effect.promise(() => import("../Bridge.ts")).pipe(
      Effect.flatMap(({ bridge }) => Layer.launch(bridge(loaded))),
      Effect.provide(loggerFor(loaded.log, "batched"))
    ))

/** A command that works on the store of the configuration, without serving. */
const withStore = <A, E>(own: Option.Option<string>, use: (commands: typeof import("./deadLetters.ts")) => Effect.Effect<A, E, any>) =>
  Effect.flatMap(Effect.flatMap(configFile(own), loadConfig), (loaded) =>
    Effect.flatMap(Effect.promise(() => import("./deadLetters.ts")), (commands) =>
      use(commands).pipe(Effect.provide(commands.cliLayer(loaded)), Effect.provide(Layer.succeed(AppConfig, loaded))) as Effect.Effect<A, E>).pipe(
        Effect.provide(loggerFor(loaded.log))
      ))

const serve = Command.make("serve", { config }, ({ config }) => Effect.flatMap(configFile(config), serveWith)).pipe(
  Command.withDescription("Serve the bridge until SIGTERM or SIGINT (the default command)")
)

const checkConfig = Command.make("check-config", { config }, ({ config }) =>
  Effect.gen(function*() {
    const file = yield* configFile(config)
    const loaded = yield* loadConfig(file)
    // Each channel with the webhook URL its events go to, whether its own or the platform's.
    const channels = loaded.channels.map((c) => ({ ...c, webhookUrl: webhookUrlOf(loaded, c) }))
    yield* Console.log(JSON.stringify({ ...loaded, channels }, null, 2))
    for (const warning of configWarnings(loaded)) yield* Console.error(`warning: ${warning}`)
    yield* Console.error(`${file}: valid`)
  })).pipe(
    Command.withDescription(
      "Validate the configuration, resolve its ${VARS} and print the result with every secret redacted (exit 0, or 78)"
    )
  )

const demo = Command.make("demo", {
  once: Options.boolean("once").pipe(Options.withDescription("exit after one message each way")),
  port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("the bridge's port (0: any free one)")),
  provider: Options.text("provider").pipe(Options.optional, Options.withDescription("the simulated SMS provider, by its plugin name (default: the first one the build knows)"))
}, ({ once, port, provider }) =>
  Effect.flatMap(Effect.promise(() => import("../demo.ts")), ({ runDemo }) => runDemo({ once, port, provider: Option.getOrUndefined(provider) }))).pipe(
  Command.withDescription("Run the bridge between a simulated SMS provider and a simulated webhook, on loopback; no accounts needed")
)

const list = Command.make("list", { config }, ({ config }) => withStore(config, (commands) => commands.listDeadLetters)).pipe(
  Command.withDescription("List what could not be delivered, and the pushes that fit no channel")
)

const replay = Command.make("replay", {
  config,
  all: Options.boolean("all").pipe(Options.withDescription("replay every dead letter")),
  id: Args.integer({ name: "id" }).pipe(Args.optional)
}, ({ all, config, id }) =>
  Effect.gen(function*() {
    if (all === Option.isSome(id)) return yield* new UsageError({ message: "dead-letters replay takes one id or --all" })
    const replayed = yield* withStore(config, (commands) => commands.replayDeadLetters(Option.getOrElse(id, () => "all" as const)))
    if (replayed === 0 && Option.isSome(id)) return yield* new UsageError({ message: `no dead letter has id ${id.value}` })
  })).pipe(
    Command.withDescription("Send dead letters again: one by id, or --all")
  )

const deadLetters = Command.make("dead-letters").pipe(
  Command.withDescription("What could not be delivered"),
  Command.withSubcommands([list, replay])
)

const optOutCommand = <A>(run: (commands: typeof import("./optOuts.ts")) => Effect.Effect<A, unknown, any>) => (config: Option.Option<string>) =>
  withStore(config, () => Effect.flatMap(Effect.promise(() => import("./optOuts.ts")), run))

const channelArg = Args.text({ name: "channel" }).pipe(Args.withDescription("the channel's name (or its channelId)"))
const contactArg = Args.text({ name: "contact" }).pipe(Args.withDescription("the contact's phone number, E.164 (+61411111111)"))

const optOuts = Command.make("opt-outs").pipe(
  Command.withDescription("Contacts who asked not to be sent a channel's messages (STOP)"),
  Command.withSubcommands([
    Command.make("list", { config }, ({ config }) => optOutCommand((c) => c.listOptOuts)(config)).pipe(
      Command.withDescription("List every opt-out: when, which channel, which contact, and how (the keyword, or OPERATOR)")
    ),
    Command.make("add", { config, channel: channelArg, contact: contactArg }, ({ channel, config, contact }) =>
      optOutCommand((c) => c.addOptOut(channel, contact))(config)).pipe(
        Command.withDescription("Opt a contact out (a customer who asked by phone): /message to them is refused")
      ),
    Command.make("remove", { config, channel: channelArg, contact: contactArg }, ({ channel, config, contact }) =>
      optOutCommand((c) => c.removeOptOut(channel, contact))(config)).pipe(
        Command.withDescription("Opt a contact back in")
      )
  ])
)

const copyFromSqliteCommand = Command.make("copy-from-sqlite", {
  config,
  file: Args.file({ name: "sqlite-file", exists: "yes" }).pipe(Args.withDescription("the SQLite store to copy (its server stopped)"))
}, ({ config, file }) =>
  Effect.gen(function*() {
    const loaded = yield* loadConfig(yield* configFile(config))
    const { copyIntoStore } = yield* Effect.promise(() => import("./copyStore.ts"))
    yield* copyIntoStore(file).pipe(Effect.provide(Layer.succeed(AppConfig, loaded)), Effect.provide(loggerFor(loaded.log)))
  })).pipe(
    Command.withDescription("Copy a SQLite store's pending events, dead letters, history, receipts and quick replies into the configured PostgreSQL store")
  )

const store = Command.make("store").pipe(
  Command.withDescription("Moving a store's work"),
  Command.withSubcommands([copyFromSqliteCommand])
)

const root = rootCommand.pipe(
  Command.withHandler(({ config }) => serveWith(Option.getOrElse(config, () => defaultConfigFile))),
  Command.withDescription(`SMS as a custom channel of a messaging platform, through the configured SMS provider.

Examples:
  channel-server                                  serve with ./channel.config.json
  channel-server --config /etc/channel-server/channel.config.json
  channel-server check-config --config channel.config.json
  channel-server demo
  channel-server dead-letters list
  channel-server dead-letters replay 42
  channel-server dead-letters replay --all
  channel-server opt-outs list
  channel-server opt-outs add main +61411111111
  channel-server store copy-from-sqlite ./data/channel.db   (with a PostgreSQL store configured)`),
  Command.withSubcommands([serve, checkConfig, demo, deadLetters, optOuts, store])
)

export const cli = Command.run(root, { name: "custom-channel-server", version: packageJson.version })
