// Who is calling: the channel a bearer token belongs to, and whether a push carries the push secret.
import { Effect, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { AppConfig } from "../config/AppConfig.ts"
import type { Channel } from "../config/ChannelConfig.ts"
import { Unauthorized } from "../domain/errors.ts"

// Digests have one length whatever the input, so the comparison takes the same time for every guess.
const digest = (s: string) => createHash("sha256").update(s, "utf8").digest()
const same = (a: Buffer, b: Buffer) => timingSafeEqual(a, b)

/** Whether what a caller offers is `secret`, compared in constant time. */
export const secretCheck = (secret: string) => {
  const expected = digest(secret)
  return (offered: string | undefined) => offered !== undefined && same(digest(offered), expected)
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive. */
export const bearerToken = (header: string | undefined): Option.Option<string> => {
  const match = header?.match(/^bearer[ \t]+(\S+)[ \t]*$/i)
  return match ? Option.some(match[1]!) : Option.none()
}

export class TokenCheck extends Effect.Service<TokenCheck>()("TokenCheck", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const channels = config.channels.map((channel) => ({ channel, token: digest(Redacted.value(channel.apiToken)) }))

    const channelFor = (authorization: string | undefined): Effect.Effect<Channel, Unauthorized> => {
      const token = bearerToken(authorization)
      if (Option.isNone(token)) {
        return Effect.fail(new Unauthorized({ message: "Authorization: Bearer <channel API token> is required" }))
      }
      const offered = digest(token.value)
      // Every channel is compared, so the time taken does not tell which one matched.
      const found = channels.reduce<Channel | undefined>((hit, c) => same(c.token, offered) ? c.channel : hit, undefined)
      return found ? Effect.succeed(found) : Effect.fail(new Unauthorized({ message: "invalid API token" }))
    }

    const metricsToken = config.server.metricsToken === undefined ? undefined : digest(Redacted.value(config.server.metricsToken))
    /** Open when no server.metricsToken is set; else the bearer token must be it. */
    const checkMetricsToken = (authorization: string | undefined): Effect.Effect<void, Unauthorized> => {
      if (metricsToken === undefined) return Effect.void
      const token = bearerToken(authorization)
      return Option.isSome(token) && same(digest(token.value), metricsToken)
        ? Effect.void
        : Effect.fail(new Unauthorized({ message: "Authorization: Bearer <server.metricsToken> is required" }))
    }

    return { channelFor, checkMetricsToken } as const
  })
}) {}
