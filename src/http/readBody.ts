// Reading request bodies within the size limit, as text or as JSON.
import { Effect } from "effect"
import type { IncomingMessage } from "node:http"
import { InvalidPayload, PayloadTooLarge } from "../domain/errors.ts"

const tooLarge = (max: number) => new PayloadTooLarge({ message: `body: at most ${max} bytes` })

/**
 * The body of a node:http request as text, refused with 413 as soon as it passes `maxBytes`, whether or not it
 * declared its length. (The platform's own limit destroys the socket, so the caller would never see the 413.)
 */
export const readIncoming = (incoming: IncomingMessage, maxBytes: number) =>
  Effect.map(readIncomingBytes(incoming, maxBytes), (bytes) => bytes.toString("utf8"))

/** The body as it came, byte for byte (what a signature was made over), within `maxBytes`. */
export const readIncomingBytes = (incoming: IncomingMessage, maxBytes: number) => {
  if (Number(incoming.headers["content-length"]) > maxBytes) return Effect.fail(tooLarge(maxBytes))
  return Effect.async<Buffer, PayloadTooLarge | InvalidPayload>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) return void chunks.push(chunk)
      cleanup()
      resume(Effect.fail(tooLarge(maxBytes)))
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    }
    const onError = () => {
      cleanup()
      resume(Effect.fail(new InvalidPayload({ message: "body: could not be read" })))
    }
    const cleanup = () => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError)
    }
    incoming.on("data", onData).on("end", onEnd).on("error", onError)
    return Effect.sync(cleanup)
  })
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const parseJson = (text: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => new InvalidPayload({ message: "body: must be valid JSON" })
  })

export const readJson = (incoming: IncomingMessage, maxBytes: number) =>
  readIncoming(incoming, maxBytes).pipe(Effect.flatMap(parseJson))
