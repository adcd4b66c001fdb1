// What a valid configuration can still get wrong, said by check-config, the start-up log, /readyz and dead letters.
import { type Channel, type ChannelConfig, webhookUrlOf } from "./ChannelConfig.ts"

const oldHost = "app.respond.io"
const newHost = "webhook.respond.io"

/** True for a URL on respond.io's webhook host before August 2026, which no longer takes events. */
export const isOldRespondIoHost = (url: string): boolean => URL.canParse(url) && new URL(url).hostname.toLowerCase() === oldHost

/** What changed, and where in respond.io the operator finds the URL to use instead. */
export const oldHostAdvice = (channel: Channel, index: number): string =>
  `${oldHost} is respond.io's old webhook host: on 5 August 2026 respond.io moved custom channel webhooks to ${newHost}, ` +
  `and events posted to the old host are no longer delivered; copy the channel's webhook URL from respond.io ` +
  `(Settings > Channels > the channel "${channel.name}" > Configuration) into channels[${index}].webhookUrl`

/** One line per problem, each naming the channel or the setting it is about. */
export const configWarnings = (config: ChannelConfig): ReadonlyArray<string> => [
  ...config.channels.flatMap((channel, i) =>
    isOldRespondIoHost(webhookUrlOf(config.platform, channel))
      ? [`channel ${channel.name}: its events go to ${oldHost}; ${oldHostAdvice(channel, i)}`]
      : []
  ),
  ...(config.delivery.retry.maxAttempts === undefined ? [] : [
    "delivery.retry.maxAttempts is no longer used and is ignored: an event the webhook keeps failing is retried until " +
    `delivery.retry.giveUpAfterMs (${config.delivery.retry.giveUpAfterMs} ms) has passed since it was accepted; remove the key`
  ])
]
