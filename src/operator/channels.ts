// Channels as the operator names them: the channel a name means (on the command line, in the admin API), and the name
// of the channel an id in the store belongs to.
import { Effect } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { InvalidPayload } from "../domain/errors.ts"

/** The channel a name (or channel id) means, or a 400 that lists the channels. */
export const channelNamed = (name: string) =>
  Effect.flatMap(AppConfig, ({ channels }) => {
    const channel = channels.find((c) => c.name === name) ?? channels.find((c) => c.channelId === name)
    return channel
      ? Effect.succeed(channel)
      : Effect.fail(new InvalidPayload({ message: `no channel is named ${name} (channels: ${channels.map((c) => c.name).join(", ")})` }))
  })

/** The name of the channel with this id: the id itself for one no longer configured. */
export const channelNames = Effect.map(AppConfig, ({ channels }) => (id: string) => channels.find((c) => c.channelId === id)?.name ?? id)
