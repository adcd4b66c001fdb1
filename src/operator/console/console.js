// The operator's console: signs in with the admin token (kept in this tab's sessionStorage only), reads and acts
// through /admin/api/ with `Authorization: Bearer`, and refreshes itself every few seconds. Every value is put in
// the page as text (textContent), never as HTML.
const refreshMs = 5000
/** A call the bridge has not answered by then is given up (and said), so a hung bridge never freezes the page. */
const answerWithinMs = 10000
const tokenKey = "ccs-admin-token"

const $ = (id) => document.getElementById(id)
const token = () => sessionStorage.getItem(tokenKey)

/** An element with its text or children: el("td", {}, "text"), el("tr", {}, [cells]). */
const el = (tag, attributes = {}, content = []) => {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value)
    else node.setAttribute(key, value)
  }
  for (const child of Array.isArray(content) ? content : [content]) {
    if (child !== null && child !== undefined) node.append(child)
  }
  return node
}

class Refused extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/**
 * One call of the admin API with `held` (the token signed in with); a refusal is thrown with the API's own message.
 * `options.signal` ends it early (a reading the operator has moved on from).
 */
const api = async (path, held, options = {}) => {
  let response
  try {
    const timeout = AbortSignal.timeout(answerWithinMs)
    response = await fetch(`/admin/api/${path}`, {
      method: options.method ?? "GET",
      headers: { authorization: `Bearer ${held}`, ...(options.body ? { "content-type": "application/json" } : {}) },
      body: options.body ? JSON.stringify(options.body) : undefined,
      cache: "no-store",
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    })
  } catch (error) {
    throw new Refused(0, error.name === "TimeoutError" ? `no answer within ${answerWithinMs / 1000} s` : "the bridge cannot be reached")
  }
  const body = await response.json().catch(() => ({}))
  if (!response.ok && !(response.status === 409 && body.message)) {
    throw new Refused(response.status, body.error?.message ?? `the bridge answered ${response.status}`)
  }
  return body
}

const notice = (text, kind = "info") => {
  const node = $("notice")
  node.textContent = text
  node.className = `notice ${kind}`
  node.hidden = false
}

const time = (iso) => (iso ? new Date(iso).toLocaleString() : "")
const duration = (seconds) => {
  if (seconds === null || seconds === undefined) return "—"
  if (seconds < 90) return `${seconds} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86400)} days`
}
const facts = (pairs) => pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])

/** Asks before an action, in a modal the keyboard can answer (Escape cancels). */
const confirmed = (question, action) =>
  new Promise((resolve) => {
    const dialog = $("confirm")
    $("confirm-text").textContent = question
    $("confirm-ok").textContent = action
    const done = (answer) => {
      // The question may name a number: it does not stay in the page.
      $("confirm-text").textContent = ""
      $("confirm-ok").onclick = null
      $("confirm-cancel").onclick = null
      dialog.onclose = null
      if (dialog.open) dialog.close()
      resolve(answer)
    }
    $("confirm-ok").onclick = () => done(true)
    $("confirm-cancel").onclick = () => done(false)
    dialog.onclose = () => done(false)
    dialog.showModal()
    $("confirm-cancel").focus()
  })

// --- the views ---------------------------------------------------------------------------------------------------

/**
 * What each part of the page shows now, by what it displays: a part is built again only when that changed (so the
 * keyboard's focus stays where it is), and counts as built only once it was.
 */
const shown = new Map()
const rendered = (part, displayed, render) => {
  const key = JSON.stringify(displayed)
  if (shown.get(part) === key) return
  render()
  shown.set(part, key)
}

