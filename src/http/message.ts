// POST /message, the platform's outgoing messages: served on node:http directly, as it is the hot path of a broadcast.
import { Cause, Effect, Exit, Runtime } from "effect"
import * as FindMyWay from "find-my-way-ts"
import type { IncomingMessage, ServerResponse } from "node:http"
import { AppConfig } from "../config/AppConfig.ts"
import { sendOutgoing } from "../flows/sendOutgoing.ts"
import { Platform } from "../platforms/Platform.ts"
import { Metrics } from "../services/Metrics.ts"
import { TokenCheck } from "../services/TokenCheck.ts"
import { Forbidden } from "../domain/errors.ts"
import { errorAnswer, refuse } from "./answers.ts"
import { readJson } from "./readBody.ts"

// The router @effect/platform's HttpRouter is built on, configured as it configures it: `//message`, `/message/`,
// `/Message`, `/message;x=1` or `/m%65ssage` are this route as they were when the router served it.
const routes = FindMyWay.make<true>({})
routes.on("POST", "/message", true)

/** Whether a request is for this route; any other method on the path goes to the router (and its 404). */
export const isMessageRoute = (request: IncomingMessage) =>
  request.method === "POST" && (request.url === "/message" || routes.find("POST", request.url ?? "") !== undefined)

const send = Effect.fnUntraced(function*(request: IncomingMessage, seen: { channel?: string }) {
  const { server } = yield* AppConfig
  // The token is checked before the body is even read.
  const channel = yield* (yield* TokenCheck).channelFor(request.headers.authorization)
  seen.channel = channel.name
  const outgoing = yield* (yield* Platform).decodeOutgoing(yield* readJson(request, server.maxBodyBytes))
  if (outgoing.channelId !== channel.channelId) {
    return yield* new Forbidden({ message: "channelId: does not belong to this API token" })
  }
  const log = { channel: channel.name, direction: "out", type: outgoing.message.type }
  const metrics = yield* Metrics
  const mId = yield* sendOutgoing(outgoing, channel).pipe(
    Effect.tapError((e) => Effect.sync(() => metrics.messages.inc({ direction: "out", channel: channel.name, outcome: e._tag })))
  )
  metrics.messages.inc({ direction: "out", channel: channel.name, outcome: "sent" })
  yield* Effect.logInfo("outgoing message sent").pipe(Effect.annotateLogs({ ...log, mId, outcome: "sent" }))
  return mId
})

/** The mId, or the refusal's own answer (logged and counted as every refusal is). */
const answerFor = (request: IncomingMessage) => {
  // The channel, once the token named one: the refusal's log line says which.
  const seen: { channel?: string } = {}
  return Effect.matchEffect(send(request, seen), {
    onSuccess: (mId) => Effect.succeed({ status: 200, body: { mId } as unknown, headers: {} as Record<string, string> }),
    onFailure: (error) =>
      seen.channel === undefined ? refuse("/message", error) : refuse("/message", error).pipe(Effect.annotateLogs({ channel: seen.channel }))
  })
}

const answer = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  response.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  response.end(text)
}

/**
 * The route's node:http handler, running `send` on the bridge's runtime: the mId, or the error's own status and
 * `{"error":{"message"}}`, or 500 with no detail for a defect (logged), or 503 if the runtime stopped it. A caller
 * that goes away does not stop a send under way (the provider may already have it); `done` is called once the send
 * is over, for the shutdown drain.
 */
export const messageHandler = Effect.map(
  Effect.runtime<Effect.Effect.Context<ReturnType<typeof answerFor>>>(),
  (runtime) => {
    const run = Runtime.runCallback(runtime)
    const logDefect = (cause: Cause.Cause<unknown>) => run(Effect.logError("request failed unexpectedly", cause))
    return (request: IncomingMessage, response: ServerResponse, done: () => void) =>
      run(answerFor(request), {
        onExit: (exit) => {
          done()
          if (response.writableEnded || response.destroyed) return
          if (Exit.isSuccess(exit)) return answer(response, exit.value.status, exit.value.body, exit.value.headers)
          const interrupted = Cause.isInterruptedOnly(exit.cause)
          if (!interrupted) logDefect(exit.cause)
          const { body, headers, status } = interrupted
            ? errorAnswer(503, "the bridge is shutting down")
            : errorAnswer(500, "internal error")
          answer(response, status, body, headers)
        }
      })
  }
)
