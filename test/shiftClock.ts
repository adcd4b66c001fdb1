// Preloaded into a bridge process by the clock-step test (node --import): on SIGUSR2, Date.now moves to the real
// time plus the milliseconds written in the file named by CLOCK_SHIFT_FILE, as an NTP step or a resumed VM moves the
// wall clock; the machine's own clock is not touched. It says so on stderr once the shift is in force.
import * as fs from "node:fs"

const file = process.env.CLOCK_SHIFT_FILE
if (file) {
  const realNow = Date.now.bind(Date)
  let offset = 0
  Date.now = () => realNow() + offset
  process.on("SIGUSR2", () => {
    offset = Number(fs.readFileSync(file, "utf8"))
    process.stderr.write(`clock shifted by ${offset} ms\n`)
  })
}
