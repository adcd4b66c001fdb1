// `channel-server setup` for ClickSend: the credentials checked (the account named, never a secret), the account's
// numbers matched to the channels, and the rules that push to the bridge created or brought up to date, through
// ClickSend's own API (GET /account, GET /numbers, /automations/sms/inbound and /automations/sms/receipts; see
// clicksend-api.md). Deciding what to change is pure (`planRules`); the calls are plain fetches, a handful per run.
import { Effect, Redacted } from "effect"
import { sameNumber } from "../../domain/phoneNumbers.ts"
import { accountCall, jsonOf, matchNumbers, type ProviderOperator, SetupError, summary } from "../ProviderSetup.ts"
import { checkCredentials } from "./ClickSendClient.ts"
import type { ClickSendSettings } from "./settings.ts"

export interface Rule {
  readonly id?: string | undefined
  readonly kind: "inbound" | "receipts"
  readonly name: string
  readonly fields: Readonly<Record<string, string | number>>
}

export type Step =
  | { readonly _tag: "Create"; readonly rule: Rule }
  | { readonly _tag: "Update"; readonly rule: Rule; readonly id: string }
  | { readonly _tag: "Keep"; readonly rule: Rule }

/** The rules the bridge wants: a URL rule per kind (and a POLL rule per kind for catch-up), told apart by name. */
export const wantedRules = (publicUrl: string, pushSecret: string, numbers: ReadonlyArray<string>, poll: boolean): ReadonlyArray<Rule> => {
  const url = (route: string) => `${publicUrl.replace(/\/+$/, "")}/clicksend/${route}?secret=${pushSecret}`
  const inbound = (number: string, action: "URL" | "POLL"): Rule => ({
    kind: "inbound",
    name: `custom-channel-server ${action === "URL" ? "push" : "poll"} ${number}`,
    fields: {
      dedicated_number: number,
      message_search_type: 0,
      message_search_term: "",
      action,
      action_address: action === "URL" ? url("push_message") : "",
      enabled: 1,
      webhook_type: "post"
    }
  })
  const receipts = (action: "URL" | "POLL"): Rule => ({
    kind: "receipts",
    name: `custom-channel-server ${action === "URL" ? "push" : "poll"}`,
    fields: { match_type: 0, action, action_address: action === "URL" ? url("delivery_receipt") : "", enabled: 1 }
  })
  return [
    ...numbers.map((n) => inbound(n, "URL")),
    receipts("URL"),
    ...(poll ? [...numbers.map((n) => inbound(n, "POLL")), receipts("POLL")] : [])
  ]
}

/** Whether a listed value is the wanted one: numbers by their digits, 1/"1"/true alike; a field not listed is not judged. */
const agrees = (key: string, listed: unknown, wanted: string | number) => {
  if (listed === undefined || listed === null) return true
  if (key === "dedicated_number") return sameNumber(String(listed), String(wanted))
  if (key === "enabled") return (listed === true || String(listed) === "1") === (String(wanted) === "1")
  return String(listed) === String(wanted)
}

/** What to do so that the account has the wanted rules: each created, updated (same name, other fields) or kept. */
export const planRules = (wanted: ReadonlyArray<Rule>, existing: ReadonlyArray<Rule>): ReadonlyArray<Step> =>
  wanted.map((rule) => {
    const found = existing.find((e) => e.kind === rule.kind && e.name === rule.name)
    if (found === undefined) return { _tag: "Create", rule }
    const same = Object.entries(rule.fields).every(([k, v]) => agrees(k, found.fields[k], v))
    return same ? { _tag: "Keep", rule } : { _tag: "Update", rule, id: found.id ?? "" }
  })

/** A rule as said to the operator: its push secret never. */
export const describeRule = (rule: Rule) => {
  const address = String(rule.fields.action_address ?? "").replace(/([?&]secret=)[^&]*/, "$1<push secret>")
  return `${rule.kind === "inbound" ? "inbound rule" : "delivery-report rule"} "${rule.name}"${address ? ` -> ${address}` : ""}`
}

/** ClickSend's API, with the configured credentials: the `data` of its envelope, or a SetupError saying what to check. */
export const clickSendApi = (provider: ClickSendSettings) => {
  const authorization = `Basic ${Buffer.from(`${Redacted.value(provider.username)}:${Redacted.value(provider.apiKey)}`).toString("base64")}`
  const call = accountCall("ClickSend", provider.baseUrl, provider.timeoutMs, { authorization })
  return (method: "GET" | "POST" | "PUT", path: string, body?: unknown) =>
    Effect.flatMap(call(method, path, body), ({ status, text }) => {
      if (status === 401 || status === 403) {
        return Effect.fail(new SetupError({ message: `ClickSend refused the credentials (HTTP ${status}): ${checkCredentials}` }))
      }
      const json: { data?: unknown; response_code?: string; response_msg?: string } | undefined = jsonOf(text)
      if (status >= 300 || json === undefined) {
        const said = json?.response_code ? ` ${json.response_code}${json.response_msg ? ` (${json.response_msg})` : ""}` : ""
        return Effect.fail(new SetupError({ message: `ClickSend answered ${method} ${path.replace(/\?.*$/, "")} with HTTP ${status}${said}` }))
      }
      return Effect.succeed(json.data as any)
    })
}

