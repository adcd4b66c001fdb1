// ClickSend in `channel-server demo`: its simulator, delivery receipts pushed back, a customer's text as a push.
import type { StartDemo } from "../ProviderDemo.ts"
import { startClickSendSimulator } from "./simulator.ts"

const secret = "demo-push-secret-0123456789"

export const startDemo: StartDemo = async (say) => {
  const simulator = await startClickSendSimulator({
    username: "demo",
    apiKey: "demo-key",
    receiptDelayMs: 300,
    onRequest: (r) => {
      if (r.path !== "/v3/sms/send" && r.path !== "/v3/mms/send") return
      for (const m of JSON.parse(r.body).messages ?? []) say(`[simulated ClickSend] SMS to ${m.to}: ${JSON.stringify(m.body)} (HTTP ${r.status})`)
    }
  })
  let bridge = ""
  return {
    settings: { plugin: "clicksend", baseUrl: simulator.baseUrl, username: "demo", apiKey: "demo-key", pushSecret: secret },
    bridgeAt: (url) => {
      bridge = url
      simulator.setReceiptUrl(`${url}/clicksend/delivery_receipt?secret=${secret}`)
    },
    customerTexts: (from, to, text) =>
      fetch(`${bridge}/clicksend/push_message?secret=${secret}`, {
        method: "POST",
        body: new URLSearchParams({ timestamp: String(Math.floor(Date.now() / 1000)), from, to, body: text, message_id: `DEMO-${Date.now()}` })
      }).then(async (r) => `HTTP ${r.status} ${await r.text()}`),
    tryIt: (from, to) =>
      `  curl -s -X POST '${bridge}/clicksend/push_message?secret=${secret}' \\\n` +
      `    -d 'from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&body=2&message_id=MY-OWN-1&timestamp=1775012927'`,
    close: simulator.close
  }
}
