// The command line as an operator runs it: `node src/main.ts ARGS`, from a folder of their choosing, with an environment.
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as path from "node:path"

const main = path.join(import.meta.dirname, "..", "src", "main.ts")

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const runCli = (args: ReadonlyArray<string>, options: { readonly cwd?: string; readonly env?: Record<string, string | undefined> } = {}) =>
  Effect.promise(() =>
    new Promise<CliRun>((resolve) =>
      execFile(
        process.execPath,
        [main, ...args],
        { timeout: 60_000, cwd: options.cwd, env: options.env ?? process.env },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      )
    )
  )
