// A simulated Telnyx Messaging API v2 on loopback: Bearer auth, /v2/messages, and webhooks signed with a key pair of
// its own (its public key goes in the bridge's provider.publicKey), as Telnyx's documentation describes them.
import { generateKeyPairSync, randomUUID, sign } from "node:crypto"
import { type FakeOptions, type HttpFake, type Reply, startHttpFake } from "../../simulators/httpFake.ts"

export interface TelnyxSimulatorOptions extends FakeOptions {
  readonly apiKey: string
  /** Refusals to answer for given recipients, e.g. { "+15550000000": { code: "40300", title: "Blocked due to STOP message" } }. */
  readonly refuse?: Readonly<Record<string, { readonly code: string; readonly title: string; readonly detail?: string }>>
  /** Where its webhooks go. */
  readonly webhookUrl?: string
  /** Each accepted message gets message.sent and message.finalized (delivered) posted to the webhook URL. */
  readonly receipts?: boolean
  readonly receiptDelayMs?: number
  /** The account's messaging profiles and the numbers each holds (GET /v2/messaging_profiles, .../phone_numbers). */
  readonly profiles?: ReadonlyArray<{ readonly name: string; readonly numbers: ReadonlyArray<string>; readonly webhookUrl?: string }>
}

export interface TelnyxSimulator extends HttpFake {
  /** The base URL to configure as provider.baseUrl. */
  readonly baseUrl: string
  /** The public key of its webhook signatures (base64 of the raw 32 bytes), for provider.publicKey. */
  readonly publicKey: string
  /** The messages it accepted, in order, with the id it gave each. */
  readonly sent: () => Array<{ readonly id: string; readonly from?: string; readonly to: string; readonly text?: string; readonly media_urls?: ReadonlyArray<string> }>
  readonly setWebhookUrl: (url: string) => void
  /** Each messaging profile's name and webhook URL, as set up. */
  readonly profiles: () => Array<{ readonly name: string; readonly webhook_url: string | null }>
  /** Posts a webhook of `eventType` about `payload`, signed (or with `signature` instead); the bridge's answer. */
  readonly webhook: (
    eventType: string,
    payload: Record<string, unknown>,
    options?: { readonly signature?: string; readonly timestamp?: number; readonly eventId?: string }
  ) => Promise<{ readonly status: number; readonly json: any }>
  /** The payload of a message a contact sent to `to`. */
  readonly inbound: (from: string, to: string, text: string, media?: ReadonlyArray<{ url: string; content_type: string }>) => Record<string, unknown>
}

const errors = (status: number, code: string, title: string, detail?: string): Reply => ({
  status,
  body: { errors: [{ code, title, ...(detail ? { detail } : {}) }] }
})

