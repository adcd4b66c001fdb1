// `--env-file FILE`: variables in systemd's EnvironmentFile syntax, so the command line reads the very file the
// service does. One NAME=value a line; `#` and `;` start a comment line; a value may be in single quotes (as it is) or
// double quotes (\" \\ \n \t \$ escapes); a line ending in a backslash goes on at the next. Pure: text in, variables
// or the line that is wrong out (never its value, which may be a secret).
import { Either } from "effect"

const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s

const unquote = (raw: string): string | undefined => {
  const value = raw.trim()
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1)
  if (value.length >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
    const escapes: Record<string, string> = { n: "\n", t: "\t", "\"": "\"", "\\": "\\", $: "$" }
    return value.slice(1, -1).replace(/\\(.)/g, (whole, c: string) => escapes[c] ?? whole)
  }
  if (/^["']/.test(value)) return undefined
  return value
}

/** The variables of an EnvironmentFile, or `line N: ...` for the first line that is not one. */
export const parseEnvFile = (text: string): Either.Either<Record<string, string>, string> => {
  const variables: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1
    let line = lines[i]!.trimStart()
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!
    if (line.trim() === "" || line.startsWith("#") || line.startsWith(";")) continue
    const match = assignment.exec(line)
    if (!match) return Either.left(`line ${number}: not NAME=value`)
    const value = unquote(match[2]!)
    if (value === undefined) return Either.left(`line ${number}: ${match[1]}: a quote that does not close`)
    variables[match[1]!] = value
  }
  return Either.right(variables)
}
