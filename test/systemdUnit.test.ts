// The systemd unit as shipped: what keeps a configuration mistake from a restart loop, and the store private.
// (`systemd-analyze security --offline=true config/channel-server.service` rates it; the README gives the score.)
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"

const unit = fs.readFileSync(path.join(import.meta.dirname, "..", "config", "channel-server.service"), "utf8")
const settings = (name: string) => unit.split("\n").filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1))

describe("config/channel-server.service", () => {
  it("checks the configuration in serve itself (exit 78, never restarted), not in an ExecStartPre that restarts in a loop", () => {
    expect(settings("ExecStartPre")).toEqual([])
    expect(settings("ExecStart")).toEqual(["/usr/local/bin/channel-server serve --config /etc/channel-server/channel.config.json"])
    expect(settings("Restart")).toEqual(["on-failure"])
    expect(settings("RestartPreventExitStatus")).toEqual(["78"])
  })

  it("keeps the store private and the service confined", () => {
    expect(settings("StateDirectory")).toEqual(["channel-server"])
    expect(settings("StateDirectoryMode")).toEqual(["0700"])
    expect(settings("UMask")).toEqual(["0077"])
    expect(settings("CapabilityBoundingSet")).toEqual([""])
    for (const on of ["NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "RestrictSUIDSGID", "LockPersonality"]) {
      expect(settings(on)).toEqual(["true"])
    }
    expect(settings("ProtectSystem")).toEqual(["strict"])
    expect(settings("MemoryDenyWriteExecute")).toEqual([])
  })
})
