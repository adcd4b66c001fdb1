// The operator's console: signs in with the admin token (kept in this tab's sessionStorage only), reads and acts
// through /admin/api/ with `Authorization: Bearer`, and refreshes itself every few seconds. Every value is put in
// the page as text (textContent), never as HTML.
const refreshMs = 5000
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
    if (child !== null && child !== undefined) node.append(typeof child === "string" ? child : child)
  }
  return node
}

class Refused extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/** One call of the admin API; a refusal is thrown with the API's own message. */
const api = async (path, options = {}) => {
  const response = await fetch(`/admin/api/${path}`, {
    method: options.method ?? "GET",
    headers: { authorization: `Bearer ${options.token ?? token()}`, ...(options.body ? { "content-type": "application/json" } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
    cache: "no-store"
  })
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

/** Asks before an action, in a modal the keyboard can answer (Escape cancels). */
const confirmed = (question, action) =>
  new Promise((resolve) => {
    const dialog = $("confirm")
    $("confirm-text").textContent = question
    $("confirm-ok").textContent = action
    const done = (answer) => {
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

let status = null

/** What each part of the page shows now: a part is built again only when its data changed, so focus stays put. */
const shown = new Map()
const changed = (part, data) => {
  const key = JSON.stringify(data)
  if (shown.get(part) === key) return false
  shown.set(part, key)
  return true
}

const renderOverview = () => {
  if (!changed("overview", { ...status, now: undefined, uptimeSeconds: Math.floor(status.uptimeSeconds / 60) })) return
  const channels = $("channels")
  channels.replaceChildren(...status.channels.map((c) => {
    const paused = c.pausedUntil !== null
    const unknown = c.outbox === null
    const stuck = unknown || paused || c.deadLetters > 0 || c.warnings.length > 0
    const delivery = c.deliveredHere ? (paused ? `paused until ${time(c.pausedUntil)}` : "running here") : c.owner ? `by ${c.owner}` : "waiting for an owner"
    return el("article", { class: `card ${stuck ? "attention" : "ok"}`, "data-channel": c.name }, [
      el("h2", {}, [c.name, el("span", { class: `badge ${stuck ? "warn" : "good"}` }, unknown ? "unknown: the store cannot be read" : stuck ? "needs a look" : "healthy")]),
      el("dl", { class: "facts" }, [
        el("dt", {}, "Webhook host"), el("dd", {}, c.webhookHost),
        el("dt", {}, "Waiting to deliver"), el("dd", {}, unknown ? "unknown" : String(c.outbox)),
        el("dt", {}, "Oldest waiting"), el("dd", {}, duration(c.oldestPendingAgeSeconds)),
        el("dt", {}, "Delivery"), el("dd", { class: paused ? "warn" : "" }, delivery),
        ...(c.failuresInARow ? [el("dt", {}, "Failures in a row"), el("dd", {}, String(c.failuresInARow))] : []),
        el("dt", {}, "Dead letters"),
        el("dd", { class: c.deadLetters > 0 ? "warn" : "" }, c.deadLetters > 0 ? el("a", { href: "#dead-letters" }, String(c.deadLetters)) : unknown ? "unknown" : "0")
      ]),
      ...c.warnings.map((w) => el("p", { class: "warning" }, w))
    ])
  }))
  $("unroutable").textContent = status.unroutable === null
    ? "Unknown: the store cannot be read."
    : status.unroutable === 0 ? "None." : `${status.unroutable} push(es) fit no channel: see Dead letters.`
  const warnings = $("warnings")
  warnings.replaceChildren(...(status.warnings.length === 0 ? [el("li", { class: "none" }, "None.")] : status.warnings.map((w) => el("li", {}, w))))
  const refusals = $("refusals").tBodies[0]
  refusals.replaceChildren(...(status.refusals.length === 0
    ? [el("tr", {}, el("td", { colspan: "5", class: "none" }, "None."))]
    : status.refusals.map((r) =>
      el("tr", {}, [
        el("td", { "data-label": "Route" }, el("code", {}, r.route)),
        el("td", { "data-label": "Status" }, String(r.status)),
        el("td", { "data-label": "Count" }, String(r.count)),
        el("td", { "data-label": "Last" }, time(r.lastAt)),
        el("td", { "data-label": "Reason" }, r.reason)
      ]))))
  const facts = [
    ["Version", status.version],
    ["Up for", duration(status.uptimeSeconds)],
    ["Started", time(status.startedAt)],
    ["Store", `${status.store.where} (${status.store.state}${status.store.problem ? `: ${status.store.problem}` : ""})`],
    ["Provider", status.provider],
    ["Platform", status.platform]
  ]
  $("about").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))
}

const renderDeadLetters = async () => {
  const { deadLetters } = await api("dead-letters")
  if (!changed("dead-letters", deadLetters)) return
  const body = $("dead-letters").tBodies[0]
  body.replaceChildren(...deadLetters.map((d) =>
    el("tr", {}, [
      el("td", { "data-label": "Id" }, el("a", { href: `#dead-letters/${d.id}`, "aria-label": `Dead letter ${d.id}` }, String(d.id))),
      el("td", { "data-label": "Time" }, time(d.createdAt)),
      el("td", { "data-label": "Channel" }, d.channel ?? "(none)"),
      el("td", { "data-label": "Kind" }, d.kind),
      el("td", { "data-label": "Contact" }, d.contact ?? "—"),
      el("td", { "data-label": "mId", class: "mono" }, d.mId ?? "—"),
      el("td", { "data-label": "Reason", class: "reason-cell" }, d.reason)
    ])))
  $("dead-letters").hidden = deadLetters.length === 0
  $("dead-empty").hidden = deadLetters.length > 0
  $("replay-all").disabled = $("resolve-all").disabled = deadLetters.length === 0
}

let letterId = null

const renderDeadLetter = async (id) => {
  const letter = await api(`dead-letters/${id}`)
  letterId = letter.id
  if (!changed("dead-letter", letter)) return
  $("letter-title").textContent = `Dead letter ${letter.id}`
  const facts = [
    ["Time", time(letter.createdAt)],
    ["Channel", letter.channel ?? "(none: fits no channel)"],
    ["Kind", letter.kind],
    ["Contact", letter.contact ?? "—"],
    ["mId", letter.mId ?? "—"],
    ["Attempts", String(letter.attempts)],
    ...(letter.source ? [["Received by", letter.source]] : [])
  ]
  $("letter-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))
  $("letter-reason").textContent = letter.reason
  $("letter-body").textContent = JSON.stringify(letter.body, null, 2)
}

const renderOptOuts = async () => {
  const select = $("opt-channel")
  if (select.options.length !== status.channels.length) {
    select.replaceChildren(...status.channels.map((c) => el("option", { value: c.name }, c.name)))
  }
  const { optOuts } = await api("opt-outs")
  if (!changed("opt-outs", optOuts)) return
  $("opt-outs").tBodies[0].replaceChildren(...optOuts.map((o) =>
    el("tr", {}, [
      el("td", { "data-label": "Since" }, time(o.since)),
      el("td", { "data-label": "Channel" }, o.channel ?? "—"),
      el("td", { "data-label": "Contact" }, o.contact),
      el("td", { "data-label": "How" }, o.keyword),
      el("td", { "data-label": "" }, el("button", {
        type: "button",
        class: "quiet",
        "aria-label": `Remove the opt-out of ${o.contact} from ${o.channel}`,
        onclick: () => act(`Opt ${o.contact} back in to ${o.channel}? They will be sent messages again.`, "Remove opt-out", () => api("opt-outs/remove", { method: "POST", body: { ref: o.ref } }))
      }, "Remove"))
    ])))
  $("opt-outs").hidden = optOuts.length === 0
  $("opt-empty").hidden = optOuts.length > 0
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

const signOut = (message) => {
  sessionStorage.removeItem(tokenKey)
  status = null
  shown.clear()
  $("notice").hidden = true
  show("sign-in")
  if (message) $("sign-in-error").textContent = message
  $("token").focus()
}

let refreshing = false
let again = false
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

const readPage = async () => {
  const { view, id } = route()
  // The view the operator asked for at once, even while the bridge is slow to answer or cannot.
  show(view)
  try {
    status = await api("status")
    $("version").textContent = status.version
    const dead = status.channels.reduce((n, c) => n + (c.deadLetters ?? 0), status.unroutable ?? 0)
    $("dead-count").textContent = dead > 0 ? String(dead) : ""
    if (view === "overview") renderOverview()
    if (view === "dead-letters") await renderDeadLetters()
    if (view === "dead-letter") await renderDeadLetter(id)
    if (view === "opt-outs") await renderOptOuts()
    $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`
    document.body.dataset.refreshed = new Date().toISOString()
    if (failing) $("notice").hidden = true
    failing = false
  } catch (error) {
    if (error instanceof Refused && error.status === 401) signOut("The admin token was refused: it may have changed. Sign in again.")
    else if (error instanceof Refused && error.status === 404 && view === "dead-letter") {
      notice(`${error.message}: it was replayed or resolved meanwhile.`, "error")
      location.hash = "#dead-letters"
    } else {
      $("refreshed").textContent = "Not updated"
      failing = true
      notice(`The bridge did not answer as it should: ${error.message}. Trying again every ${refreshMs / 1000} s.`, "error")
    }
  }
}

/** An action after its confirmation: what happened is said, and the page (`then`, when given) is read again. */
const act = async (question, action, call, then) => {
  if (!(await confirmed(question, action))) return
  try {
    const answer = await call()
    const lines = answer.outcomes
      ? answer.outcomes.length === 0 ? ["Nothing to do: no dead letters."] : answer.outcomes.map((o) => `${o.id}: ${o.message}`)
      : [answer.message]
    notice(lines.join("\n"), answer.outcome === "refused" || (answer.outcomes && answer.outcomes.some((o) => !o.done)) ? "error" : "success")
  } catch (error) {
    notice(error.message, "error")
  }
  letterId = null
  // The hash's own change reads the page again.
  if (then && location.hash !== then) location.hash = then
  else await refresh()
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
    await api("status", { token: offered })
  } catch (e) {
    error.textContent = e instanceof Refused && e.status === 401 ? "That is not the admin token: the bridge refused it." : `Could not sign in: ${e.message}`
    $("token").select()
    return
  }
  error.textContent = ""
  $("token").value = ""
  sessionStorage.setItem(tokenKey, offered)
  if (!location.hash || location.hash === "#sign-in") location.hash = "#overview"
  await refresh()
  $("view-" + route().view).querySelector("h1")?.focus()
})

$("sign-out").addEventListener("click", () => signOut())

$("replay-all").addEventListener("click", () =>
  act("Replay every dead letter? Events go back to their webhook; pushes are routed again.", "Replay all", () => api("dead-letters/replay-all", { method: "POST" })))
$("resolve-all").addEventListener("click", () =>
  act("Resolve every dead letter? They are kept as history and no longer counted.", "Resolve all", () => api("dead-letters/resolve-all", { method: "POST" })))
$("replay-one").addEventListener("click", () => {
  const id = letterId
  act(`Replay dead letter ${id}?`, "Replay", () => api(`dead-letters/${id}/replay`, { method: "POST" }), "#dead-letters")
})
$("resolve-one").addEventListener("click", () => {
  const id = letterId
  act(`Resolve dead letter ${id}? It is kept as history and no longer counted.`, "Resolve", () => api(`dead-letters/${id}/resolve`, { method: "POST" }), "#dead-letters")
})

$("opt-out-form").addEventListener("submit", async (event) => {
  event.preventDefault()
  const channel = $("opt-channel").value
  const contact = $("opt-contact").value.replace(/[\s()-]/g, "")
  if (!/^\+[1-9][0-9]{6,14}$/.test(contact)) {
    notice("Enter the number in international form: + and the country code, like +61411111111.", "error")
    $("opt-contact").focus()
    return
  }
  await act(`Opt ${contact} out of ${channel}? Nothing is sent to them until they text START or this is removed.`, "Add opt-out", () =>
    api("opt-outs", { method: "POST", body: { channel, contact } }))
  $("opt-contact").value = ""
})

for (const h1 of document.querySelectorAll("h1")) h1.tabIndex = -1

window.addEventListener("hashchange", () => {
  letterId = null
  shown.delete("dead-letter")
  refresh()
})

if (token()) refresh()
else signOut()
setInterval(refresh, refreshMs)
