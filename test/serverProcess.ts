// Starts the bridge as a process (node, the single executable, or deno) and waits until it listens.
import { type ChildProcess, spawn } from "node:child_process"

export interface ServerProcess {
  readonly child: ChildProcess
  readonly output: { stdout: string; stderr: string }
  /** The URL it listens on, once its start-up line says so. */
  readonly url: Promise<string>
  /** The exit code, once it exited. */
  readonly exited: Promise<number | null>
}

const running = new Set<ChildProcess>()
process.on("exit", () => running.forEach((child) => child.kill("SIGKILL")))

export const startProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: {
    readonly cwd?: string
    readonly env?: Record<string, string | undefined>
    /** Keep what it prints after its start-up line (false for long benchmark runs). */
    readonly keepOutput?: boolean
  } = {}
): ServerProcess => {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] })
  // A test that timed out never reaches its own cleanup: whatever it started ends with the test process.
  running.add(child)
  child.on("exit", () => running.delete(child))
  const output = { stdout: "", stderr: "" }
  child.stderr!.on("data", (d) => (output.stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line within 45 s: ${output.stdout}${output.stderr}`)), 45_000)
    let listening = false
    child.stdout!.on("data", (d) => {
      if (listening && options.keepOutput === false) return
      output.stdout += d
      if (listening) return
      const match = output.stdout.match(/listening on (http:\/\/[0-9.]+:\d+)/)
      if (match) {
        listening = true
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`exited before listening: ${output.stdout}${output.stderr}`))
    })
  })
  url.catch(() => undefined)
  return { child, output, url, exited }
}
