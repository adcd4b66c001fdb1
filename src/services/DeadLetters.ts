// Where pushes that fit no channel are kept for the operator: one JSON object per line, appended, never dropped.
import { Clock, Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { AppConfig } from "../config/ChannelConfig.ts"

export interface DeadLetter {
  readonly kind: "inbound" | "receipt"
  readonly reason: string
  /** The push as ClickSend sent it, minus our secret, so the operator can replay it. */
  readonly fields: Readonly<Record<string, unknown>>
}

export class DeadLetters extends Effect.Service<DeadLetters>()("DeadLetters", {
  effect: Effect.gen(function*() {
    const file = (yield* AppConfig).deadLetters.path
    yield* Effect.sync(() => fs.mkdirSync(path.dirname(file), { recursive: true }))
    return {
      file,
      record: (letter: DeadLetter) =>
        Effect.gen(function*() {
          const line = JSON.stringify({ at: new Date(yield* Clock.currentTimeMillis).toISOString(), ...letter })
          yield* Effect.tryPromise(() => fs.promises.appendFile(file, line + "\n", "utf8"))
        }).pipe(Effect.orDie, Effect.withSpan("DeadLetters.record"))
    }
  })
}) {}
