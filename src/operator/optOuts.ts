// What the operator does with opt-outs, once for both of their tools (the command line prints it, the console's API
// answers it as JSON): opt a contact out (a customer who asked by phone) or back in. The same store the running
// servers read: /message to an opted-out contact is refused at once.
import { Clock, Effect } from "effect"
import { InvalidPayload } from "../domain/errors.ts"
import { Store } from "../stores/Store.ts"
import { channelNamed } from "./channels.ts"

/** What a change did: `unchanged` when there was nothing to do, `refused` when it could not be made; in words. */
export interface Change {
  readonly outcome: "changed" | "unchanged" | "refused"
  readonly message: string
}

const e164 = (contact: string) =>
  /^\+[1-9][0-9]{6,14}$/.test(contact)
    ? Effect.succeed(contact)
    // Not said back: a number written some other way would not be masked where this is shown.
    : Effect.fail(new InvalidPayload({ message: "contact: must be a phone number in E.164 form, like +61411111111" }))

/** The channel and contact a change names, and the contact's opt-out of it as it stands. */
const standing = (channelName: string, contact: string) =>
  Effect.gen(function*() {
    const channel = yield* channelNamed(channelName)
    const contactId = yield* e164(contact)
    const store = yield* Store
    return { channel, contactId, store, before: yield* store.optedOut(channel.channelId, contactId) }
  })

/** Opts the contact out of the channel, as the operator (keyword OPERATOR). */
export const addOptOut = (channelName: string, contact: string) =>
  Effect.gen(function*() {
    const { before, channel, contactId, store } = yield* standing(channelName, contact)
    if (before) return { outcome: "unchanged", message: `${contactId} had opted out of ${channel.name} already (${before.keyword})` } satisfies Change
    if (!(yield* store.optOut(channel.channelId, contactId, "OPERATOR", yield* Clock.currentTimeMillis))) {
      // Only a START dated after now can outrank the operator: a phone whose clock runs ahead.
      return {
        outcome: "refused",
        message: `${contactId} was not opted out: their latest START is dated after now (their phone's clock runs ahead); try again later`
      } satisfies Change
    }
    return {
      outcome: "changed",
      message: `${contactId} opted out of ${channel.name}: nothing is sent to them until they text START or this is removed`
    } satisfies Change
  })

/** Opts the contact back in to the channel, however recent their opt-out. */
export const removeOptOut = (channelName: string, contact: string) =>
  Effect.gen(function*() {
    const { before, channel, contactId, store } = yield* standing(channelName, contact)
    if (!before) return { outcome: "unchanged", message: `${contactId} had not opted out of ${channel.name}` } satisfies Change
    // The operator's word undoes the opt-out, however recent (a contact's clock may run ahead); a STOP the contact
    // sends after it counts again.
    const removed = yield* store.optIn(channel.channelId, contactId, "OPERATOR", Math.max(yield* Clock.currentTimeMillis, before.at + 1))
    return removed
      ? { outcome: "changed", message: `${contactId} opted back in to ${channel.name}` } satisfies Change
      : { outcome: "unchanged", message: `${contactId} had opted back in already` } satisfies Change
  })
