// The plugins this build knows. Adding a provider is a folder under src/providers/ and a line in `providers`;
// adding a platform, a folder under src/platforms/ and a line in `platforms`; a store, src/stores/ and `stores`.
import { Schema } from "effect"
import { ClickSendProvider } from "./providers/clicksend/ClickSendProvider.ts"
import { startDemo as clicksendDemo } from "./providers/clicksend/demo.ts"
import { startDemo as telnyxDemo } from "./providers/telnyx/demo.ts"
import { ClickSendSettings } from "./providers/clicksend/settings.ts"
import { accountLine as clickSendAccount, clickSendApi, setUp as clickSendSetUp } from "./providers/clicksend/setup.ts"
import type { ProviderOperator } from "./providers/ProviderSetup.ts"
import { accountLine as telnyxAccount, setUp as telnyxSetUp, telnyxApi } from "./providers/telnyx/setup.ts"
import { TelnyxProvider } from "./providers/telnyx/TelnyxProvider.ts"
import { TelnyxSettings } from "./providers/telnyx/settings.ts"
import type { Channel } from "./config/ChannelConfig.ts"
import { RespondIoPlatform } from "./platforms/respondio/RespondIoPlatform.ts"
import { SqliteStoreLive } from "./stores/sqlite/SqliteStore.ts"
import * as sqlite from "./stores/sqlite/settings.ts"
import { StoreLockLive } from "./stores/sqlite/storeLock.ts"
import { describeUrl } from "./stores/postgres/connection.ts"
import { PostgresStoreLive } from "./stores/postgres/PostgresStore.ts"
import { PostgresSettings } from "./stores/postgres/settings.ts"
import { copyFromSqlite } from "./stores/postgres/copyFromSqlite.ts"
import { Layer } from "effect"
import * as respondIo from "./platforms/respondio/settings.ts"
import { startDemoWebhook } from "./platforms/respondio/simulator.ts"

export const providers = {
  clicksend: {
    settings: ClickSendSettings,
    layer: ClickSendProvider,
    demo: clicksendDemo,
    /** `setup` and `check-config --online`: the account, its numbers, the rules that push here. */
    operator: {
      setUp: clickSendSetUp,
      account: (provider: unknown) => clickSendAccount(clickSendApi(provider as ClickSendSettings))
    } satisfies ProviderOperator
  },
  telnyx: {
    settings: TelnyxSettings,
    layer: TelnyxProvider,
    demo: telnyxDemo,
    /** The account's balance, the messaging profiles holding the channels' numbers, their webhook URL. */
    operator: { setUp: telnyxSetUp, account: (provider: unknown) => telnyxAccount(telnyxApi(provider as TelnyxSettings)) } satisfies ProviderOperator
  }
} as const

const respondIoPlatform = {
  layer: RespondIoPlatform,
  webhookUrl: respondIo.webhookUrlOf,
  warnings: respondIo.warnings,
  problem: respondIo.webhookProblem,
  simulator: startDemoWebhook
}

/** respond.io and IS-Messenger are one platform with two presets. */
export const platforms = {
  "respond.io": respondIoPlatform,
  "is-messenger": respondIoPlatform
} as const

export const platformSettings = respondIo.RespondIoSettings
export const defaultPlatform = respondIo.defaultSettings

/** Where a channel's events go. */
/** The part of a configuration the platform reads (typed apart from the whole, which is built from this file). */
interface PlatformPart {
  readonly platform: typeof platformSettings.Type
  readonly channels: ReadonlyArray<Channel>
}

export const webhookUrlOf = (config: Pick<PlatformPart, "platform">, channel: Channel): string =>
  platforms[config.platform.plugin].webhookUrl(config.platform, channel)

/** What in a valid configuration the operator should still change, said by the platform, one line each. */
export const platformWarnings = (config: PlatformPart): ReadonlyArray<string> => platforms[config.platform.plugin].warnings(config)

/** A setting the platform cannot work without, as a config error (path and message), if one is missing. */
export const platformProblem = (config: PlatformPart): { readonly path: ReadonlyArray<string>; readonly message: string } | undefined =>
  platforms[config.platform.plugin].problem(config)

/** The provider settings of every known provider, told apart by `plugin`. */
export const providerSettings = Schema.Union(...Object.values(providers).map((p) => p.settings))

/** Each provider's demo: its simulator and how a customer's text reaches the bridge through it. */
export const demos = Object.fromEntries(Object.entries(providers).map(([name, p]) => [name, p.demo]))

export const stores = {
  /** One process owns the file: the lock beside it says so before anything else touches it. */
  sqlite: {
    settings: sqlite.SqliteSettings,
    layer: SqliteStoreLive,
    lock: StoreLockLive,
    describe: (s: StoreSettings) => `sqlite ${(s as sqlite.SqliteSettings).path}`,
    /** A relative path is the configuration file's folder's (and an older install's store is found where it is). */
    locate: (s: StoreSettings, configDir: string, workingDir: string, fs: sqlite.FileSystem, existing: boolean) =>
      sqlite.locate(s as sqlite.SqliteSettings, configDir, workingDir, fs, existing)
  },
  /** Several replicas on one database: each channel's delivery is owned by one of them at a time (a lease). */
  postgres: {
    settings: PostgresSettings,
    layer: PostgresStoreLive,
    lock: Layer.empty,
    describe: (s: StoreSettings) => describeUrl((s as PostgresSettings).url),
    /** `channel-server store copy-from-sqlite <file>`: a SQLite store's work moved in. */
    copyFromSqlite
  }
} as const

export const storeSettings = Schema.Union(sqlite.SqliteSettings, PostgresSettings)
type StoreSettings = typeof storeSettings.Type

/** Which store, and where, in words that never hold a secret: "sqlite ./data/channel.db", "postgres db.internal:5432/bridge". */
export const describeStore = (settings: StoreSettings): string => stores[settings.plugin].describe(settings)
export const defaultStore = sqlite.defaultSettings
