// `channel-server setup` for Telnyx: the API key checked (GET /v2/balance names the account's balance), the messaging
// profiles that hold the channels' numbers found (GET /v2/messaging_profiles and each profile's phone_numbers), and each
// one's webhook URL pointed at the bridge (PATCH /v2/messaging_profiles/{id}); the failover URL is left as it is, the
// operator's (another replica, say). Plain fetches, a handful per run.
import { Effect, Redacted } from "effect"
import { sameNumber } from "../../domain/phoneNumbers.ts"
import { accountCall, jsonOf, matchNumbers, type ProviderOperator, SetupError, summary } from "../ProviderSetup.ts"
import type { TelnyxSettings } from "./settings.ts"

/** Telnyx's API with the configured key: the `data` of its answer (and `meta`), or a SetupError saying what to check. */
export const telnyxApi = (provider: TelnyxSettings) => {
  const call = accountCall("Telnyx", provider.baseUrl, provider.timeoutMs, { authorization: `Bearer ${Redacted.value(provider.apiKey)}` })
  return (method: "GET" | "PATCH", path: string, body?: unknown) =>
    Effect.flatMap(call(method, path, body), ({ status, text }) => {
      if (status === 401 || status === 403) {
        return Effect.fail(new SetupError({ message: `Telnyx refused the API key (HTTP ${status}): check provider.apiKey` }))
      }
      const json: { data?: any; meta?: any; errors?: Array<{ code?: string; title?: string }> } | undefined = jsonOf(text)
      if (status >= 300 || json === undefined) {
        const said = json?.errors?.[0] ? ` ${json.errors[0].code ?? ""} ${json.errors[0].title ?? ""}`.trimEnd() : ""
        return Effect.fail(new SetupError({ message: `Telnyx answered ${method} ${path.replace(/\?.*$/, "")} with HTTP ${status}${said}` }))
      }
      return Effect.succeed({ data: json.data, meta: json.meta })
    })
}

type Api = ReturnType<typeof telnyxApi>

/** Every page of a Telnyx list (`meta.total_pages`), at most 20 pages of 250. */
const allPages = (api: Api, path: string) =>
  Effect.gen(function*() {
    const items: Array<Record<string, any>> = []
    for (let page = 1; page <= 20; page++) {
      const { data, meta } = yield* api("GET", `${path}?page[number]=${page}&page[size]=250`)
      items.push(...((data ?? []) as Array<Record<string, any>>))
      if (page >= Number(meta?.total_pages ?? 1)) break
    }
    return items
  })

export const accountLine = (api: Api) =>
  Effect.map(api("GET", "/balance"), ({ data }) => `Telnyx account, balance ${data?.balance ?? "?"} ${data?.currency ?? ""}`.trimEnd())

export const setUp: ProviderOperator["setUp"] = (config, publicUrl, dryRun, say) =>
  Effect.gen(function*() {
    const api = telnyxApi(config.provider as TelnyxSettings)
    yield* say(yield* accountLine(api))
    const wanted = `${publicUrl.replace(/\/+$/, "")}/telnyx/webhook`
    const profiles = yield* allPages(api, "/messaging_profiles")
    const held = yield* Effect.forEach(profiles, (p) =>
      Effect.map(allPages(api, `/messaging_profiles/${encodeURIComponent(String(p.id))}/phone_numbers`), (numbers) => ({
        profile: p,
        numbers: numbers.map((n) => String(n.phone_number ?? "")).filter((n) => n !== "")
      })))
    // A channel's numbers are its `numbers` and the one it sends from (routing's "the only channel" takes the rest).
    const channels = config.channels.map((c) => ({ name: c.name, numbers: [...c.numbers, ...(c.from ? [c.from] : [])] }))
    const channelNumbers = channels.flatMap((c) => c.numbers)
    // The profiles that hold a channel's number: their webhooks are the bridge's. Others are left alone.
    const ours = held.filter((h) => h.numbers.some((n) => channelNumbers.some((m) => sameNumber(n, m))))
    if (ours.length === 0) {
      return yield* new SetupError({
        message: "no messaging profile holds a channel's number (numbers or from): assign the numbers to a messaging profile in Telnyx's portal first"
      })
    }
    const numbers = matchNumbers(ours.flatMap((h) => h.numbers), channels, " (in the profiles that hold the channels' numbers)")
    yield* say("numbers:")
    for (const h of ours) for (const line of matchNumbers(h.numbers, channels).lines) yield* say(`  ${line} (profile "${h.profile.name}")`)
    for (const warning of numbers.warnings) yield* say(`warning: ${warning}`)
    let changes = 0
    const leftAlone: Array<string> = []
    for (const { numbers: held, profile } of ours) {
      const what = `messaging profile "${profile.name}" webhook (API v2) -> ${wanted}`
      if (profile.webhook_url === wanted && String(profile.webhook_api_version ?? "2") === "2") {
        yield* say(`unchanged: ${what}`)
        continue
      }
      // A profile's webhook carries all its numbers: one that also holds numbers no channel claims is not taken over.
      const others = held.filter((n) => !channelNumbers.some((m) => sameNumber(n, m)))
      if (others.length > 0) {
        leftAlone.push(profile.name)
        yield* say(`left alone: messaging profile "${profile.name}" also holds ${others.join(", ")}, whose messages would come here: give the channels' numbers a profile of their own`)
        continue
      }
      changes++
      if (dryRun) yield* say(`would update: ${what}`)
      else {
        yield* api("PATCH", `/messaging_profiles/${encodeURIComponent(String(profile.id))}`, { webhook_url: wanted, webhook_api_version: "2" })
        yield* say(`updated: ${what}`)
      }
    }
    if (leftAlone.length > 0) {
      return yield* new SetupError({ message: `not set up: ${leftAlone.map((n) => `"${n}"`).join(", ")} left alone (see above)` })
    }
    yield* say(summary(changes, dryRun))
    return changes
  })
