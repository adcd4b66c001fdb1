// Replaces ${NAME} and ${NAME:-default} in every string of a parsed JSON document.
import { Either } from "effect"

export interface UnsetVariable {
  readonly path: ReadonlyArray<string | number>
  readonly name: string
}

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export const expandEnv = (
  document: unknown,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<unknown, UnsetVariable> => {
  const walk = (value: unknown, path: ReadonlyArray<string | number>): unknown => {
    if (typeof value === "string") {
      return value.replace(reference, (_, name: string, fallback: string | undefined) => {
        const found = env[name]
        if (found !== undefined) return found
        if (fallback !== undefined) return fallback
        throw { path, name } satisfies UnsetVariable
      })
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]))
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]))
    }
    return value
  }
  try {
    return Either.right(walk(document, []))
  } catch (unset) {
    return Either.left(unset as UnsetVariable)
  }
}