const renderOverview = (status) => {
  // The ages move on every reading: written in place, so the cards (and a focused link in them) stay.
  const channels = status.channels.map((c) => ({ ...c, oldestPendingAgeSeconds: undefined, pausedUntil: c.pausedUntil && time(c.pausedUntil) }))
  rendered("channels", channels, () =>
    $("channels").replaceChildren(...channels.map((c) => {
      const paused = c.pausedUntil !== null
      const unknown = c.outbox === null
      const stuck = unknown || paused || c.deadLetters > 0 || c.warnings.length > 0
      const delivery = c.deliveredHere ? (paused ? `paused until ${c.pausedUntil}` : "running here") : c.owner ? `by ${c.owner}` : "waiting for an owner"
      return el("article", { class: `card ${stuck ? "attention" : "ok"}`, "data-channel": c.name }, [
        el("h2", {}, [c.name, el("span", { class: `badge ${stuck ? "warn" : "good"}` }, unknown ? "unknown: the store cannot be read" : stuck ? "needs a look" : "healthy")]),
        el("dl", { class: "facts" }, [
          ...facts([["Webhook host", c.webhookHost], ["Waiting to deliver", unknown ? "unknown" : String(c.outbox)]]),
          el("dt", {}, "Oldest waiting"), el("dd", { "data-age": c.name }, ""),
          el("dt", {}, "Delivery"), el("dd", { class: paused ? "warn" : "" }, delivery),
          ...(c.failuresInARow ? facts([["Failures in a row", String(c.failuresInARow)]]) : []),
          el("dt", {}, "Dead letters"),
          el("dd", { class: c.deadLetters > 0 ? "warn" : "" }, c.deadLetters > 0 ? el("a", { href: "#dead-letters" }, String(c.deadLetters)) : unknown ? "unknown" : "0")
        ]),
        ...c.warnings.map((w) => el("p", { class: "warning" }, w))
      ])
    })))
  for (const c of status.channels) {
    const age = document.querySelector(`[data-age="${CSS.escape(c.name)}"]`)
    if (age) age.textContent = duration(c.oldestPendingAgeSeconds)
  }
  $("unroutable").textContent = status.unroutable === null
    ? "Unknown: the store cannot be read."
    : status.unroutable === 0 ? "None." : `${status.unroutable} push(es) fit no channel: see Dead letters.`
  rendered("warnings", status.warnings, () =>
    $("warnings").replaceChildren(...(status.warnings.length === 0 ? [el("li", { class: "none" }, "None.")] : status.warnings.map((w) => el("li", {}, w)))))
  rendered("refusals", status.refusals, () =>
    $("refusals-table").tBodies[0].replaceChildren(...(status.refusals.length === 0
      ? [el("tr", {}, el("td", { colspan: "5", class: "none" }, "None."))]
      : status.refusals.map((r) =>
        el("tr", {}, [
          el("td", { "data-label": "Route" }, el("code", {}, r.route)),
          el("td", { "data-label": "Status" }, String(r.status)),
          el("td", { "data-label": "Count" }, String(r.count)),
          el("td", { "data-label": "Last" }, time(r.lastAt)),
          el("td", { "data-label": "Reason" }, r.reason)
        ])))))
  $("about").replaceChildren(...facts([
    ["Version", status.version],
    ["Up for", duration(status.uptimeSeconds)],
    ["Started", time(status.startedAt)],
    ["Store", `${status.store.where} (${status.store.state}${status.store.problem ? `: ${status.store.problem}` : ""})`],
    ["Provider", status.provider],
    ["Platform", status.platform]
  ]))
}

const renderDeadLetters = ({ deadLetters, total }) =>
  rendered("dead-letters", { deadLetters, total }, () => {
    $("dead-table").tBodies[0].replaceChildren(...deadLetters.map((d) =>
      el("tr", {}, [
        el("td", { "data-label": "Id" }, el("a", { href: `#dead-letters/${d.id}`, "aria-label": `Dead letter ${d.id}` }, String(d.id))),
        el("td", { "data-label": "Time" }, time(d.createdAt)),
        el("td", { "data-label": "Channel" }, d.channel ?? "(none)"),
        el("td", { "data-label": "Kind" }, d.kind),
        el("td", { "data-label": "Contact" }, d.contact ?? "—"),
        el("td", { "data-label": "mId", class: "mono" }, d.mId ?? "—"),
        el("td", { "data-label": "Reason", class: "reason-cell" }, d.reason)
      ])))
    $("dead-table").hidden = deadLetters.length === 0
    $("dead-empty").hidden = deadLetters.length > 0
    $("dead-more").hidden = total <= deadLetters.length
    $("dead-more").textContent = `Showing the oldest ${deadLetters.length} of ${total}. Replay all and Resolve all act on every one.`
    $("replay-all").disabled = $("resolve-all").disabled = total === 0
  })

