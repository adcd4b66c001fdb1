// respond.io's settings: `"platform": { "plugin": "respond.io" | "is-messenger", ... }`, where each channel's events go,
// and what a valid configuration can still get wrong about them.
import { Schema } from "effect"
import { optionalUrl, PositiveInt, withDefault } from "../../config/fields.ts"
import type { Channel } from "../../config/ChannelConfig.ts"

/** respond.io's webhook since August 2026 (it moved from app.respond.io); each channel's own URL is on its Configuration page. */
export const RespondIoWebhookUrl = "https://webhook.respond.io/custom/channel/webhook/"

export const RespondIoSettings = Schema.Struct({
  plugin: withDefault(
    Schema.Literal("respond.io", "is-messenger").annotations({ message: () => ({ message: "must be \"respond.io\" or \"is-messenger\"", override: true }) }),
    "respond.io"
  ),
  webhookUrl: optionalUrl(
    `Where incoming events are posted, unless a channel has its own webhookUrl. Default for respond.io: ${RespondIoWebhookUrl}; for is-messenger, required unless every channel has its own`
  ),
  timeoutMs: withDefault(PositiveInt, 10_000)
})
export type RespondIoSettings = typeof RespondIoSettings.Type

export const defaultSettings: RespondIoSettings = { plugin: "respond.io", timeoutMs: 10_000 }

/** IS-Messenger has no default webhook: each channel needs one, its own or platform.webhookUrl. */
export const webhookProblem = (c: {
  readonly platform: RespondIoSettings
  readonly channels: ReadonlyArray<Channel>
}) => {
  if (c.platform.plugin !== "is-messenger" || c.platform.webhookUrl !== undefined) return undefined
  const i = c.channels.findIndex((ch) => ch.webhookUrl === undefined)
  return i === -1
    ? undefined
    : { path: ["platform", "webhookUrl"], message: `is required when plugin is is-messenger (channels[${i}] has no webhookUrl of its own)` }
}

/** Where a channel's events go: its own URL, else the platform's, else respond.io's default. */
export const webhookUrlOf = (platform: RespondIoSettings, channel: Channel): string =>
  channel.webhookUrl ?? platform.webhookUrl ?? RespondIoWebhookUrl

const oldHost = "app.respond.io"
const newHost = "webhook.respond.io"

/** True for a URL on respond.io's webhook host before August 2026, which no longer takes events. */
export const isOldRespondIoHost = (url: string): boolean => URL.canParse(url) && new URL(url).hostname.toLowerCase() === oldHost

/** What changed, and where in respond.io the operator finds the URL to use instead. */
export const oldHostAdvice = (channel: Channel, index: number): string =>
  `${oldHost} is respond.io's old webhook host: on 5 August 2026 respond.io moved custom channel webhooks to ${newHost}, ` +
  `and events posted to the old host are no longer delivered; copy the channel's webhook URL from respond.io ` +
  `(Settings > Channels > the channel "${channel.name}" > Configuration) into channels[${index}].webhookUrl`

/** The channels whose events go to respond.io's old host, one line each. */
export const warnings = (config: { readonly channels: ReadonlyArray<Channel>; readonly platform: RespondIoSettings }): ReadonlyArray<string> =>
  config.channels.flatMap((channel, i) =>
    isOldRespondIoHost(webhookUrlOf(config.platform, channel))
      ? [`channel ${channel.name}: its events go to ${oldHost}; ${oldHostAdvice(channel, i)}`]
      : []
  )
