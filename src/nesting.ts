// How deep a value from the wire nests, found without recursion: a Schema formatting a value 100,000 levels deep
// for its error message would overflow the stack, so nothing that deep reaches one.

/** Deeper than any shape the bridge takes (the platform's deepest is 3 levels); a value past it is refused. */
export const maxDepth = 32

/** The path to the first place `value` nests deeper than `limit`, or undefined when it does not. */
export const tooDeep = (value: unknown, limit = maxDepth): ReadonlyArray<string | number> | undefined => {
  const stack: Array<{ readonly value: unknown; readonly path: ReadonlyArray<string | number> }> = [{ value, path: [] }]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next.value === null || typeof next.value !== "object") continue
    if (next.path.length >= limit) return next.path
    const entries: Array<[string | number, unknown]> = Array.isArray(next.value)
      ? next.value.map((v, i) => [i, v])
      : Object.entries(next.value)
    for (const [key, v] of entries) if (v !== null && typeof v === "object") stack.push({ value: v, path: [...next.path, key] })
  }
  return undefined
}
