// `--env-file FILE`: variables in systemd's EnvironmentFile syntax, read as systemd reads them (the state machine of
// its parse_env_file_internal), so the command line sees the very values the service does:
// - `NAME=value` a line; whitespace around the name and before the value is dropped, and so is trailing whitespace;
// - a line starting with `#` or `;` is a comment (a backslash at its end continues it), one without `=` is ignored, and
//   so is an assignment to a name that is not a variable's;
// - unquoted, a backslash keeps the next character as it is, and at the end of a line joins the next line;
// - 'single quotes' keep everything as it is, across lines; in "double quotes", \" \\ \` \$ are the character, a
//   backslash at the end of a line joins the next, and any other backslash stays; quoted and unquoted parts join up.
// Pure: text in, variables out. systemd refuses no file, and neither does this.

const whitespace = " \t\n\r"
const newline = "\n\r"
const needEscape = "\"\\`$"
const validName = /^[A-Za-z_][A-Za-z0-9_]*$/

type State = "preKey" | "key" | "preValue" | "value" | "valueEscape" | "single" | "double" | "doubleEscape" | "comment" | "commentEscape"

export const parseEnvFile = (text: string): Record<string, string> => {
  const variables: Record<string, string> = {}
  let state: State = "preKey"
  let key = ""
  let value = ""
  /** Where the value's trailing run of unquoted whitespace begins, if it ends in one. */
  let trailing: number | undefined
  const push = () => {
    const name = key.trimEnd()
    if (validName.test(name)) variables[name] = trailing === undefined ? value : value.slice(0, trailing)
    key = ""
    value = ""
    trailing = undefined
  }
  for (const c of text) {
    switch (state) {
      case "preKey":
        if (c === "#" || c === ";") state = "comment"
        else if (!whitespace.includes(c)) {
          state = "key"
          key = c
        }
        break
      case "key":
        if (newline.includes(c)) {
          state = "preKey"
          key = ""
        } else if (c === "=") state = "preValue"
        else key += c
        break
      case "preValue":
        if (newline.includes(c)) {
          state = "preKey"
          push()
        } else if (c === "'") state = "single"
        else if (c === "\"") state = "double"
        else if (c === "\\") state = "valueEscape"
        else if (!whitespace.includes(c)) {
          state = "value"
          value += c
          trailing = undefined
        }
        break
      case "value":
        if (newline.includes(c)) {
          state = "preKey"
          push()
        } else if (c === "\\") {
          state = "valueEscape"
          trailing = undefined
        } else {
          if (!whitespace.includes(c)) trailing = undefined
          else if (trailing === undefined) trailing = value.length
          value += c
        }
        break
      case "valueEscape":
        state = "value"
        if (!newline.includes(c)) value += c
        break
      case "single":
        if (c === "'") state = "preValue"
        else value += c
        break
      case "double":
        if (c === "\"") state = "preValue"
        else if (c === "\\") state = "doubleEscape"
        else value += c
        break
      case "doubleEscape":
        state = "double"
        if (needEscape.includes(c)) value += c
        else if (c !== "\n") value += `\\${c}`
        break
      case "comment":
        if (c === "\\") state = "commentEscape"
        else if (newline.includes(c)) state = "preKey"
        break
      case "commentEscape":
        state = "comment"
        break
    }
  }
  if (state !== "preKey" && state !== "key" && state !== "comment" && state !== "commentEscape") push()
  return variables
}
