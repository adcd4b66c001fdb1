import { Effect } from "effect"
import { harness, pushUrl, secrets, form } from "/work/main/test/harness.ts"

const req = async (url: string, init: RequestInit) => {
  const r = await fetch(url, init); const t = await r.text(); return `${r.status} ${t}`
}
const prog = Effect.gen(function*() {
  const h = yield* harness({ server: { maxBodyBytes: 2000 } })
  const P = (label: string, p: Promise<string>) => Effect.promise(() => p.then((s) => console.log(label, s)))
  const inb = pushUrl(h, "push_message")
  yield* P("form charset", req(inb, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" }, body: form({ message_id: "m1", from: "+61429912603", to: "+61411111111", body: "hi", timestamp: "1775012927" }) }))
  yield* P("json no ctype", req(inb, { method: "POST", headers: {"content-type": ""}, body: JSON.stringify({ message_id: "m2", from: "+61429912603", to: "+61411111111", body: "hi", timestamp: 1775012927 }) }))
  yield* P("json text/plain", req(inb, { method: "POST", headers: {"content-type": "text/plain"}, body: JSON.stringify({ message_id: "m2", from: "+61429912603", to: "+61411111111", body: "hi", timestamp: 1775012927 }) }))
  yield* P("json array", req(inb, { method: "POST", headers: {"content-type": "application/json"}, body: "[]" }))
  yield* P("form raw plus", req(inb, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "message_id=m3&from=+61429912603&to=+61411111111&body=hi+there&timestamp=1775012927" }))
  yield* P("GET raw plus", req(inb + "&message_id=m4&from=+61429912603&to=+61411111111&body=hi", { method: "GET" }))
  yield* P("too large", req(inb, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ body: "x".repeat(5000) }) }))
  // chunked too large (no content-length)
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("x".repeat(5000))); c.close() } })
  yield* P("too large chunked", req(h.url + "/message", { method: "POST", headers: { authorization: `Bearer ${secrets.tokenA}`, "content-type": "application/json" }, body: stream, duplex: "half" } as any))
  yield* P("empty /message", req(h.url + "/message", { method: "POST", headers: { authorization: `Bearer ${secrets.tokenA}` } }))
  yield* P("bad token", req(h.url + "/message", { method: "POST", headers: { authorization: `bearer x` }, body: "{" }))
  yield* P("bearer lower", req(h.url + "/message", { method: "POST", headers: { authorization: `BEARER ${secrets.tokenA}` }, body: JSON.stringify({channelId:"gfd8g7fd89dgfd", contactId:"+60177872890", message:{type:"text", text:"hi"}}) }))
  yield* P("GET /message", req(h.url + "/message", { method: "GET" }))
  yield* P("HEAD /healthz", req(h.url + "/healthz", { method: "HEAD" }))
  yield* P("receipt 301 no text", req(pushUrl(h, "delivery_receipt"), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form({ message_id: "m1", status_code: "301", custom_string: "v=1&ch=gfd8g7fd89dgfd&c=%2B60177872890&p=1%2F1", error_text: "", status_text: "" }) }))
  yield* P("inbound no match? bad payload", req(inb, { method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({ from: "+61429912603" }) }))
  yield* Effect.sleep(200)
  console.log("webhook got:", JSON.stringify(h.webhook.payloads()).slice(0,3000))
  console.log("LOGS\n" + h.logs.join("\n"))
})
Effect.runPromise(Effect.scoped(prog)).catch((e) => console.error("ERR", e))
