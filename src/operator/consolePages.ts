// GET /console: the operator's page, its script and its style, all from this executable (no CDN, no request
// elsewhere). The page holds no data: it signs in with the admin token and reads /admin/api/ (adminApi.ts).
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { consoleFiles } from "./consoleFiles.ts"

/** Nothing runs but the console's own script, nothing is fetched but from here, and no other site can frame it. */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'"
].join("; ")

const headers = {
  "content-security-policy": contentSecurityPolicy,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // An upgrade's console is the one served: the browser asks again each time.
  "cache-control": "no-cache"
}

const file = (body: string, contentType: string) =>
  Effect.succeed(HttpServerResponse.text(body, { contentType, headers }))

export const consolePages = HttpRouter.empty.pipe(
  HttpRouter.get("/console", file(consoleFiles.html, "text/html; charset=utf-8")),
  HttpRouter.get("/console/console.js", file(consoleFiles.script, "text/javascript; charset=utf-8")),
  HttpRouter.get("/console/console.css", file(consoleFiles.style, "text/css; charset=utf-8"))
)
