// Telnyx in `channel-server demo`: its simulator, signed status webhooks, a customer's text as message.received.
import type { StartDemo } from "../ProviderDemo.ts"
import { startTelnyxSimulator } from "./simulator.ts"

export const startDemo: StartDemo = async (say) => {
  const simulator = await startTelnyxSimulator({
    apiKey: "demo-telnyx-key",
    receipts: true,
    receiptDelayMs: 300,
    onRequest: (r) => {
      if (r.path !== "/v2/messages") return
      const m = JSON.parse(r.body)
      say(`[simulated Telnyx] message to ${m.to}: ${JSON.stringify(m.text)} (HTTP ${r.status})`)
    }
  })
  return {
    settings: { plugin: "telnyx", baseUrl: simulator.baseUrl, apiKey: "demo-telnyx-key", publicKey: simulator.publicKey },
    bridgeAt: (url) => simulator.setWebhookUrl(`${url}/telnyx/webhook`),
    customerTexts: (from, to, text) =>
      simulator.webhook("message.received", simulator.inbound(from, to, text)).then((r) => `HTTP ${r.status} ${JSON.stringify(r.json)}`),
    tryIt: () =>
      "  (Telnyx's webhooks are signed with the simulator's private key: a curl of your own is refused with 401,\n" +
      "   as a forged webhook would be.)",
    close: simulator.close
  }
}
