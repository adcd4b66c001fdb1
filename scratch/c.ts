import { parseConfig } from "../src/config/loadConfig.ts"
import * as fs from "node:fs"
const base = JSON.parse(fs.readFileSync("channel.config.json","utf8"))
const env = { CLICKSEND_USERNAME: "u", CLICKSEND_API_KEY: "k", CLICKSEND_PUSH_SECRET: "0123456789abcdefgh", RESPOND_CHANNEL_ID: "c", RESPOND_API_TOKEN: "t" }
const a = structuredClone(base); a.platform.plugin = "whatsapp"
const b = structuredClone(base); b.provider.maxParts = 9
for (const d of [a,b]) console.log(String(parseConfig("f", JSON.stringify(d), env).pipe?.((x:any)=>x) ?? ""), (parseConfig("f", JSON.stringify(d), env) as any).left?.message)
