// Replaces ${NAME} and ${NAME:-default} in every string of a parsed JSON document. A setting that is just
// `${NAME:-}` and finds NAME unset or empty is left out, as if absent: an optional setting (a secret, say) can then
// come from the environment or not at all.
import { Either } from "effect"

export interface UnsetVariable {
  readonly path: ReadonlyArray<string | number>
  readonly name: string
}

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g
const optionalReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*:-\}$/

/** The document with every reference replaced, or every variable that is not set (each once, where first used). */
export const expandEnv = (
  document: unknown,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<unknown, ReadonlyArray<UnsetVariable>> => {
  const unset: Array<UnsetVariable> = []
  const walk = (value: unknown, path: ReadonlyArray<string | number>): unknown => {
    if (typeof value === "string") {
      return value.replace(reference, (_, name: string, fallback: string | undefined) => {
        const found = env[name]
        if (found !== undefined) return found
        if (fallback !== undefined) return fallback
        if (!unset.some((u) => u.name === name)) unset.push({ path, name })
        return ""
      })
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]))
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).flatMap(([k, v]) => {
          const expanded = walk(v, [...path, k])
          return typeof v === "string" && optionalReference.test(v) && expanded === "" ? [] : [[k, expanded]]
        })
      )
    }
    return value
  }
  const expanded = walk(document, [])
  return unset.length === 0 ? Either.right(expanded) : Either.left(unset)
}
