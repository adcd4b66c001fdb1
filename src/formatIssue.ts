// One line for the first problem a Schema found: "<json path>: <rule>", never echoing the value itself.
import { ParseResult } from "effect"

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`,
    ""
  ) || "(top level)"

// Schema's own messages end in ", actual <value>": the value may be a secret or a message, so it never leaves here.
const withoutActual = (message: string) => message.replace(/, actual [\s\S]*$/, "")

const rule = (issue: ParseResult.ArrayFormatterIssue): string => {
  switch (issue._tag) {
    case "Missing":
      return "is required"
    case "Unexpected":
      return "is not a known key"
    default: {
      const message = withoutActual(issue.message)
      return message.startsWith("Expected ") ? `expected ${message.slice(9)}` : message
    }
  }
}

export const formatIssue = (error: ParseResult.ParseError): { readonly path: string; readonly rule: string } => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return issue ? { path: formatPath(issue.path), rule: rule(issue) } : { path: "(top level)", rule: "is not valid" }
}
