// `opt-outs list|add|remove`: the contacts who asked not to be sent a channel's messages, for the operator (a customer
// who asked by phone, or one who wants them again). The same store the running servers read: /message to an opted-out
// contact is refused at once.
import { Console, Effect } from "effect"
import { channelNames } from "../operator/channels.ts"
import { Store } from "../stores/Store.ts"
import * as operator from "../operator/optOuts.ts"
import type { Change } from "../operator/optOuts.ts"
import { asUsageError, UsageError } from "./Cli.ts"

export const listOptOuts = Effect.gen(function*() {
  const optOuts = yield* (yield* Store).optOuts()
  if (optOuts.length === 0) return yield* Console.log("no opt-outs")
  const name = yield* channelNames
  yield* Console.log(["since".padEnd(24), "channel".padEnd(12), "contact".padEnd(16), "how"].join("  "))
  for (const o of optOuts) {
    yield* Console.log([new Date(o.at).toISOString().padEnd(24), name(o.channelId).padEnd(12), o.contactId.padEnd(16), o.keyword].join("  "))
  }
})

/** Says what a change did; a change that could not be made is a usage error (exit 64). */
const said = (change: Change) =>
  change.outcome === "refused" ? Effect.fail(new UsageError({ message: change.message })) : Console.log(change.message)

export const addOptOut = (channelName: string, contact: string) => Effect.flatMap(asUsageError(operator.addOptOut(channelName, contact)), said)

export const removeOptOut = (channelName: string, contact: string) => Effect.flatMap(asUsageError(operator.removeOptOut(channelName, contact)), said)
