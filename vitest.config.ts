import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // The suite, and each plugin's table tests beside it (src/providers/<name>/*.test.ts).
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    // A throwaway PostgreSQL cluster for the PostgreSQL store's tests, started once and removed at the end.
    globalSetup: ["test/globalPostgres.ts"],
    // Bounds for a test that hangs, not goals: every test passes in under a third of this on a quiet 2-core machine,
    // and with both cores busy too (npm run test:busy).
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
