// `opt-outs list|add|remove`: the contacts who asked not to be sent a channel's messages, for the operator (a customer
// who asked by phone, or one who wants them again). The same store the running servers read: /message to an opted-out
// contact is refused at once.
import { Clock, Console, Effect } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { Store } from "../stores/Store.ts"
import { UsageError } from "./Cli.ts"

/** The channel a name (or channel id) on the command line means. */
const channelNamed = (name: string) =>
  Effect.flatMap(AppConfig, ({ channels }) => {
    const channel = channels.find((c) => c.name === name) ?? channels.find((c) => c.channelId === name)
    return channel
      ? Effect.succeed(channel)
      : Effect.fail(new UsageError({ message: `no channel is named ${name} (channels: ${channels.map((c) => c.name).join(", ")})` }))
  })

const e164 = (contact: string) =>
  /^\+[1-9][0-9]{6,14}$/.test(contact)
    ? Effect.succeed(contact)
    : Effect.fail(new UsageError({ message: `${contact} is not a phone number in E.164 form (+61411111111)` }))

export const listOptOuts = Effect.gen(function*() {
  const { channels } = yield* AppConfig
  const optOuts = yield* (yield* Store).optOuts()
  if (optOuts.length === 0) return yield* Console.log("no opt-outs")
  const name = (id: string) => channels.find((c) => c.channelId === id)?.name ?? id
  yield* Console.log(["since".padEnd(24), "channel".padEnd(12), "contact".padEnd(16), "how"].join("  "))
  for (const o of optOuts) {
    yield* Console.log([new Date(o.at).toISOString().padEnd(24), name(o.channelId).padEnd(12), o.contactId.padEnd(16), o.keyword].join("  "))
  }
})

export const addOptOut = (channelName: string, contact: string) =>
  Effect.gen(function*() {
    const channel = yield* channelNamed(channelName)
    const contactId = yield* e164(contact)
    const store = yield* Store
    const before = yield* store.optedOut(channel.channelId, contactId)
    if (before) return yield* Console.log(`${contactId} had opted out of ${channel.name} already (${before.keyword})`)
    if (!(yield* store.optOut(channel.channelId, contactId, "OPERATOR", yield* Clock.currentTimeMillis))) {
      // Only a START dated after now can outrank the operator: a phone whose clock runs ahead.
      return yield* new UsageError({
        message: `${contactId} was not opted out: their latest START is dated after now (their phone's clock runs ahead); try again later`
      })
    }
    yield* Console.log(`${contactId} opted out of ${channel.name}: nothing is sent to them until they text START or this is removed`)
  })

export const removeOptOut = (channelName: string, contact: string) =>
  Effect.gen(function*() {
    const channel = yield* channelNamed(channelName)
    const contactId = yield* e164(contact)
    const store = yield* Store
    const before = yield* store.optedOut(channel.channelId, contactId)
    if (!before) return yield* Console.log(`${contactId} had not opted out of ${channel.name}`)
    // The operator's word undoes the opt-out, however recent (a contact's clock may run ahead); a STOP the contact
    // sends after it counts again.
    const removed = yield* store.optIn(channel.channelId, contactId, "OPERATOR", Math.max(yield* Clock.currentTimeMillis, before.at + 1))
    yield* Console.log(removed ? `${contactId} opted back in to ${channel.name}` : `${contactId} had opted back in already`)
  })
