// Reading request bodies within the size limit: JSON for the platform, form, JSON or query fields for ClickSend.
import type { HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import type { IncomingMessage } from "node:http"
import { InvalidPayload, PayloadTooLarge } from "../domain/errors.ts"

const tooLarge = (max: number) => new PayloadTooLarge({ message: `body: at most ${max} bytes` })

/**
 * The body of a node:http request as text, refused with 413 as soon as it passes `maxBytes`, whether or not it
 * declared its length. (The platform's own limit destroys the socket, so the caller would never see the 413.)
 */
export const readIncoming = (incoming: IncomingMessage, maxBytes: number) => {
  if (Number(incoming.headers["content-length"]) > maxBytes) return Effect.fail(tooLarge(maxBytes))
  return Effect.async<string, PayloadTooLarge | InvalidPayload>((resume) => {
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
      resume(Effect.succeed(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")))
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

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseJson = (text: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => new InvalidPayload({ message: "body: must be valid JSON" })
  })

export const readJson = (incoming: IncomingMessage, maxBytes: number) =>
  readIncoming(incoming, maxBytes).pipe(Effect.flatMap(parseJson))

export type PushFields = Record<string, string | number | boolean | null>

/**
 * The fields of a ClickSend push, whatever the rule's webhook_type: query string (`get`), form POST (`post`)
 * or JSON POST (`json`). Body fields win over query fields; the secret is never part of them.
 */
export const readPushFields = (request: HttpServerRequest.HttpServerRequest, query: URLSearchParams, maxBytes: number) =>
  Effect.gen(function*() {
    const fields: PushFields = Object.fromEntries([...query].filter(([key]) => key !== "secret"))
    if (request.method === "GET") return fields
    const text = yield* readIncoming(NodeHttpServerRequest.toIncomingMessage(request), maxBytes)
    if (text.trim() === "") return fields
    // JSON by its content type, or by its look: a JSON rule's body may arrive as text/plain.
    if ((request.headers["content-type"] ?? "").includes("json") || text.trimStart().startsWith("{")) {
      const json = yield* parseJson(text)
      if (!isRecord(json)) return yield* new InvalidPayload({ message: "body: must be a JSON object" })
      for (const [key, value] of Object.entries(json)) {
        if (key === "secret") continue
        if (value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value as PushFields[string]
        else return yield* new InvalidPayload({ message: `${key}: expected a string or a number` })
      }
      return fields
    }
    for (const [key, value] of new URLSearchParams(text)) if (key !== "secret") fields[key] = value
    return fields
  })
