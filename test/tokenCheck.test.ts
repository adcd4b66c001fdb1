// The token check: the channel a bearer token belongs to, and the push secret.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted } from "effect"
import { AppConfig } from "../src/config/AppConfig.ts"
import type { ChannelConfig } from "../src/config/ChannelConfig.ts"
import { bearerToken, secretCheck, TokenCheck } from "../src/services/TokenCheck.ts"

const channel = (name: string, token: string) => ({
  name,
  channelId: `${name}-id`,
  apiToken: Redacted.make(token),
  numbers: []
})
const config = {
  server: { metricsToken: Redacted.make("metrics-token") },
  provider: { pushSecret: Redacted.make("the-push-secret-0123") },
  channels: [channel("a", "token-a"), channel("b", "token-b")]
} as unknown as ChannelConfig
const TestLayer = TokenCheck.Default.pipe(Layer.provide(Layer.succeed(AppConfig, config)))

describe("TokenCheck", () => {
  it.each([
    ["Bearer abc", Option.some("abc")],
    ["bearer abc", Option.some("abc")],
    ["BEARER   abc  ", Option.some("abc")],
    ["Basic abc", Option.none()],
    ["Bearer", Option.none()],
    ["Bearer a b", Option.none()],
    ["abc", Option.none()],
    [undefined, Option.none()]
  ])("bearerToken(%j) is %s", (header, token) => {
    expect(bearerToken(header)).toEqual(token)
  })

  it.effect("finds the channel of each token, and refuses others with 401", () =>
    Effect.gen(function*() {
      const check = yield* TokenCheck
      expect((yield* check.channelFor("Bearer token-a")).name).toBe("a")
      expect((yield* check.channelFor("bearer token-b")).name).toBe("b")
      for (const header of [undefined, "", "Bearer token-c", "Bearer token-a2", "Bearer toke", "token-a"]) {
        const result = yield* Effect.either(check.channelFor(header))
        expect(Either.isLeft(result) && result.left._tag).toBe("Unauthorized")
      }
    }).pipe(Effect.provide(TestLayer)))

  it.effect("guards /metrics with server.metricsToken when it is set", () =>
    Effect.gen(function*() {
      const check = yield* TokenCheck
      expect(Either.isRight(yield* Effect.either(check.checkMetricsToken("Bearer metrics-token")))).toBe(true)
      for (const header of [undefined, "Bearer token-a", "metrics-token", "Bearer metrics-tokens"]) {
        expect(Either.isLeft(yield* Effect.either(check.checkMetricsToken(header)))).toBe(true)
      }
      const open = TokenCheck.Default.pipe(Layer.provide(Layer.succeed(AppConfig, { ...config, server: {} } as unknown as ChannelConfig)))
      const openCheck = yield* Effect.provide(TokenCheck, open)
      expect(Either.isRight(yield* Effect.either(openCheck.checkMetricsToken(undefined)))).toBe(true)
    }).pipe(Effect.provide(TestLayer)))

  it("a secret check accepts only the exact secret", () => {
    const check = secretCheck("the-push-secret-0123")
    expect(check("the-push-secret-0123")).toBe(true)
    for (const secret of [undefined, "", "the-push-secret-012", "the-push-secret-01234", "THE-PUSH-SECRET-0123"]) {
      expect(check(secret)).toBe(false)
    }
  })
})
