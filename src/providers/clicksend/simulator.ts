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
  /**
   * The account has an inbound rule and a receipt rule with action POLL: what it receives is also kept, unread, for
   * GET /v3/sms/inbound and /v3/sms/receipts, until marked read. Without them, those lists are empty.
   */
  readonly poll?: boolean
  /** The account's dedicated numbers (GET /v3/numbers); one, +61411111111, by default. */
  readonly numbers?: ReadonlyArray<string>
}

/** An inbound SMS (or MMS) as ClickSend pushes it and lists it. */
export interface InboundItem {
  readonly message_id: string
  readonly from: string
  readonly to: string
  readonly body: string
  readonly timestamp: number
  readonly custom_string?: string
  readonly media_file?: string
}

export interface ClickSendSimulator extends HttpFake {
  /** The base URL to configure as provider.baseUrl. */
  readonly baseUrl: string
  /** The messages of every accepted /sms/send call, in order. */
  readonly sentSms: () => Array<{ to: string; body: string; from?: string; custom_string?: string; message_id: string }>
  /** Where delivery receipts go from now on (the bridge's receipt URL is known only once it listens). */
  readonly setReceiptUrl: (url: string) => void
  /** Where inbound messages are pushed from now on. */
  readonly setInboundUrl: (url: string) => void
  /** A contact texts the account: pushed (form POST) if an inbound URL is set, and kept for POLL. */
  readonly receive: (item: Omit<InboundItem, "timestamp"> & { readonly timestamp?: number }) => Promise<void>
  /** Every accepted message without a receipt yet is delivered now: its receipt (201) is pushed and kept for POLL. */
  readonly deliverAll: () => Promise<void>
  /** Pushes again, to the URLs set now, every push that did not get a 200: what a retrying ClickSend would do. */
  readonly retryFailedPushes: () => Promise<ReadonlyArray<number>>
  /** The account's rules, as set up through /v3/automations/sms/inbound and /receipts. */
  readonly rules: () => { inbound: Array<Record<string, unknown>>; receipts: Array<Record<string, unknown>> }
  /** The ids of the items still unread in the POLL lists. */
  readonly unread: () => { inbound: Array<string>; receipts: Array<string> }
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
  let inboundUrl: string | undefined
  const kept = { inbound: [] as Array<{ item: Record<string, string | number>; read: boolean }>, receipts: [] as Array<{ item: Record<string, string | number>; read: boolean }> }
  const failed: Array<{ kind: "inbound" | "receipts"; form: Record<string, string> }> = []
  const receipted = new Set<string>()
  const urlOf = (kind: "inbound" | "receipts") => (kind === "inbound" ? inboundUrl : receiptUrl)
  const push = async (kind: "inbound" | "receipts", form: Record<string, string>) => {
    const url = urlOf(kind)
    if (!url) return
    const status = await fetch(url, { method: "POST", body: new URLSearchParams(form) }).then((r) => r.status, () => 0)
    if (status !== 200) failed.push({ kind, form })
  }
  const receiptOf = (message_id: string, custom_string: string) => ({
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
  const deliver = (message_id: string, custom_string: string) => {
    receipted.add(message_id)
    const receipt = receiptOf(message_id, custom_string)
    if (options.poll) kept.receipts.push({ item: receipt, read: false })
    return push("receipts", receipt)
  }
  const pushReceipt = (message_id: string, custom_string: string) => {
    if (!receiptUrl) return
    setTimeout(() => void deliver(message_id, custom_string), options.receiptDelayMs ?? 200)
  }

  /** One page (`page`, `limit` 15 to 100) of `items`, as ClickSend pages its lists. */
  const paged = (request: Recorded, items: ReadonlyArray<unknown>, message: string): Reply => {
    const limit = Math.min(100, Math.max(15, Number(request.query.get("limit") ?? 15)))
    const page = Math.max(1, Number(request.query.get("page") ?? 1))
    const last = Math.max(1, Math.ceil(items.length / limit))
    return envelope(200, "SUCCESS", message, {
      total: items.length,
      per_page: limit,
      current_page: page,
      last_page: last,
      next_page_url: page < last ? `/?page=${page + 1}` : null,
      prev_page_url: page > 1 ? `/?page=${page - 1}` : null,
      from: (page - 1) * limit + 1,
      to: Math.min(page * limit, items.length),
      data: items.slice((page - 1) * limit, page * limit)
    })
  }

  /** GET /v3/sms/inbound and /v3/sms/receipts: the unread items. */
  const list = (request: Recorded, kind: "inbound" | "receipts"): Reply =>
    paged(request, kept[kind].filter((k) => !k.read).map((k) => k.item), `Here are your ${kind === "inbound" ? "inbound messages" : "delivery receipts"}.`)

  /** The account's rules, /v3/automations/sms/inbound and /receipts: listed, created (POST), updated (PUT /{id}). */
  const rules = { inbound: [] as Array<Record<string, unknown>>, receipts: [] as Array<Record<string, unknown>> }
  let ruleIds = 0
  const automation = (request: Recorded, kind: "inbound" | "receipts", id: string | undefined): Reply => {
    const idKey = kind === "inbound" ? "inbound_rule_id" : "receipt_rule_id"
    if (request.method === "GET" && id === undefined) return paged(request, rules[kind], "Here are your automation rules.")
    let body: Record<string, unknown>
    try {
      body = JSON.parse(request.body)
    } catch {
      return envelope(400, "BAD_REQUEST", "Request body is not valid JSON.")
    }
    if (typeof body.action !== "string" || typeof body.rule_name !== "string") return envelope(400, "BAD_REQUEST", "rule_name and action are required.")
    if (request.method === "POST" && id === undefined) {
      const rule = { [idKey]: ++ruleIds, ...body }
      rules[kind].push(rule)
      return envelope(200, "SUCCESS", "New rule has been created.", rule)
    }
    const rule = rules[kind].find((r) => String(r[idKey]) === id)
    if (request.method !== "PUT" || rule === undefined) return envelope(404, "NOT_FOUND", "Rule not found.")
    Object.assign(rule, body)
    return envelope(200, "SUCCESS", "Rule has been updated.", rule)
  }

  /** PUT /v3/sms/inbound-read/{id} and /v3/sms/receipts-read/{id}: one item marked read. */
  const markRead = (request: Recorded): Reply => {
    const [, kind, id] = /^\/v3\/sms\/(inbound|receipts)-read\/([^/]+)$/.exec(request.path)! as unknown as [string, "inbound" | "receipts", string]
    const marked = kept[kind].filter((k) => !k.read && k.item.message_id === decodeURIComponent(id))
    marked.forEach((k) => (k.read = true))
    return envelope(200, "SUCCESS", kind === "inbound" ? "Inbound messages have been marked as read." : "Receipts have been marked as read.", marked.length)
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
    if (request.method === "GET" && request.path === "/v3/sms/inbound") return list(request, "inbound")
    if (request.method === "GET" && request.path === "/v3/sms/receipts") return list(request, "receipts")
    if (request.method === "PUT" && /^\/v3\/sms\/(inbound|receipts)-read\/[^/]+$/.test(request.path)) return markRead(request)
    if (request.method === "GET" && request.path === "/v3/account") {
      return envelope(200, "SUCCESS", "Here is your account.", { user_id: 1, username: options.username, account_name: "Simulated Pty Ltd", balance: "12.50", _currency: { currency_name_short: "AUD" } })
    }
    if (request.method === "GET" && request.path === "/v3/numbers") {
      return paged(request, (options.numbers ?? ["+61411111111"]).map((n) => ({ dedicated_number: n, country: "AU" })), "Here are your dedicated numbers.")
    }
    const rule = /^\/v3\/automations\/sms\/(inbound|receipts)(?:\/([^/]+))?$/.exec(request.path)
    if (rule) return automation(request, rule[1] as "inbound" | "receipts", rule[2])
    if (request.method !== "POST") return envelope(405, "METHOD_NOT_ALLOWED", "Method not allowed.")
    if (request.path === "/v3/sms/send") return send(request, "sms")
    if (request.path === "/v3/mms/send") return send(request, "mms")
    return envelope(404, "NOT_FOUND", "Resource not found.")
  }, options)

  return {
    ...fake,
    baseUrl: `${fake.url}/v3`,
    sentSms: () => accepted,
    setReceiptUrl: (url) => void (receiptUrl = url),
    setInboundUrl: (url) => void (inboundUrl = url),
    receive: (item) => {
      const form = Object.fromEntries(
        Object.entries({ timestamp: Math.floor(Date.now() / 1000), custom_string: "", ...item }).map(([k, v]) => [k, String(v)])
      )
      if (options.poll) kept.inbound.push({ item: form, read: false })
      return push("inbound", form)
    },
    deliverAll: async () => {
      for (const m of accepted.filter((m) => !receipted.has(m.message_id))) await deliver(m.message_id, m.custom_string ?? "")
    },
    retryFailedPushes: async () => {
      const statuses: Array<number> = []
      for (const { kind, form } of failed.splice(0)) {
        statuses.push(await fetch(urlOf(kind)!, { method: "POST", body: new URLSearchParams(form) }).then((r) => r.status, () => 0))
      }
      return statuses
    },
    rules: () => rules,
    unread: () => ({
      inbound: kept.inbound.filter((k) => !k.read).map((k) => String(k.item.message_id)),
      receipts: kept.receipts.filter((k) => !k.read).map((k) => String(k.item.message_id))
    })
  }
}