type Api = ReturnType<typeof clickSendApi>

/** Every page of a list ClickSend pages (`data.data`, `last_page`), at most 20 pages of 100. */
const allPages = (api: Api, path: string) =>
  Effect.gen(function*() {
    const items: Array<Record<string, unknown>> = []
    for (let page = 1; page <= 20; page++) {
      const data = yield* api("GET", `${path}?page=${page}&limit=100`)
      items.push(...((data?.data ?? []) as Array<Record<string, unknown>>))
      if (page >= Number(data?.last_page ?? 1)) break
    }
    return items
  })

/** The account, as said to the operator: its name, user id and balance (not the user name, which the configuration keeps secret). */
export const accountLine = (api: Api) =>
  Effect.map(api("GET", "/account"), (data) => {
    const name = typeof data?.account_name === "string" && data.account_name !== "" ? `"${data.account_name}"` : "(no name)"
    const user = data?.user_id !== undefined ? ` (user ${data.user_id})` : ""
    const balance = data?.balance !== undefined ? `, balance ${data.balance}${data?._currency?.currency_name_short ? ` ${data._currency.currency_name_short}` : ""}` : ""
    return `ClickSend account ${name}${user}${balance}`
  })

const existingRules = (api: Api) =>
  Effect.all([allPages(api, "/automations/sms/inbound"), allPages(api, "/automations/sms/receipts")]).pipe(
    Effect.map(([inbound, receipts]): ReadonlyArray<Rule> => [
      ...inbound.map((r) => ({ id: String(r.inbound_rule_id ?? ""), kind: "inbound" as const, name: String(r.rule_name ?? ""), fields: r as Rule["fields"] })),
      ...receipts.map((r) => ({ id: String(r.receipt_rule_id ?? ""), kind: "receipts" as const, name: String(r.rule_name ?? ""), fields: r as Rule["fields"] }))
    ])
  )

/**
 * The whole set-up: the account, its numbers against the channels, and the rules made right (or, with `dryRun`, what
 * would be done). Each line is said through `say`; what it changed is counted.
 */
export const setUp: ProviderOperator["setUp"] = (config, publicUrl, dryRun, say) =>
  Effect.gen(function*() {
    const provider = config.provider as ClickSendSettings
    const api = clickSendApi(provider)
    yield* say(yield* accountLine(api))
    const accountNumbers = (yield* allPages(api, "/numbers")).map((n) => String(n.dedicated_number ?? "")).filter((n) => n !== "")
    // One channel with no numbers of its own takes whatever comes (routing's "the only channel"): every number is its.
    const only = config.channels.length === 1 && config.channels[0]!.numbers.length === 0 ? config.channels[0]! : undefined
    const channels = only ? [{ name: `${only.name} (the only channel)`, numbers: accountNumbers }] : config.channels
    const numbers = matchNumbers(accountNumbers, channels)
    yield* say(accountNumbers.length === 0 ? "the account has no dedicated numbers" : "numbers:")
    for (const line of numbers.lines) yield* say(`  ${line}`)
    for (const warning of numbers.warnings) yield* say(`warning: ${warning}`)
    // Rules for the channels' numbers the account has, written as the account writes them (ClickSend has no rule for
    // a number that is not its).
    const ruled = accountNumbers.filter((n) => channels.some((c) => c.numbers.some((m) => sameNumber(n, m))))
    const wanted = wantedRules(publicUrl, Redacted.value(provider.pushSecret), ruled, provider.reconcile.enabled)
    const steps = planRules(wanted, yield* existingRules(api))
    const path = (kind: Rule["kind"]) => `/automations/sms/${kind}`
    for (const step of steps) {
      const what = describeRule(step.rule)
      const body = { rule_name: step.rule.name, ...step.rule.fields }
      if (step._tag === "Keep") {
        yield* say(`unchanged: ${what}`)
      } else if (dryRun) {
        yield* say(`would ${step._tag === "Create" ? "create" : "update"}: ${what}`)
      } else if (step._tag === "Create") {
        yield* api("POST", path(step.rule.kind), body)
        yield* say(`created: ${what}`)
      } else {
        yield* api("PUT", `${path(step.rule.kind)}/${encodeURIComponent(step.id)}`, body)
        yield* say(`updated: ${what}`)
      }
    }
    const changes = steps.filter((s) => s._tag !== "Keep").length
    yield* say(summary(changes, dryRun))
    return changes
  })
