// `npm run image`: the container image of the single executable (container/Containerfile), built with podman (or
// docker when there is no podman). The root file system is assembled here: the executable, the system libraries it
// links (as `ldd` lists them), a passwd and group naming its user, the configuration, and the store's folder.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import packageJson from "../package.json" with { type: "json" }

const root = path.resolve(import.meta.dirname, "..")
const executable = path.join(root, "dist", "channel-server")
const context = path.join(root, "dist", "image")
const rootfs = path.join(context, "rootfs")
export const imageName = `custom-channel-server:${packageJson.version}`
const uid = 10001

/** The container tool, with the flags this kind of machine needs (CCS_CONTAINER_FLAGS replaces them). */
export const containerTool = (): { tool: string; flags: Array<string> } => {
  const has = (tool: string) => {
    try {
      execFileSync(tool, ["--version"], { stdio: "ignore" })
      return true
    } catch {
      return false
    }
  }
  const tool = has("podman") ? "podman" : "docker"
  const flags = process.env.CCS_CONTAINER_FLAGS !== undefined
    ? process.env.CCS_CONTAINER_FLAGS.split(" ").filter((f) => f !== "")
    : tool === "podman"
    ? [...(fs.existsSync("/usr/sbin/runc") ? ["--runtime", "/usr/sbin/runc"] : []), "--cgroup-manager=cgroupfs"]
    : []
  return { tool, flags }
}

/** The shared libraries the executable loads, and the loader itself, as absolute paths. */
const libraries = () =>
  execFileSync("ldd", [executable], { encoding: "utf8" }).split("\n").flatMap((line) => {
    const match = /(\/\S+) \(0x/.exec(line)
    return match ? [match[1]!] : []
  })

const put = (from: string, to: string, mode?: number) => {
  const target = path.join(rootfs, to)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.copyFileSync(from, target)
  if (mode !== undefined) fs.chmodSync(target, mode)
}

export const buildImage = () => {
  if (!fs.existsSync(executable)) execFileSync(process.execPath, [path.join(root, "src", "build", "buildExecutable.ts")], { stdio: "inherit" })
  fs.rmSync(context, { recursive: true, force: true })
  fs.mkdirSync(rootfs, { recursive: true })
  put(executable, "usr/local/bin/channel-server", 0o755)
  for (const library of libraries()) put(fs.realpathSync(library), library.slice(1))
  put(path.join(root, "container", "channel.config.json"), "etc/channel-server/channel.config.json", 0o644)
  fs.writeFileSync(path.join(rootfs, "etc", "passwd"), `root:x:0:0:root:/:/nonexistent\nchannel-server:x:${uid}:${uid}::/var/lib/channel-server:/nonexistent\n`)
  fs.writeFileSync(path.join(rootfs, "etc", "group"), `root:x:0:\nchannel-server:x:${uid}:\n`)
  // The store's folder apart, so that the Containerfile can give it to the service's user.
  fs.mkdirSync(path.join(rootfs, "var", "lib"), { recursive: true, mode: 0o755 })
  // Its owner is set by the Containerfile (COPY --chown), so that a builder who is not root can build it too.
  const state = path.join(context, "state", "channel-server")
  fs.mkdirSync(state, { recursive: true })
  fs.chmodSync(state, 0o700)
  fs.mkdirSync(path.join(rootfs, "tmp"))
  fs.chmodSync(path.join(rootfs, "tmp"), 0o1777)
  fs.copyFileSync(path.join(root, "container", "Containerfile"), path.join(context, "Containerfile"))
  const { flags, tool } = containerTool()
  execFileSync(tool, [...flags, "build", "--network=none", "-t", imageName, "-f", path.join(context, "Containerfile"), context], { stdio: "inherit" })
  console.log(`built ${imageName} with ${tool}`)
}

if (process.argv[1] === import.meta.filename) buildImage()
