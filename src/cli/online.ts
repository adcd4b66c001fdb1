// What `check-config --online` and `setup` ask of the world: the provider's account, and the webhook hosts reachable
// over TLS. One line each, never a secret.
import { Effect } from "effect"
import * as tls from "node:tls"
import type { ChannelConfig } from "../config/ChannelConfig.ts"
import type { ProviderOperator } from "../providers/ProviderSetup.ts"
import { providers, webhookUrlOf } from "../registry.ts"

/** The provider plugin's own operator commands. */
export const operatorOf = (config: ChannelConfig): ProviderOperator => providers[config.provider.plugin].operator

/** Whether `url`'s host answers a TLS handshake (a certificate the runtime trusts), or why not. */
const reachable = (url: string, timeoutMs: number) =>
  Effect.async<string | undefined>((resume) => {
    const { hostname, port, protocol } = new URL(url)
    if (protocol !== "https:") return resume(Effect.succeed(`${hostname}: not https, so the platform's events would travel unencrypted`))
    const socket = tls.connect({ host: hostname, port: Number(port || 443), servername: hostname, timeout: timeoutMs })
    const done = (problem: string | undefined) => {
      socket.destroy()
      resume(Effect.succeed(problem))
    }
    socket.once("secureConnect", () => done(undefined))
    socket.once("timeout", () => done(`${hostname}: no TLS answer within ${timeoutMs} ms`))
    socket.once("error", (e) => done(`${hostname}: ${(e as NodeJS.ErrnoException).code ?? e.message}`))
  })

/** Each check as a line, and whether all passed. */
export const onlineChecks = (config: ChannelConfig) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    let ok = true
    const account = yield* Effect.either(operatorOf(config).account(config.provider))
    if (account._tag === "Right") lines.push(`ok: ${account.right}`)
    else {
      ok = false
      lines.push(`failed: ${account.left.message}`)
    }
    for (const url of new Set(config.channels.map((c) => webhookUrlOf(config, c)))) {
      const problem = yield* reachable(url, 5_000)
      if (problem === undefined) lines.push(`ok: webhook ${new URL(url).host} answers over TLS`)
      else {
        ok = false
        lines.push(`failed: webhook ${problem}`)
      }
    }
    return { lines, ok }
  })
