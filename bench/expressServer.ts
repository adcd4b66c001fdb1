// What users start from today: Express + axios doing what the vendor's example meant to do
// (token check, ClickSend call with Basic auth, the message id back).
import axios from "axios"
import express from "express"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

const clicksend = process.env.CLICKSEND_URL!
const token = process.env.API_TOKEN!
const agent = new http.Agent({ keepAlive: true })

const app = express()
app.use(express.json())
app.use((req, res, next) => {
  const bearer = req.headers.authorization
  if (!bearer || bearer.substring(7) !== token) return void res.sendStatus(401)
  next()
})
app.post("/message", async (req, res) => {
  const { contactId, message } = req.body as { contactId: string; message: { text: string } }
  try {
    const answer = await axios.post(
      `${clicksend}/sms/send`,
      { messages: [{ to: contactId, body: message.text, source: "express" }] },
      { auth: { username: "bench", password: "bench-key" }, httpAgent: agent }
    )
    res.json({ mId: answer.data.data.messages[0].message_id })
  } catch (e) {
    res.status(500).json({ error: { message: String(e) } })
  }
})
const server = app.listen(0, "127.0.0.1", () =>
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`))
server.keepAliveTimeout = 60_000
