// What `channel-server setup` and `check-config --online` need of a provider: its account named (never a secret), and
// its side set up to push to the bridge. A provider's folder implements it (`operator` in src/registry.ts).
import { Data, Effect } from "effect"
import { sameNumber } from "../domain/phoneNumbers.ts"

/** The provider refused, or could not be reached: one line that says what to check. */
export class SetupError extends Data.TaggedError("SetupError")<{ readonly message: string }> {}

/** What setting up needs of a channel (typed here, not from the configuration, which is built from the registry). */
export interface ChannelNumbers {
  readonly name: string
  readonly numbers: ReadonlyArray<string>
  /** The number (or sender id) it sends from, when set. */
  readonly from?: string | undefined
}

export interface ProviderOperator {
  /** The account the credentials open, in words: "<Provider> account acct, balance 12.50 AUD". */
  readonly account: (provider: unknown) => Effect.Effect<string, SetupError>
  /** Sets the provider up to push to `publicUrl` (with `dryRun`, only says what it would do); how many changes. */
  readonly setUp: (
    config: { readonly provider: unknown; readonly channels: ReadonlyArray<ChannelNumbers> },
    publicUrl: string,
    dryRun: boolean,
    say: (line: string) => Effect.Effect<void>
  ) => Effect.Effect<number, SetupError>
}


/** The account's numbers against the channels': which channel each belongs to, and what is missing either side. */
export const matchNumbers = (accountNumbers: ReadonlyArray<string>, channels: ReadonlyArray<ChannelNumbers>, where = "") => {
  const owner = (n: string) => channels.find((c) => c.numbers.some((m) => sameNumber(m, n)))?.name
  return {
    lines: accountNumbers.map((n) => `${n.padEnd(16)} ${owner(n) ?? "(no channel: its messages are not the bridge's)"}`),
    warnings: [
      ...accountNumbers.filter((n) => owner(n) === undefined).map((n) => `${n} is on the account${where} but in no channel's numbers`),
      ...channels.flatMap((c) =>
        c.numbers.filter((m) => !accountNumbers.some((n) => sameNumber(n, m))).map((m) =>
          `channel ${c.name}: ${m} is not one of the account's numbers${where}`
        )
      )
    ]
  }
}

/** The last line of a set-up: what it changed, or would. */
export const summary = (changes: number, dryRun: boolean) =>
  changes === 0
    ? "nothing to change: the account is set up"
    : dryRun
    ? `${changes} to change (--dry-run: nothing was changed)`
    : `${changes} changed`

/**
 * One call of a provider's account API (a handful per command, so a plain fetch): its status and body, or a
 * SetupError naming the provider and where it could not be reached.
 */
export const accountCall = (provider: string, baseUrl: string, timeoutMs: number, headers: Readonly<Record<string, string>>) =>
(method: string, path: string, body?: unknown) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...headers, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs)
      })
      return { status: response.status, text: await response.text() }
    },
    catch: (e) => new SetupError({ message: `${provider} could not be reached at ${new URL(baseUrl).origin}: ${(e as Error).message}` })
  })

/** A body as JSON, or undefined when it is not. */
export const jsonOf = (text: string): any => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
