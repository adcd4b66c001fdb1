// The benchmark is never a timed assertion here; the suite only checks that its quick run works end to end.
import { expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as path from "node:path"

it("npm run bench -- --quick runs every scenario and prints the table", async () => {
  const root = path.join(import.meta.dirname, "..")
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(process.execPath, [path.join(root, "bench", "run.ts"), "--quick"], { cwd: root, timeout: 120_000 }, (error, stdout) =>
      resolve({ code: error ? 1 : 0, stdout }))
  )
  expect(code).toBe(0)
  for (const scenario of ["1. outgoing", "2. outgoing p99", "3. inbound", "4. drain", "6. burst of 1,000 /message (unbatched)", "6. burst of 1,000 /message (batched)", "7. inbound pushes/s answered 200 on PostgreSQL, 1 replica", "7. inbound pushes/s answered 200 on PostgreSQL, 3 replicas", "7. drain at 50/s on PostgreSQL"]) {
    expect(stdout).toContain(`| ${scenario}`)
  }
}, 150_000)
