// A simulated respond.io webhook on loopback: checks the bearer token, records events, answers "OK".
import type { WebhookPayload } from "./wire.ts"
import { type FakeOptions, type HttpFake, startHttpFake } from "../../simulators/httpFake.ts"

export interface WebhookSimulator extends HttpFake {
  /** Payloads the webhook took (answered 2xx), in order. */
  readonly payloads: () => Array<WebhookPayload>
}

export const startWebhookSimulator = async (
  tokens: ReadonlyArray<string>,
  options: FakeOptions = {}
): Promise<WebhookSimulator> => {
  const fake = await startHttpFake((request) => {
    const token = request.headers.authorization?.replace(/^Bearer /, "")
    if (request.method !== "POST" || !token || !tokens.includes(token)) {
      return { status: 401, body: { error: { message: "Unauthorized" } } }
    }
    return { status: 200, body: "OK" }
  }, options)
  return {
    ...fake,
    payloads: () =>
      fake.requests
        .filter((r) => r.status >= 200 && r.status < 300)
        .map((r) => JSON.parse(r.body) as WebhookPayload)
  }
}

/**
 * The simulated webhook of the demo, saying what it got (`say`: one line): its URL as the platform would show it,
 * and whether a contact's message or a status has come.
 */
export const startDemoWebhook = async (tokens: ReadonlyArray<string>, say: (line: string) => void) => {
  const webhook = await startWebhookSimulator(tokens, {
    onRequest: (r) => {
      const payload = JSON.parse(r.body)
      for (const e of payload.events ?? []) {
        const what = e.type === "message"
          ? `message ${JSON.stringify(e.message.text)} from ${payload.contactId}`
          : e.type === "message_echo"
          ? `echo ${JSON.stringify(e.message.text)} to ${payload.contactId}`
          : `status "${e.status.value}" of mId ${e.mId}`
        say(`[simulated webhook] ${what} (answered HTTP ${r.status})`)
      }
    }
  })
  const got = (type: string) => webhook.payloads().some((p) => p.events[0].type === type)
  return {
    url: `${webhook.url}/custom/channel/webhook/`,
    gotMessage: () => got("message"),
    gotStatus: () => got("message_status"),
    close: webhook.close
  }
}