/** The dead letter the detail view shows, once it is loaded (its buttons act on this one only). */
let letterId = null

const emptyDeadLetter = () => {
  letterId = null
  shown.delete("dead-letter")
  $("replay-one").disabled = $("resolve-one").disabled = true
  $("letter-title").textContent = "Dead letter"
  for (const id of ["letter-facts", "letter-reason", "letter-body"]) $(id).replaceChildren()
}

const renderDeadLetter = (letter) =>
  rendered("dead-letter", letter, () => {
    $("letter-title").textContent = `Dead letter ${letter.id}`
    $("letter-facts").replaceChildren(...facts([
      ["Time", time(letter.createdAt)],
      ["Channel", letter.channel ?? "(none: fits no channel)"],
      ["Kind", letter.kind],
      ["Contact", letter.contact ?? "—"],
      ["mId", letter.mId ?? "—"],
      ["Attempts", String(letter.attempts)],
      ...(letter.source ? [["Received by", letter.source]] : [])
    ]))
    $("letter-reason").textContent = letter.reason
    $("letter-body").textContent = JSON.stringify(letter.body, null, 2)
    letterId = letter.id
    $("replay-one").disabled = $("resolve-one").disabled = false
  })

const renderOptOuts = (status, { optOuts }) => {
  const select = $("opt-channel")
  rendered("opt-channels", status.channels.map((c) => c.name), () =>
    select.replaceChildren(...status.channels.map((c) => el("option", { value: c.name }, c.name))))
  rendered("opt-outs", optOuts, () => {
    $("opt-table").tBodies[0].replaceChildren(...optOuts.map((o) =>
      el("tr", {}, [
        el("td", { "data-label": "Since" }, time(o.since)),
        el("td", { "data-label": "Channel" }, o.channel ?? "—"),
        el("td", { "data-label": "Contact" }, o.contact),
        el("td", { "data-label": "How" }, o.keyword),
        el("td", { "data-label": "" }, el("button", {
          type: "button",
          class: "quiet",
          "aria-label": `Remove the opt-out of ${o.contact} from ${o.channel}`,
          onclick: () =>
            act(`Opt ${o.contact} back in to ${o.channel}? They will be sent messages again.`, "Remove opt-out", (held) =>
              api("opt-outs/remove", held, { method: "POST", body: { ref: o.ref } }))
        }, "Remove"))
      ])))
    $("opt-table").hidden = optOuts.length === 0
    $("opt-empty").hidden = optOuts.length > 0
  })
}

// --- navigation and refreshing -----------------------------------------------------------------------------------

const views = ["sign-in", "overview", "dead-letters", "dead-letter", "opt-outs"]

const route = () => {
  const hash = location.hash.slice(1)
  if (!token()) return { view: "sign-in" }
  const letter = hash.match(/^dead-letters\/(\d+)$/)
  if (letter) return { view: "dead-letter", id: letter[1] }
  return { view: views.includes(hash) && hash !== "sign-in" && hash !== "dead-letter" ? hash : "overview" }
}

const show = (view) => {
  for (const v of views) $(`view-${v}`).hidden = v !== view
  const signedIn = view !== "sign-in"
  $("nav").hidden = $("session").hidden = !signedIn
  for (const link of document.querySelectorAll("#nav a")) {
    const current = link.dataset.view === view || (view === "dead-letter" && link.dataset.view === "dead-letters")
    if (current) link.setAttribute("aria-current", "page")
    else link.removeAttribute("aria-current")
  }
}

