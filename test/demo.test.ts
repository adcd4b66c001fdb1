// `npm run demo` shows every hop with no accounts: outgoing, receipt, incoming.
import { expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as path from "node:path"

it("the demo drives one message each way through the real bridge and exits cleanly with --once", () => {
  const out = execFileSync(process.execPath, [path.join(import.meta.dirname, "..", "src", "main.ts"), "demo", "--once"], {
    encoding: "utf8",
    timeout: 50_000
  })
  const mId = out.match(/HTTP 200 \{"mId":"([0-9A-F-]+)"\}/)?.[1]
  expect(mId).toBeDefined()
  expect(out).toContain(`[simulated ClickSend] SMS to +60177872890: "Hello World" (HTTP 200)`)
  expect(out).toContain(`[simulated webhook] status "delivered" of mId ${mId} (answered HTTP 200)`)
  expect(out).toContain(`[simulated webhook] message "Hi! Is my order ready?" from +60177872890 (answered HTTP 200)`)
})
