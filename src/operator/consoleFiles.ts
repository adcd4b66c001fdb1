// The console's page, script and style, read from src/operator/console/ when run from source; the bundle carries
// them inlined (src/build/buildExecutable.ts replaces this module), so the one executable needs no file beside it.
import { readFileSync } from "node:fs"

const read = (name: string) => readFileSync(new URL(`./console/${name}`, import.meta.url), "utf8")

export const consoleFiles = { html: read("index.html"), script: read("console.js"), style: read("console.css") }
