// What a valid configuration can still get wrong, said by check-config, the start-up log, /readyz and dead letters.
import type { ChannelConfig } from "./ChannelConfig.ts"
import { platformWarnings } from "../registry.ts"
import { warningsOfLoad } from "./loadConfig.ts"

/** An answer whose keywords were all taken away is never sent: likely not what the operator meant. */
const unreachableReplies = (config: ChannelConfig) =>
  config.channels.flatMap((channel, i) =>
    (["stop", "start", "help"] as const).flatMap((kind) =>
      channel.optOut.replies[kind] !== undefined && channel.optOut[kind].length === 0
        ? [`channels[${i}].optOut.replies.${kind} is never sent: channels[${i}].optOut.${kind} lists no keyword`]
        : []
    )
  )

/** One line per problem, each naming the channel or the setting it is about. */
export const configWarnings = (config: ChannelConfig): ReadonlyArray<string> => [
  ...platformWarnings(config),
  ...warningsOfLoad(config),
  ...unreachableReplies(config),
  ...(config.delivery.retry.maxAttempts === undefined ? [] : [
    "delivery.retry.maxAttempts is no longer used and is ignored: an event the webhook keeps failing is retried until " +
    `delivery.retry.giveUpAfterMs (${config.delivery.retry.giveUpAfterMs} ms) has passed since it was accepted; remove the key`
  ])
]
