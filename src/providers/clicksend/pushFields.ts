// The fields of a ClickSend push, whatever its rule's webhook_type: query string (get), form POST (post) or JSON (json).
import type { HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { InvalidPayload } from "../../domain/errors.ts"
import { isRecord, parseJson, readIncoming } from "../../http/readBody.ts"

export type PushFields = Record<string, string | number | boolean | null>

/** Body fields win over query fields; the secret is never part of them. */
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
