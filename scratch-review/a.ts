import { splitText } from "/work/main/src/translate/splitText.ts"
import { countParts } from "/work/main/src/translate/smsParts.ts"
import { Effect, Schema } from "effect"
import { Codecs } from "/work/main/src/services/Codecs.ts"
import { parseConfig } from "/work/main/src/config/loadConfig.ts"
import { mapLink, planSend } from "/work/main/src/translate/outgoing.ts"

const check = (name: string, t: string, m: number) => {
  const parts = splitText(t, m)
  const ok = parts.join("") === t && parts.every(p => countParts(p).parts <= m)
  console.log(name, parts.length, ok, parts.map(p => countParts(p)).map(x=>x.parts+x.encoding).join(" "))
}
check("ws", " ".repeat(5000), 1)
check("crlf", "ab\r\n".repeat(2000), 1)
check("lone", "\ud800".repeat(300)+"a", 1)
check("ext", "€".repeat(500), 2)
check("emoji", "😀".repeat(500), 1)
check("hi+url", "Hi " + "x".repeat(2000), 6)
check("7000 ascii", "word ".repeat(1400), 6)
console.log(splitText("Hi " + "x".repeat(1000), 6).map(s=>s.length))
const c = Effect.runSync(Codecs.pipe(Effect.provide(Codecs.Default)))
const run = (e: any) => Effect.runSync(Effect.either(e))
const show = (x: any) => console.log(JSON.stringify(x._tag === "Left" ? x.left.message : x.right))
show(run(c.outgoingRequest({channelId:"a", contactId:"+61411111111", message:{type:"text", text:"x".repeat(7001)}})))
show(run(c.outgoingRequest({channelId:"a", contactId:"+61411111111", message:{type:"foo"}})))
show(run(c.outgoingRequest({channelId:"a", contactId:"+61411111111", message:{type:"text"}})))
show(run(c.outgoingRequest({channelId:"a", contactId:"+61411111111", message:{type:"attachment", attachment:{type:"pdf", url:"x"}}})))
show(run(c.outgoingRequest({channelId:"a", contactId:"+61411111111", message:{type:"quick_reply", title:"t", replies:[]}})))
show(run(c.outgoingRequest({channelId:"a", contactId:"+61411111111", message:{type:"location", latitude:91, longitude:0}})))
show(run(c.outgoingRequest({channelId:"a", contactId:"abc", message:{type:"text", text:"x"}})))
show(run(c.outgoingRequest([])))
show(run(c.inboundPush({message_id:"x", from:" 61429912603", body:"hi", timestamp:""})))
show(run(c.inboundPush({message_id:"x", from:"+6142", body:"", timestamp:"1775012927"})))
show(run(c.inboundPush({message_id:"x", from:"+6142", timestamp:"1775012927"})))
show(run(c.deliveryReceipt({message_id:"x", status_code:"", })))
show(run(c.deliveryReceipt({messageid:"x", status_code:"201.5", })))
console.log(mapLink(0.0000001, -0.00000005))
const env = {U:"u", K:"secretkey", S:"0123456789abcdef0123", T:"tok", C:"ch", PORT:"8080"}
const base = (extra: string) => `{"server":{"port":${extra}},"provider":{"plugin":"clicksend","username":"\${U}","apiKey":"\${K}","pushSecret":"\${S}"},"channels":[{"name":"m","channelId":"\${C}","apiToken":"\${T}"}]}`
console.log(parseConfig("f.json", base(`"\${PORT}"`), env))
console.log(parseConfig("f.json", base(`3030`).replace('"apiKey":"${K}"','"apiKey":5'), env))
console.log(parseConfig("f.json", base(`3030`).replace('"${C}"','"${T}x"'), {...env, T: "supersecrettokenvalue"}))
