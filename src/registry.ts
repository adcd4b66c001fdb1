// The plugins this build knows. Adding a provider is a folder under src/providers/ and a line in `providers`;
// adding a platform, a folder under src/platforms/ and a line in `platforms`.
import { Schema } from "effect"
import { ClickSendProvider } from "./providers/clicksend/ClickSendProvider.ts"
import { ClickSendSettings } from "./providers/clicksend/settings.ts"
import { RespondIoPlatform } from "./platforms/respondio/RespondIoPlatform.ts"

export const providers = {
  clicksend: { settings: ClickSendSettings, layer: ClickSendProvider }
} as const

export const platforms = {
  "respond.io": RespondIoPlatform,
  "is-messenger": RespondIoPlatform
} as const

/** The provider settings of every known provider, told apart by `plugin`. */
export const providerSettings = Schema.Union(...Object.values(providers).map((p) => p.settings))