export const startTelnyxSimulator = async (options: TelnyxSimulatorOptions): Promise<TelnyxSimulator> => {
  const keys = generateKeyPairSync("ed25519")
  // The raw key is the last 32 bytes of its SubjectPublicKeyInfo.
  const publicKey = keys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64")
  const accepted: Array<{ id: string; from?: string; to: string; text?: string; media_urls?: ReadonlyArray<string> }> = []
  let webhookUrl = options.webhookUrl

  const webhook: TelnyxSimulator["webhook"] = async (eventType, payload, o = {}) => {
    const body = JSON.stringify({
      data: { event_type: eventType, id: o.eventId ?? randomUUID(), occurred_at: new Date().toISOString(), payload, record_type: "event" },
      meta: { attempt: 1, delivered_to: webhookUrl }
    })
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000))
    const signature = o.signature ?? sign(null, Buffer.from(`${timestamp}|${body}`), keys.privateKey).toString("base64")
    const response = await fetch(webhookUrl!, {
      method: "POST",
      headers: { "content-type": "application/json", "telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp },
      body
    })
    const text = await response.text()
    return { status: response.status, json: text ? JSON.parse(text) : undefined }
  }

  const outbound = (id: string, m: { from?: string; to: string; text?: string }, status: string, errors: Array<unknown> = []) => ({
    id,
    record_type: "message",
    direction: "outbound",
    type: "SMS",
    from: { phone_number: m.from ?? "+15550001111", carrier: "Telnyx", line_type: "Wireless" },
    to: [{ phone_number: m.to, status, carrier: "T-MOBILE USA, INC.", line_type: "Wireless" }],
    text: m.text ?? "",
    errors,
    sent_at: new Date().toISOString(),
    completed_at: status === "delivered" ? new Date().toISOString() : null
  })

  /** The account's side: GET /v2/balance, the messaging profiles (listed, PATCHed), the numbers of each. */
  const profiles = (options.profiles ?? []).map((p, i) => ({
    record_type: "messaging_profile",
    id: `profile-${i + 1}`,
    name: p.name,
    enabled: true,
    webhook_url: p.webhookUrl ?? null,
    webhook_failover_url: null as string | null,
    webhook_api_version: "2",
    numbers: p.numbers
  }))
  const page = (data: ReadonlyArray<unknown>): Reply => ({
    status: 200,
    body: { data, meta: { total_pages: 1, total_results: data.length, page_number: 1, page_size: 250 } }
  })
  const accountCall = (request: { method: string; path: string; body: string }): Reply | undefined => {
    if (request.method === "GET" && request.path === "/v2/balance") {
      return { status: 200, body: { data: { record_type: "balance", balance: "42.00", currency: "USD", available_credit: "42.00" } } }
    }
    if (request.method === "GET" && request.path === "/v2/messaging_profiles") return page(profiles.map(({ numbers: _, ...p }) => p))
    const numbers = /^\/v2\/messaging_profiles\/([^/]+)\/phone_numbers$/.exec(request.path)
    if (request.method === "GET" && numbers) {
      const profile = profiles.find((p) => p.id === numbers[1])
      return profile ? page(profile.numbers.map((n) => ({ record_type: "messaging_phone_number", phone_number: n, messaging_profile_id: profile.id }))) : errors(404, "10005", "Resource not found")
    }
    const one = /^\/v2\/messaging_profiles\/([^/]+)$/.exec(request.path)
    if (request.method === "PATCH" && one) {
      const profile = profiles.find((p) => p.id === one[1])
      if (!profile) return errors(404, "10005", "Resource not found")
      const body = JSON.parse(request.body || "{}")
      if (typeof body.webhook_url === "string") profile.webhook_url = body.webhook_url
      if (typeof body.webhook_api_version === "string") profile.webhook_api_version = body.webhook_api_version
      const { numbers: _, ...shown } = profile
      return { status: 200, body: { data: shown } }
    }
    return undefined
  }

  const fake = await startHttpFake((request) => {
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return errors(401, "10009", "Authentication failed", "The API key is not valid.")
    }
    const account = accountCall(request)
    if (account !== undefined) return account
    if (request.method !== "POST" || request.path !== "/v2/messages") return errors(404, "10005", "Resource not found")
    let m: any
    try {
      m = JSON.parse(request.body)
    } catch {
      return errors(400, "10015", "Bad Request", "The request body is not valid JSON.")
    }
    if (typeof m?.to !== "string" || !/^\+[1-9][0-9]{6,14}$/.test(m.to)) return errors(400, "40310", "Invalid 'to' address")
    if (!m.text && !(m.media_urls?.length > 0)) return errors(400, "40316", "No content")
    const refusal = options.refuse?.[m.to]
    if (refusal) return errors(400, refusal.code, refusal.title, refusal.detail)
    const id = randomUUID()
    accepted.push({ id, ...m })
    if (webhookUrl && options.receipts) {
      setTimeout(() => {
        webhook("message.sent", outbound(id, m, "sent"))
          .then(() => webhook("message.finalized", outbound(id, m, "delivered")))
          .catch(() => undefined)
      }, options.receiptDelayMs ?? 200)
    }
    return {
      status: 200,
      body: {
        data: {
          record_type: "message",
          direction: "outbound",
          id,
          type: m.media_urls?.length ? "MMS" : "SMS",
          from: { phone_number: m.from ?? "+15550001111", carrier: "Telnyx", line_type: "Wireless" },
          to: [{ phone_number: m.to, status: "queued", carrier: "T-MOBILE USA, INC.", line_type: "Wireless" }],
          text: m.text ?? "",
          media: [],
          encoding: "GSM-7",
          parts: 1,
          cost: { amount: "0.0040", currency: "USD" },
          errors: []
        }
      }
    }
  }, options)

  return {
    ...fake,
    baseUrl: `${fake.url}/v2`,
    publicKey,
    sent: () => accepted,
    setWebhookUrl: (url) => void (webhookUrl = url),
    profiles: () => profiles.map((p) => ({ name: p.name, webhook_url: p.webhook_url })),
    webhook,
    inbound: (from, to, text, media = []) => ({
      id: randomUUID(),
      record_type: "message",
      direction: "inbound",
      type: media.length > 0 ? "MMS" : "SMS",
      from: { phone_number: from, carrier: "T-Mobile USA", line_type: "long_code" },
      to: [{ phone_number: to, status: "webhook_delivered", carrier: "Telnyx", line_type: "Wireless" }],
      text,
      media: media.map((m) => ({ ...m, size: 1024 })),
      received_at: new Date().toISOString(),
      errors: []
    })
  }
}
