// The floor: a bare node:http server that forwards /message to ClickSend with fetch and returns the id.
// No validation, no token check, no store: what Node alone can do.
import * as http from "node:http"
import type { AddressInfo } from "node:net"

const clicksend = process.env.CLICKSEND_URL!

const server = http.createServer((req, res) => {
  let body = ""
  req.setEncoding("utf8")
  req.on("data", (chunk: string) => (body += chunk))
  req.on("end", async () => {
    const { contactId, message } = JSON.parse(body) as { contactId: string; message: { text: string } }
    const answer = await fetch(`${clicksend}/sms/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ to: contactId, body: message.text, source: "floor" }] })
    })
    const json = (await answer.json()) as { data: { messages: Array<{ message_id: string }> } }
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ mId: json.data.messages[0]!.message_id }))
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`))
