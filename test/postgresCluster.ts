// A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a free port on 127.0.0.1, fsync off;
// as root, its programs run as the `postgres` user (PostgreSQL refuses to run as root). Stopped and removed by stop().
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

/** Where initdb is: on the PATH, else Debian's versioned folder (its package does not put it on the PATH). */
const binDir = (): string => {
  const onPath = (process.env.PATH ?? "").split(path.delimiter).find((dir) => dir && fs.existsSync(path.join(dir, "initdb")))
  // Debian links initdb into /usr/local/bin alone; its other programs (psql) are beside the real one.
  if (onPath) return path.dirname(fs.realpathSync(path.join(onPath, "initdb")))
  const debian = "/usr/lib/postgresql"
  const versions = fs.existsSync(debian)
    ? fs.readdirSync(debian).filter((v) => fs.existsSync(path.join(debian, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0] !== undefined) return path.join(debian, versions[0], "bin")
  throw new Error(
    "PostgreSQL's initdb was not found (on the PATH or in /usr/lib/postgresql/*/bin): the PostgreSQL store's tests need it. " +
      "Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@17 (see the README)"
  )
}

/** Runs one statement with psql (trust authentication over TCP, so any user may run it) and returns its rows, tab-separated. */
export const psql = (url: string, statement: string): string => {
  const result = spawnSync(path.join(binDir(), "psql"), [url, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", statement], {
    encoding: "utf8",
    timeout: 60_000
  })
  if (result.status !== 0) throw new Error(`psql failed (${result.status}): ${result.stderr}`)
  return result.stdout.trim()
}

let databases = 0
/** A new empty database on the suite's cluster (started once by test/globalPostgres.ts), its URL. */
export const freshDatabase = (adminUrl: string): string => {
  const name = `t_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`
  psql(adminUrl, `CREATE DATABASE "${name}"`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  readonly urlOf: (database: string) => string
  readonly port: number
  /** A new empty database, its URL. */
  readonly createDatabase: (name: string) => string
  /** Stops the server at once (an outage), keeping its data. */
  readonly pause: () => void
  /** Starts it again on the same port. */
  readonly resume: () => void
  /** Stops it and removes its folder. */
  readonly stop: () => void
}

/**
 * `durable`: keep PostgreSQL's own fsync (the benchmark's figures, comparable with SQLite's synchronous = FULL);
 * the tests turn it off.
 */
export const startPostgres = async ({ durable = false }: { readonly durable?: boolean } = {}): Promise<PostgresCluster> => {
  const bin = binDir()
  const asRoot = process.getuid?.() === 0
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-pg-"))
  const data = path.join(dir, "data")
  if (asRoot) execFileSync("chown", ["postgres:postgres", dir])
  const run = (program: string, args: ReadonlyArray<string>) => {
    const [command, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", path.join(bin, program), ...args]]
      : [path.join(bin, program), [...args]]
    const result = spawnSync(command, argv, { encoding: "utf8", cwd: dir, timeout: 60_000 })
    if (result.status !== 0) {
      const log = fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : ""
      throw new Error(`${program} ${args.join(" ")} failed (${result.status}): ${result.stderr}${result.stdout}\n${log}`)
    }
    return result.stdout
  }
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
  const port = await freePort()
  const options = [
    `-c port=${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    ...(durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
    "-c max_connections=300"
  ].join(" ")
  const resume = () => void run("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-w", "-t", "60", "-o", options, "start"])
  resume()
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`
  let stopped = false
  return {
    port,
    urlOf,
    createDatabase: (name) => {
      psql(urlOf("postgres"), `CREATE DATABASE "${name}"`)
      return urlOf(name)
    },
    pause: () => void run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    resume,
    stop: () => {
      if (stopped) return
      stopped = true
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
      } catch {
        // already stopped (paused by a test)
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
