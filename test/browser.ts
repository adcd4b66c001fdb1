// Headless Chromium for the console's tests: Debian's own (/usr/bin/chromium; .ci/run installs it when missing),
// driven through playwright-core, which downloads no browser. A fresh profile each time, and none of Chromium's own
// calls home (this machine has no way out, and a test must not depend on one).
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Where the test run writes the console's screenshots (README: "The operator's console"); not committed. */
export const screenshotDir = path.join(import.meta.dirname, "..", "screenshots")

export const viewports = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 390, height: 844 }
} as const

/** A browser for the scope of a test. */
export const browser = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
  ),
  (b) => Effect.promise(() => b.close())
)

/** A page of its own (its own sessionStorage), recording what the browser said: CSP violations, script errors. */
export const newPage = (b: Browser, viewport: { width: number; height: number } = viewports.desktop) =>
  Effect.promise(async () => {
    const context = await b.newContext({ viewport })
    const page = await context.newPage()
    const problems: Array<string> = []
    page.on("pageerror", (e) => problems.push(`script error: ${e.message}`))
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 40[13]/.test(m.text())) problems.push(m.text())
    })
    return { page, problems }
  })

/** The page as it looks now, into the screenshot folder as `<name>-<width>.png`. */
export const shoot = (page: Page, name: string) =>
  Effect.promise(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true })
    const width = page.viewportSize()?.width ?? 0
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${width <= 640 ? "phone" : "desktop"}.png`), fullPage: true })
  })
