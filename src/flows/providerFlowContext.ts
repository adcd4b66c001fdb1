// What a provider's flows (its push routes, its catch-up) run with: the bridge's services, and the answers to keywords
// sent through the provider's own `send`.
import { Context, Effect } from "effect"
import type { ProviderNeeds, SmsProviderShape } from "../providers/SmsProvider.ts"
import { KeywordReplies, makeKeywordReplies } from "./keywordReplies.ts"

/** What a provider's flows run with: the bridge's services, and keyword replies sent through the provider's `send`. */
export const providerFlowContext = (send: SmsProviderShape["send"]) =>
  Effect.gen(function*() {
    const needs = yield* Effect.context<ProviderNeeds>()
    return Context.add(needs, KeywordReplies, yield* makeKeywordReplies(send))
  })
