// The operator's console in a real browser (headless Chromium) against the real bridge, its simulated provider and
// webhook: sign in, see a dead letter and why, replay it; add and remove an opt-out and see /message follow it.
// Every page is photographed at a desktop and a phone width into screenshots/.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as http from "node:http"
import { DatabaseSync } from "node:sqlite"
import type { AddressInfo } from "node:net"
import type { Page } from "playwright-core"
import { browser, newPage, shoot, viewports } from "./browser.ts"
import { type Harness, harness, pushUrl, waitWhile } from "./harness.ts"

const adminToken = "admin-token-of-the-console-0123456789abcdef"
const contact = "+60177872890"

const wait = (pending: () => boolean | Promise<boolean>) => Effect.promise(() => waitWhile(pending))
const step = <A>(f: () => Promise<A>) => Effect.promise(f)

/** A customer's SMS as ClickSend pushes it. */
const textIn = (h: Harness, id: string, body: string, to = "+61411111111") =>
  step(() =>
    fetch(pushUrl(h, "push_message"), {
      method: "POST",
      body: new URLSearchParams({ message_id: id, from: contact, to, body, timestamp: "1775012927" })
    }).then((r) => r.status)
  )

/** Signs in through the form, as a person would. */
const signIn = (page: Page, token: string) =>
  step(async () => {
    await page.fill("#token", token)
    await page.press("#token", "Enter")
  })

const visible = (page: Page, selector: string) => step(() => page.waitForSelector(selector, { state: "visible", timeout: 15_000 }))

/** Answers the confirmation dialog with its action button. */
const confirm = (page: Page) =>
  step(async () => {
    await page.waitForSelector("#confirm[open]", { timeout: 15_000 })
    await page.click("#confirm-ok")
  })

/** The bridge with one dead letter: the webhook refuses the customer's text for good (a 400 with `answer`). */
const withDeadLetter = (text: string, answer = "refused") =>
  Effect.gen(function*() {
    const h = yield* harness({ server: { adminToken } })
    h.webhook.script({ status: 400, body: answer })
    expect(yield* textIn(h, "IN-1", text)).toBe(200)
    yield* wait(async () => (await h.deadLetters()).length === 0)
    expect(yield* step(h.deadLetters)).toHaveLength(1)
    return h
  })

/** The id of the element the keyboard is on. */
const focusedId = (page: Page) => step(() => page.evaluate(() => (globalThis as any).document.activeElement?.id as string | undefined))

/** Waits for the page's next reading of the bridge (it reads every few seconds). */
const nextRefresh = (page: Page) =>
  step(async () => {
    const before = await page.getAttribute("body", "data-refreshed")
    await page.waitForFunction((t) => (globalThis as any).document.body.dataset.refreshed !== t, before, { timeout: 20_000 })
  })

