import { Effect } from "effect"
import { harness, secrets } from "/work/main/test/harness.ts"
const prog = Effect.gen(function*() {
  const h = yield* harness({})
  // retry-after 5s with deadline 300ms
  h.clicksend.script({ status: 429, headers: { "retry-after": "5" }, body: { http_code: 429, response_code: "TOO_MANY_REQUESTS" } })
  let t = Date.now()
  let r = yield* Effect.promise(() => h.send({ type: "text", text: "hi" }))
  console.log("429 retry-after 5 ->", r.status, Date.now() - t, "ms (deadline 300)")
  // timeout after ClickSend processed: delay longer than timeoutMs (1000)
  const before = h.clicksend.sentSms().length
  h.clicksend.script({ status: 200, delayMs: 1500, body: { http_code: 200, response_code: "SUCCESS", data: { messages: [{ status: "SUCCESS", message_id: "X1" }] } } })
  t = Date.now()
  r = yield* Effect.promise(() => h.send({ type: "text", text: "hi" }))
  console.log("slow 200 ->", r.status, JSON.stringify(r.json), Date.now() - t, "ms; requests to clicksend:", h.clicksend.requests.length)
  // partial refusal in split message
  const long = "word ".repeat(1400)
  r = yield* Effect.promise(() => h.send({ type: "text", text: long }))
  console.log("long ok", r.status, h.clicksend.sentSms().slice(-8).map(m=>m.custom_string).join(" | "))
})
Effect.runPromise(Effect.scoped(prog)).catch((e) => console.error("ERR", e))