/** Nothing the last session read or typed stays in the page (a dead letter's body, a number, say). */
const clearViews = () => {
  reading?.abort()
  if ($("confirm").open) $("confirm").close()
  $("confirm-text").textContent = ""
  $("opt-contact").value = ""
  shown.clear()
  emptyDeadLetter()
  for (const id of ["channels", "warnings", "about", "unroutable", "version", "dead-count", "refreshed"]) $(id).replaceChildren()
  for (const id of ["refusals-table", "dead-table", "opt-table"]) $(id).tBodies[0].replaceChildren()
  $("notice").hidden = true
}

const signOut = (message) => {
  sessionStorage.removeItem(tokenKey)
  clearViews()
  history.replaceState(null, "", location.pathname)
  show("sign-in")
  $("sign-in-error").textContent = message ?? ""
  $("token").focus()
}

let refreshing = false
let again = false
/** The reading under way: ended when the operator signs out or goes to another view. */
let reading = null
/** Whether the last reading failed: its notice goes once the bridge answers again. */
let failing = false

/** Reads the status and the view shown, then says when; asked while it runs, it runs once more after. */
const refresh = async () => {
  if (!token()) return
  if (refreshing) {
    again = true
    return
  }
  refreshing = true
  try {
    do {
      again = false
      await readPage()
    } while (again && token())
  } finally {
    refreshing = false
  }
}

/**
 * One reading, for the token and the view as they were when it began: what comes back after a sign-out or after
 * the operator went elsewhere is dropped (the next reading is already asked for).
 */