describe("the operator's console", () => {
  it.scopedLive("a refused event: a wrong token is told, the right one shows the dead letter and why; Replay delivers it once", () =>
    Effect.gen(function*() {
      // The webhook refuses the first event for good (a 400): it becomes a dead letter with the webhook's answer.
      const h = yield* withDeadLetter("Is my order ready?", `{"error":{"message":"channel is disabled"}}`)

      const b = yield* browser
      for (const viewport of [viewports.phone, viewports.desktop]) {
        const { page, problems } = yield* newPage(b, viewport)
        yield* step(() => page.goto(`${h.url}/console`))
        yield* visible(page, "#view-sign-in")
        // Nothing but the form before signing in.
        expect(yield* step(() => Promise.all([page.isHidden("#nav"), page.isHidden("#sign-out")]))).toEqual([true, true])
        yield* shoot(page, "sign-in")

        yield* signIn(page, "not-the-admin-token-but-just-as-long-0000")
        yield* step(() => page.waitForFunction(() => (globalThis as any).document.getElementById("sign-in-error")?.textContent !== ""))
        expect(yield* step(() => page.textContent("#sign-in-error"))).toBe("That is not the admin token: the bridge refused it.")
        expect(yield* step(() => page.isHidden("#view-overview"))).toBe(true)
        expect(yield* step(() => page.evaluate(() => (globalThis as any).sessionStorage.length))).toBe(0)

        yield* signIn(page, adminToken)
        yield* visible(page, "#view-overview")
        const card = page.locator(`[data-channel="main"]`)
        expect(yield* step(() => card.innerText())).toMatch(/Dead letters\s+1/)
        expect(yield* step(() => card.innerText())).toMatch(/needs a look/)
        // The wrong token's refusal is counted with the others, and shown.
        expect(yield* step(() => page.locator("#refusals-table").innerText())).toMatch(/\/admin\/api\/status\s+401/)
        // The token lives in this tab's sessionStorage, nowhere else.
        expect(yield* step(() => page.evaluate(() => { const w = globalThis as any; return [w.sessionStorage.length, w.localStorage.length, w.document.cookie] }))).toEqual([1, 0, ""])
        yield* shoot(page, "overview")

        yield* step(() => page.click(`#nav a[data-view="dead-letters"]`))
        yield* visible(page, "#dead-table tbody tr")
        // The keyboard is taken to the view's heading, not left on the link or dropped.
        expect(yield* focusedId(page)).toBe("dead-title")
        const row = yield* step(() => page.locator("#dead-table tbody tr").innerText())
        expect(row).toContain("main")
        expect(row).toContain("+6017****890")
        expect(row).toContain("channel is disabled")
        // The message's text is only in the detail view, and the number is masked in the list.
        expect(yield* step(() => page.locator("#view-dead-letters").innerText())).not.toMatch(/Is my order ready|\+60177872890/)
        yield* shoot(page, "dead-letters")
        if (viewport === viewports.phone) {
          expect(problems).toEqual([])
          continue
        }

        const openLetter = step(async () => {
          await page.click("#dead-table tbody tr a")
          // Its buttons wake once the letter is there.
          await page.waitForSelector("#replay-one:not([disabled])", { timeout: 15_000 })
        })
        yield* openLetter
        expect(yield* step(() => page.textContent("#letter-body"))).toContain("Is my order ready?")
        expect(yield* step(() => page.textContent("#letter-reason"))).toContain("channel is disabled")
        yield* shoot(page, "dead-letter")

        // Signing out leaves nothing of it in the page; signing in again goes on from the overview.
        yield* step(() => page.click("#sign-out"))
        yield* visible(page, "#view-sign-in")
        expect(yield* step(() => page.content())).not.toMatch(/Is my order ready|60177872890|\+6017\*/)
        expect(yield* step(() => page.evaluate(() => [(globalThis as any).sessionStorage.length, (globalThis as any).location.hash]))).toEqual([0, ""])
        yield* signIn(page, adminToken)
        yield* visible(page, "#view-overview")
        yield* step(() => page.click(`#nav a[data-view="dead-letters"]`))
        yield* visible(page, "#dead-table tbody tr")
        yield* openLetter

        yield* step(() => page.click("#replay-one"))
        yield* step(() => page.waitForSelector("#confirm[open]"))
        yield* shoot(page, "confirm")
        yield* confirm(page)
        yield* visible(page, "#dead-empty")
        expect(yield* step(() => page.textContent("#notice"))).toMatch(/back in the outbox/)
        const delivered = yield* step(() => h.delivered(1))
        expect(delivered.map((p) => p.events[0].type === "message" && p.events[0].message.type === "text" && p.events[0].message.text)).toEqual([
          "Is my order ready?"
        ])
        yield* shoot(page, "replayed")
        expect(problems).toEqual([])
      }
      // Received once: the refused attempt and the replay's, nothing more.
      yield* wait(() => h.webhook.requests.length < 2)
      expect(h.webhook.requests.map((r) => r.status)).toEqual([400, 200])
      expect(yield* step(h.deadLetters)).toEqual([])
      // The admin token is never logged.
      expect(h.logs.join("\n")).not.toContain(adminToken)
    }))

  it.scopedLive("an opt-out added in the console stops /message to that contact; removing it lets sending work again", () =>
    Effect.gen(function*() {
      const h = yield* harness({ server: { adminToken } })
      const b = yield* browser
      const { page, problems } = yield* newPage(b)
      yield* step(() => page.goto(`${h.url}/console#opt-outs`))
      yield* signIn(page, adminToken)
      yield* visible(page, "#view-opt-outs")
      yield* visible(page, "#opt-empty")

      // A number that is not one: said on the page, nothing recorded.
      yield* step(() => page.fill("#opt-contact", "0411 111"))
      yield* step(() => page.click("#opt-out-form button[type=submit]"))
      yield* step(() => page.waitForSelector("#notice.error"))
      expect(yield* step(() => page.textContent("#notice"))).toMatch(/international form/)

      yield* step(() => page.selectOption("#opt-channel", "main"))
      yield* step(() => page.fill("#opt-contact", contact))
      yield* step(() => page.click("#opt-out-form button[type=submit]"))
      yield* confirm(page)
      yield* visible(page, "#opt-table tbody tr")
      // Said in the command line's words, the number masked as everywhere on the console.
      expect(yield* step(() => page.textContent("#notice"))).toBe(
        "+6017****890 opted out of main: nothing is sent to them until they text START or this is removed"
      )
      const row = yield* step(() => page.locator("#opt-table tbody tr").innerText())
      expect(row).toMatch(/main\s+\+6017\*\*\*\*890\s+OPERATOR/)
      // The number typed is not kept in the page once done (the form, the confirmation's question).
      expect(yield* step(() => page.content())).not.toContain(contact)
      yield* shoot(page, "opt-outs")
      const phone = yield* newPage(b, viewports.phone)
      yield* step(() => phone.page.goto(`${h.url}/console#opt-outs`))
      yield* signIn(phone.page, adminToken)
      yield* visible(phone.page, "#opt-table tbody tr")
      yield* shoot(phone.page, "opt-outs")

      const refused = yield* step(() => h.send({ type: "text", text: "Our weekly offer" }))
      expect(refused.status).toBe(422)
      expect(refused.json.error.message).toMatch(/^\+60177872890 opted out of this channel \(OPERATOR on /)
      expect(h.clicksend.sentSms()).toHaveLength(0)
      // Every refusal is counted for the console, an opt-out's 422 too (its number masked).
      const { refusals } = (yield* step(() =>
        fetch(`${h.url}/admin/api/status`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json())
      )) as any
      expect(refusals).toMatchObject([{ route: "/message", status: 422, count: 1, reason: expect.stringMatching(/^\+6017\*\*\*\*890 opted out of this channel/) }])

      // The page reads itself again every few seconds without taking the keyboard's place away.
      yield* step(() => page.focus("#opt-table tbody button"))
      yield* nextRefresh(page)
      expect(yield* step(() => page.evaluate(() => (globalThis as any).document.activeElement?.textContent))).toBe("Remove")
      yield* step(() => page.keyboard.press("Enter"))
      yield* confirm(page)
      yield* visible(page, "#opt-empty")
      expect(yield* step(() => page.textContent("#notice"))).toBe("+6017****890 opted back in to main")
      expect(yield* step(() => page.content())).not.toContain(contact)
      const sent = yield* step(() => h.send({ type: "text", text: "Welcome back" }))
      expect(sent.status).toBe(200)
      expect(h.clicksend.sentSms()).toHaveLength(1)
      expect([...problems, ...phone.problems]).toEqual([])
    }))

  it.scopedLive("a slow bridge: the view asked for shows at once, and a reading it overtook is dropped, its answer unseen", () =>
    Effect.gen(function*() {
      const h = yield* withDeadLetter("hello?")
      const b = yield* browser
      const { page, problems } = yield* newPage(b)
      yield* step(() => page.goto(`${h.url}/console`))
      yield* signIn(page, adminToken)
      yield* visible(page, "#view-overview")
      // Every notice the page shows from now on, however briefly.
      yield* step(() =>
        page.evaluate(() => {
          const w = globalThis as any
          const notice = w.document.getElementById("notice")
          w.noticesSeen = []
          new w.MutationObserver(() => w.noticesSeen.push(notice.hidden ? "" : notice.textContent)).observe(notice, { childList: true, characterData: true, subtree: true, attributes: true })
        })
      )

      // The letter's answer is held back until the test lets it go; meanwhile it is resolved elsewhere (a 404 then).
      let entered!: () => void
      const asked = new Promise<void>((resolve) => (entered = resolve))
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      yield* step(() =>
        page.route("**/admin/api/dead-letters/1", async (route) => {
          entered()
          await gate
          await route.continue().catch(() => undefined)
        })
      )
      const resolved = yield* step(() =>
        fetch(`${h.url}/admin/api/dead-letters/1/resolve`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } })
      )
      expect(resolved.status).toBe(200)
      yield* step(() => page.evaluate(() => ((globalThis as any).location.hash = "#dead-letters/1")))
      yield* step(() => asked)
      // The operator goes on before the bridge answers: the view is there at once, its heading focused.
      yield* step(() => page.click(`#nav a[data-view="opt-outs"]`))
      yield* visible(page, "#view-opt-outs")
      expect(yield* focusedId(page)).toBe("opt-title")
      yield* visible(page, "#opt-empty")
      release()
      // The held reading's 404 does not pull the operator back, nor say anything.
      yield* nextRefresh(page)
      expect(yield* step(() => page.evaluate(() => (globalThis as any).location.hash))).toBe("#opt-outs")
      expect(yield* step(() => page.evaluate(() => ((globalThis as any).noticesSeen as Array<string>).filter((t) => t !== "")))).toEqual([])
      expect(problems).toEqual([])
    }))

  it.scopedLive("the admin API refuses a missing or wrong token and any page of another origin; nothing it was asked happens", () =>
    Effect.gen(function*() {
      // A dead letter a forged request would try to resolve.
      const h = yield* withDeadLetter("hello?")
      const call = (path: string, init: RequestInit = {}) =>
        step(async () => {
          const r = await fetch(`${h.url}${path}`, init)
          return { status: r.status, headers: r.headers, json: (await r.json().catch(() => undefined)) as any }
        })

      const none = yield* call("/admin/api/status")
      expect(none.status).toBe(401)
      expect(none.json.error.message).toBe("Authorization: Bearer <server.adminToken> is required")
      expect(none.headers.get("cache-control")).toBe("no-store")
      const wrong = yield* call("/admin/api/dead-letters/resolve-all", { method: "POST", headers: { authorization: "Bearer guess-guess-guess-guess-guess-guess" } })
      expect(wrong.status).toBe(401)
      expect(wrong.json.error.message).toBe("invalid admin token")
      // With the right token but from another origin (what a browser adds to a cross-origin request), refused too.
      const forged = yield* call("/admin/api/dead-letters/resolve-all", {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, origin: "http://attacker.example" }
      })
      expect(forged.status).toBe(403)
      const preflight = yield* call("/admin/api/dead-letters/resolve-all", {
        method: "OPTIONS",
        headers: { origin: "http://attacker.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" }
      })
      expect(preflight.status).toBe(403)
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
      // What a browser says of a request from another site, whatever its Origin; and an Origin that is not a URL.
      const crossSite = yield* call("/admin/api/dead-letters/resolve-all", {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "sec-fetch-site": "cross-site", origin: h.url }
      })
      expect(crossSite.status).toBe(403)
      const garbled = yield* call("/admin/api/dead-letters/resolve-all", { method: "POST", headers: { authorization: `Bearer ${adminToken}`, origin: "not a url" } })
      expect(garbled.status).toBe(403)
      expect(yield* step(h.deadLetters)).toHaveLength(1)

      // A real page of another origin (another port of this machine) that holds the token: the browser's preflight is
      // refused, so the request itself is never sent.
      const attacker = yield* Effect.acquireRelease(
        step(() =>
          new Promise<http.Server>((resolve) => {
            const server = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"))
            server.listen(0, "127.0.0.1", () => resolve(server))
          })
        ),
        (s) => step(() => new Promise((resolve) => s.close(resolve)))
      )
      const b = yield* browser
      const { page } = yield* newPage(b)
      yield* step(() => page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`))
      const outcome = yield* step(() =>
        page.evaluate(async ([url, token]) => {
          try {
            const r = await fetch(`${url}/admin/api/dead-letters/resolve-all`, { method: "POST", headers: { authorization: `Bearer ${token}` } })
            return `answered ${r.status}`
          } catch (e) {
            return `failed: ${(e as Error).name}`
          }
        }, [h.url, adminToken] as const)
      )
      expect(outcome).toBe("failed: TypeError")
      expect(yield* step(h.deadLetters)).toHaveLength(1)

      // The right token from the bridge's own origin works, and no answer is cached.
      const ok = yield* call("/admin/api/dead-letters", { headers: { authorization: `Bearer ${adminToken}` } })
      expect(ok.status).toBe(200)
      expect(ok.headers.get("cache-control")).toBe("no-store")
      expect(ok.json.deadLetters).toMatchObject([{ kind: "event", channel: "main", contact: "+6017****890" }])
      const unknown = yield* call("/admin/api/dead-letters/424242/replay", { method: "POST", headers: { authorization: `Bearer ${adminToken}` } })
      expect(unknown).toMatchObject({ status: 404, json: { error: { message: "no dead letter has id 424242" } } })

      // The page: no inline script may run, no site may frame it.
      const consolePage = yield* call("/console")
      expect(consolePage.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self'/)
      expect(consolePage.headers.get("x-frame-options")).toBe("DENY")

      // Each refusal counted under its route, as every refusal is.
      const metrics = yield* step(() => fetch(`${h.url}/metrics`).then((r) => r.text()))
      expect(metrics).toContain(`ccs_refused_requests_total{route="/admin/api/status",status="401"} 1`)
      expect(metrics).toContain(`ccs_refused_requests_total{route="/admin/api/dead-letters/resolve-all",status="401"} 1`)
      // The forged request, our preflight, the cross-site and the garbled ones, and the browser's preflight.
      expect(metrics).toContain(`ccs_refused_requests_total{route="/admin/api/dead-letters/resolve-all",status="403"} 5`)
      // Behind a proxy that passes the host on as X-Forwarded-Host, an older browser's Origin is the bridge's own.
      const proxied = yield* call("/admin/api/opt-outs", {
        headers: { authorization: `Bearer ${adminToken}`, origin: "https://bridge.example", "x-forwarded-host": "bridge.example" }
      })
      expect(proxied.status).toBe(200)
      expect(h.logs.join("\n")).not.toContain(adminToken)
    }))

  it.scopedLive("an opt-out's ref is the same on every replica with the same admin token, and holds no number", () =>
    Effect.gen(function*() {
      const replicas = [yield* harness({ server: { adminToken } }), yield* harness({ server: { adminToken } })]
      const refs: Array<string> = []
      for (const h of replicas) {
        const headers = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" }
        const added = yield* step(() => fetch(`${h.url}/admin/api/opt-outs`, { method: "POST", headers, body: JSON.stringify({ channel: "main", contact }) }))
        expect(added.status).toBe(200)
        const { optOuts } = (yield* step(() => fetch(`${h.url}/admin/api/opt-outs`, { headers }).then((r) => r.json()))) as any
        expect(optOuts).toMatchObject([{ channel: "main", contact: "+6017****890", keyword: "OPERATOR" }])
        refs.push(optOuts[0].ref as string)
      }
      expect(refs[0]).toBe(refs[1])
      expect(refs[0]).not.toMatch(/60177872890/)
      // Removed on one by the ref the other listed.
      const removed = yield* step(() =>
        fetch(`${replicas[1]!.url}/admin/api/opt-outs/remove`, {
          method: "POST",
          headers: { authorization: `Bearer ${adminToken}` },
          body: JSON.stringify({ ref: refs[0] })
        }).then(async (r) => [r.status, await r.json()])
      )
      expect(removed).toEqual([200, { outcome: "changed", message: "+6017****890 opted back in to main" }])
    }))

  it.scopedLive("the status says which channel is stuck: its waiting events, their age, its pause and until when", () =>
    Effect.gen(function*() {
      // The second channel's webhook is on respond.io's old host (nothing is sent to it here): a warning of its own.
      const h = yield* harness({ server: { adminToken }, twoChannels: true, salesWebhookUrl: "https://app.respond.io/custom/channel/webhook/" })
      // The webhook is down and says when to come back: the channel's delivery pauses.
      h.webhook.script({ status: 503, body: "down for maintenance", headers: { "retry-after": "45" } })
      expect(yield* textIn(h, "IN-1", "anyone there?")).toBe(200)
      const status = () =>
        step(() => fetch(`${h.url}/admin/api/status`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json() as Promise<any>))
      let answer = yield* status()
      for (let i = 0; i < 300 && answer.channels[0].pausedUntil === null; i++) {
        yield* Effect.sleep("50 millis")
        answer = yield* status()
      }
      const [main, sales] = answer.channels
      expect(main).toMatchObject({ name: "main", outbox: 1, deadLetters: 0, deliveredHere: true, failuresInARow: 1, owner: null, warnings: [] })
      expect(main.webhookHost).toBe(new URL(h.webhook.url).host)
      expect(main.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0)
      // Paused at least the 45 s the webhook asked (a Retry-After is held to a minute at most), as the worker decided.
      const pausedFor = Date.parse(main.pausedUntil) - Date.parse(answer.now)
      expect(pausedFor).toBeGreaterThan(40_000)
      expect(pausedFor).toBeLessThanOrEqual(60_000)
      expect(sales).toMatchObject({ name: "sales", webhookHost: "app.respond.io", outbox: 0, oldestPendingAgeSeconds: null, pausedUntil: null, failuresInARow: 0 })
      expect(sales.warnings).toEqual([expect.stringMatching(/^channel sales: its events go to app\.respond\.io; .*webhook\.respond\.io/)])
      expect(answer.warnings).toEqual(sales.warnings)
      expect(answer).toMatchObject({ store: { plugin: "sqlite", state: "open" }, provider: "clicksend", platform: "respond.io", unroutable: 0 })
      // Nothing was delivered while paused; the event waits, not lost.
      expect(h.webhook.payloads()).toEqual([])
    }))

  it.scopedLive("a store that cannot be read: the status says unknown (null, never 0); a list that fails is a 500, counted and shown", () =>
    Effect.gen(function*() {
      let db: DatabaseSync | undefined
      const h = yield* harness({ server: { adminToken }, connect: (file) => (db = new DatabaseSync(file)) })
      const get = (route: string) =>
        step(() =>
          fetch(`${h.url}/admin/api/${route}`, { headers: { authorization: `Bearer ${adminToken}` } }).then(async (r) => ({
            status: r.status,
            cacheControl: r.headers.get("cache-control"),
            json: (await r.json()) as any
          }))
        )
      // The outbox's table is gone from under the server (put back at the end, for the harness to close it).
      db!.exec("ALTER TABLE outbox RENAME TO outbox_away")
      const status = yield* get("status")
      expect(status.status).toBe(200)
      expect(status.json.store).toMatchObject({ state: "unreadable", problem: "the store could not be read (the log says why)" })
      expect(status.json.channels[0]).toMatchObject({ name: "main", outbox: null, deadLetters: null, oldestPendingAgeSeconds: null })
      expect(status.json.unroutable).toBeNull()
      const list = yield* get("dead-letters")
      expect(list).toEqual({ status: 500, cacheControl: "no-store", json: { error: { message: "internal error" } } })
      expect((yield* get("status")).json.refusals).toMatchObject([{ route: "/admin/api/dead-letters", status: 500, count: 1 }])
      // Metrics need the store too: a 500 as well, counted once the table is back.
      expect((yield* step(() => fetch(`${h.url}/metrics`))).status).toBe(500)
      db!.exec("ALTER TABLE outbox_away RENAME TO outbox")
      const metrics = yield* step(() => fetch(`${h.url}/metrics`).then((r) => r.text()))
      expect(metrics).toContain(`ccs_refused_requests_total{route="/admin/api/dead-letters",status="500"} 1`)
      expect(metrics).toContain(`ccs_refused_requests_total{route="/metrics",status="500"} 1`)
      expect(h.logs.some((l) => l.includes("request failed unexpectedly") && l.includes("no such table"))).toBe(true)
      expect((yield* get("status")).json.channels[0]).toMatchObject({ outbox: 0, deadLetters: 0 })
    }))

  it.scopedLive("without server.adminToken there is no console and no admin API (404)", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      for (const path of ["/console", "/console/console.js", "/admin/api/status"]) {
        const r = yield* step(() => fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } }))
        expect([path, r.status]).toEqual([path, 404])
      }
      // The rest of the bridge is unchanged.
      expect((yield* step(() => h.send({ type: "text", text: "Hello" }))).status).toBe(200)
    }))
})
