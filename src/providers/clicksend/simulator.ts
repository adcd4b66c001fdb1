// A simulated ClickSend REST v3 on loopback, faithful to clicksend-api.md: Basic auth, envelope, per-message statuses.
import { randomUUID } from "node:crypto"
import { type FakeOptions, type HttpFake, type Recorded, type Reply, startHttpFake } from "../../simulators/httpFake.ts"

export interface ClickSendSimulatorOptions extends FakeOptions {
  readonly username: string
  readonly apiKey: string
  /** Per-message statuses to answer for given recipients, e.g. { "+61400000000": "INVALID_RECIPIENT" }. */
  readonly refuse?: Readonly<Record<string, string>>
  /** When set, each accepted SMS gets a delivery receipt pushed here (status 201), after `receiptDelayMs`. */
  readonly receiptUrl?: string
  readonly receiptDelayMs?: number
}

export interface ClickSendSimulator extends HttpFake {
  /** The base URL to configure as provider.baseUrl. */
  readonly baseUrl: string
  /** The messages of every accepted /sms/send call, in order. */
  readonly sentSms: () => Array<{ to: string; body: string; from?: string; custom_string?: string; message_id: string }>
  /** Where delivery receipts go from now on (the bridge's receipt URL is known only once it listens). */
  readonly setReceiptUrl: (url: string) => void
}

const envelope = (status: number, code: string, msg: string, data: unknown = null): Reply => ({
  status,
  body: { http_code: status, response_code: code, response_msg: msg, data }
})

// From a string, which the bundler writes in ASCII: one non-ASCII character in the bundle makes the runtime keep
// all of its source in two bytes per character.
const notGsm = new RegExp("[^\\x20-\\x7e\\n\\r£¥èéùìòÇØøÅåÆæßÉÄÖÑÜ§¿äöñüà€]")

const parts = (body: string) => {
  const ucs2 = notGsm.test(body)
  const [single, per] = ucs2 ? [70, 67] : [160, 153]
  return body.length <= single ? 1 : Math.ceil(body.length / per)
}

export const startClickSendSimulator = async (options: ClickSendSimulatorOptions): Promise<ClickSendSimulator> => {
  const expected = `Basic ${Buffer.from(`${options.username}:${options.apiKey}`).toString("base64")}`
  const accepted: Array<{ to: string; body: string; from?: string; custom_string?: string; message_id: string }> = []

  let receiptUrl = options.receiptUrl
  const pushReceipt = (message_id: string, custom_string: string) => {
    if (!receiptUrl) return
    setTimeout(() => {
      const form = new URLSearchParams({
        timestamp_send: String(Math.floor(Date.now() / 1000) - 1),
        timestamp: String(Math.floor(Date.now() / 1000)),
        message_id,
        status: "Delivered",
        status_code: "201",
        status_text: "Success: Message received on handset.",
        error_code: "",
        error_text: "",
        custom_string,
        user_id: "1",
        subaccount_id: "1",
        message_type: "sms"
      })
      fetch(receiptUrl!, { method: "POST", body: form }).catch(() => undefined)
    }, options.receiptDelayMs ?? 200)
  }

  const send = (request: Recorded, kind: "sms" | "mms"): Reply => {
    let payload: any
    try {
      payload = JSON.parse(request.body)
    } catch {
      return envelope(400, "BAD_REQUEST", "Request body is not valid JSON.")
    }
    if (!Array.isArray(payload?.messages) || payload.messages.length === 0) {
      return envelope(400, "BAD_REQUEST", "messages is required.")
    }
    if (payload.messages.length > 1000) return envelope(400, "BAD_REQUEST", "Too many messages.")
    const messages = payload.messages.map((m: any) => {
      const status = options.refuse?.[m.to] ??
        (!m.body ? "EMPTY_MESSAGE" : !m.to ? "MISSING_REQUIRED_FIELDS" : kind === "mms" && !m.subject ? "SUBJECT_REQUIRED" :
          kind === "mms" && !/\.(jpe?g|gif)$/i.test(String(payload.media_file ?? "")) ? "INVALID_MEDIA_FILE" : "SUCCESS")
      if (status !== "SUCCESS") return { to: m.to, body: m.body, status }
      const message_id = randomUUID().toUpperCase()
      accepted.push({ ...m, message_id })
      pushReceipt(message_id, m.custom_string ?? "")
      return {
        direction: "out",
        date: Math.floor(Date.now() / 1000),
        to: m.to,
        body: m.body,
        from: m.from ?? "",
        schedule: Math.floor(Date.now() / 1000),
        message_id,
        message_parts: parts(String(m.body)),
        message_price: "0.0000",
        custom_string: m.custom_string ?? "",
        country: "AU",
        carrier: "Optus",
        status
      }
    })
    const queued = messages.filter((m: any) => m.status === "SUCCESS").length
    return envelope(200, "SUCCESS", "Messages queued for delivery.", {
      total_price: 0,
      total_count: messages.length,
      queued_count: queued,
      blocked_count: messages.length - queued,
      messages,
      _currency: { currency_name_short: "AUD" }
    })
  }

  const fake = await startHttpFake((request) => {
    if (request.headers.authorization !== expected) return envelope(401, "UNAUTHORIZED", "Authorization failed.")
    if (request.method !== "POST") return envelope(405, "METHOD_NOT_ALLOWED", "Method not allowed.")
    if (request.path === "/v3/sms/send") return send(request, "sms")
    if (request.path === "/v3/mms/send") return send(request, "mms")
    return envelope(404, "NOT_FOUND", "Resource not found.")
  }, options)

  return {
    ...fake,
    baseUrl: `${fake.url}/v3`,
    sentSms: () => accepted,
    setReceiptUrl: (url) => void (receiptUrl = url)
  }
}