const readPage = async () => {
  const held = token()
  const { view, id } = route()
  const current = () => token() === held && route().view === view && route().id === id
  const controller = new AbortController()
  reading = controller
  const options = { signal: controller.signal }
  show(view)
  try {
    const status = await api("status", held, options)
    if (!current()) return
    $("version").textContent = status.version
    const dead = status.channels.reduce((n, c) => n + (c.deadLetters ?? 0), status.unroutable ?? 0)
    $("dead-count").textContent = dead > 0 ? String(dead) : ""
    const part = view === "dead-letters"
      ? await api("dead-letters", held, options)
      : view === "dead-letter"
      ? await api(`dead-letters/${id}`, held, options)
      : view === "opt-outs"
      ? await api("opt-outs", held, options)
      : undefined
    if (!current()) return
    if (view === "overview") renderOverview(status)
    if (view === "dead-letters") renderDeadLetters(part)
    if (view === "dead-letter") renderDeadLetter(part)
    if (view === "opt-outs") renderOptOuts(status, part)
    $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`
    document.body.dataset.refreshed = new Date().toISOString()
    if (failing) $("notice").hidden = true
    failing = false
  } catch (error) {
    if (token() !== held) return
    if (error instanceof Refused && error.status === 401) return signOut("The admin token was refused: it may have changed. Sign in again.")
    // The operator went elsewhere meanwhile: what this reading met is no longer theirs to see.
    if (!current()) return
    if (error instanceof Refused && error.status === 404 && view === "dead-letter") {
      notice(`${error.message}: there is none by that id now (replayed or resolved, maybe from elsewhere).`, "error")
      location.hash = "#dead-letters"
    } else {
      $("refreshed").textContent = "Not updated"
      failing = true
      notice(`The bridge did not answer as it should: ${error.message}. Trying again every ${refreshMs / 1000} s.`, "error")
    }
  } finally {
    if (reading === controller) reading = null
  }
}

/**
 * An action after its confirmation: what happened is said, and the page (`then`, when given) is read again.
 * True when it was done.
 */
const act = async (question, action, call, then) => {
  const held = token()
  if (!held || !(await confirmed(question, action))) return false
  let done = false
  try {
    const answer = await call(held)
    const lines = answer.outcomes
      ? answer.outcomes.length === 0 ? ["Nothing to do: no dead letters."] : answer.outcomes.map((o) => `${o.id}: ${o.message}`)
      : [answer.message]
    done = answer.outcome !== "refused" && !(answer.outcomes && answer.outcomes.some((o) => !o.done))
    notice(lines.join("\n"), done ? "success" : "error")
  } catch (error) {
    if (error instanceof Refused && error.status === 401) {
      signOut("The admin token was refused: it may have changed. Sign in again.")
      return false
    }
    notice(error.message, "error")
  }
  // The hash's own change reads the page again.
  if (then && location.hash !== then) location.hash = then
  else await refresh()
  // The button pressed may be gone (its row) or disabled (nothing left to replay): the keyboard goes to the heading.
  const focused = document.activeElement
  if (!focused || focused === document.body || focused.disabled || !focused.isConnected) focusHeading()
  return done
}

const focusHeading = () => {
  const { view } = route()
  $(`view-${view}`).querySelector("h1")?.focus()
}

// --- wiring ------------------------------------------------------------------------------------------------------

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault()
  const offered = $("token").value.trim()
  const error = $("sign-in-error")
  if (offered === "") {
    error.textContent = "Enter the admin token."
    return
  }
  try {
    await api("status", offered)
  } catch (e) {
    error.textContent = e instanceof Refused && e.status === 401 ? "That is not the admin token: the bridge refused it." : `Could not sign in: ${e.message}`
    $("token").select()
    return
  }
  error.textContent = ""
  $("token").value = ""
  sessionStorage.setItem(tokenKey, offered)
  show(route().view)
  focusHeading()
  await refresh()
})

$("sign-out").addEventListener("click", () => signOut())

$("replay-all").addEventListener("click", () =>
  act("Replay every dead letter? Events go back to their webhook; pushes are routed again.", "Replay all", (held) =>
    api("dead-letters/replay-all", held, { method: "POST" })))
$("resolve-all").addEventListener("click", () =>
  act("Resolve every dead letter? They are kept as history and no longer counted.", "Resolve all", (held) =>
    api("dead-letters/resolve-all", held, { method: "POST" })))
$("replay-one").addEventListener("click", () => {
  const id = letterId
  if (id !== null) act(`Replay dead letter ${id}?`, "Replay", (held) => api(`dead-letters/${id}/replay`, held, { method: "POST" }), "#dead-letters")
})
$("resolve-one").addEventListener("click", () => {
  const id = letterId
  if (id !== null) {
    act(`Resolve dead letter ${id}? It is kept as history and no longer counted.`, "Resolve", (held) =>
      api(`dead-letters/${id}/resolve`, held, { method: "POST" }), "#dead-letters")
  }
})

$("opt-out-form").addEventListener("submit", async (event) => {
  event.preventDefault()
  const channel = $("opt-channel").value
  const contact = $("opt-contact").value.replace(/[\s().-]/g, "")
  if (!/^\+[1-9][0-9]{6,14}$/.test(contact)) {
    notice("Enter the number in international form: + and the country code, like +61411111111.", "error")
    $("opt-contact").focus()
    return
  }
  const added = await act(`Opt ${contact} out of ${channel}? Nothing is sent to them until they text START or this is removed.`, "Add opt-out", (held) =>
    api("opt-outs", held, { method: "POST", body: { channel, contact } }))
  if (added) $("opt-contact").value = ""
})

for (const h1 of document.querySelectorAll("h1")) h1.tabIndex = -1

// Another view: shown at once (the bridge's answer fills it when it comes), its heading focused for the keyboard.
window.addEventListener("hashchange", () => {
  reading?.abort()
  emptyDeadLetter()
  show(route().view)
  if (token()) focusHeading()
  refresh()
})

// A link to a view (console#dead-letters) opens it once signed in.
if (token()) refresh()
else {
  show("sign-in")
  $("token").focus()
}
setInterval(refresh, refreshMs)
