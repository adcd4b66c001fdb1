// The fakes behind every server in the benchmark, each in its own process:
//   node bench/fakes.ts clicksend   answers /v3/sms/send at once, one id per message; counts calls
//   node bench/fakes.ts webhook     answers "OK" at once; keeps each request's arrival time
// GET /stats answers the counts; POST /reset clears them.
import * as http from "node:http"
import type { AddressInfo } from "node:net"

const role = process.argv[2]
let calls = 0
let messages = 0
let next = 0
const arrivals: Array<number> = []

const clicksend = (body: string) => {
  const sent = (JSON.parse(body) as { messages: Array<{ to: string; body: string; custom_string?: string }> }).messages
  calls++
  messages += sent.length
  return {
    http_code: 200,
    response_code: "SUCCESS",
    response_msg: "Messages queued for delivery.",
    data: {
      messages: sent.map((m) => ({
        to: m.to,
        body: m.body,
        status: "SUCCESS",
        message_id: `BENCH-${++next}`,
        message_parts: 1,
        custom_string: m.custom_string ?? ""
      }))
    }
  }
}

const server = http.createServer((req, res) => {
  const arrived = Date.now()
  let body = ""
  req.setEncoding("utf8")
  req.on("data", (chunk: string) => (body += chunk))
  req.on("end", () => {
    if (req.url === "/stats") return void res.end(JSON.stringify({ calls, messages, arrivals }))
    if (req.url === "/reset") {
      calls = messages = 0
      arrivals.length = 0
      return void res.end("{}")
    }
    if (role === "clicksend") {
      res.writeHead(200, { "content-type": "application/json" })
      return void res.end(JSON.stringify(clicksend(body)))
    }
    calls++
    arrivals.push(arrived)
    res.writeHead(200, { "content-type": "text/plain" })
    res.end("OK")
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`))
