import { Effect } from "effect"
import { Codecs } from "../src/services/Codecs.ts"
const run = (m: unknown) => Effect.runPromise(Effect.flip(Effect.flatMap(Codecs, (c) => c.outgoingRequest({ channelId: "c", contactId: "+60177872890", message: m }))).pipe(Effect.provide(Codecs.Default))).then((e) => console.log(e.message))
await run({ type: "sticker" })
await run({ type: "attachment", attachment: { type: "doc", url: "u" } })
await run({ type: "location", latitude: 1 })
await run(null)
