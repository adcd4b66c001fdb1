// Reading request bodies within the size limit: JSON for the platform, form, JSON or query fields for ClickSend.
import { HttpIncomingMessage, HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { InvalidPayload, PayloadTooLarge } from "./ApiError.ts"

const tooLarge = (max: number) => new PayloadTooLarge({ message: `body: at most ${max} bytes` })

export const readText = (request: HttpServerRequest.HttpServerRequest, maxBytes: number) => {
  const declared = Number(request.headers["content-length"])
  if (declared > maxBytes) return Effect.fail(tooLarge(maxBytes))
  return request.text.pipe(
    HttpIncomingMessage.withMaxBodySize(Option.some(maxBytes)),
    Effect.mapError((e) =>
      e.cause instanceof Error && e.cause.message === "maxBytes exceeded"
        ? tooLarge(maxBytes)
        : new InvalidPayload({ message: "body: could not be read" })
    )
  )
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseJson = (text: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => new InvalidPayload({ message: "body: must be valid JSON" })
  })

export const readJson = (request: HttpServerRequest.HttpServerRequest, maxBytes: number) =>
  readText(request, maxBytes).pipe(Effect.flatMap(parseJson))

export type PushFields = Record<string, string | number | boolean | null>

/**
 * The fields of a ClickSend push, whatever the rule's webhook_type: query string (`get`), form POST (`post`)
 * or JSON POST (`json`). Body fields win over query fields; the secret is never part of them.
 */
export const readPushFields = (request: HttpServerRequest.HttpServerRequest, query: URLSearchParams, maxBytes: number) =>
  Effect.gen(function*() {
    const fields: PushFields = Object.fromEntries([...query].filter(([key]) => key !== "secret"))
    if (request.method === "GET") return fields
    const text = yield* readText(request, maxBytes)
    if (text.trim() === "") return fields
    if ((request.headers["content-type"] ?? "").includes("json")) {
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
