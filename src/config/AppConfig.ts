// The decoded configuration, as a service every layer reads from (only its type comes from the schema, so that
// plugins can read it while the schema is built from theirs).
import { Context } from "effect"
import type { ChannelConfig } from "./ChannelConfig.ts"

export class AppConfig extends Context.Tag("AppConfig")<AppConfig, ChannelConfig>() {}
