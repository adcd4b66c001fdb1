// --env-file reads systemd's EnvironmentFile syntax as systemd does (the cases of systemd's own documentation and of
// its parser's tests), so that the command line sees the values the service sees.
import { describe, expect, it } from "@effect/vitest"
import { parseEnvFile } from "../src/config/envFile.ts"

describe("parseEnvFile", () => {
  it("reads assignments, comments, and ignores what systemd ignores", () => {
    const text = [
      "# the secrets",
      "; also a comment \\",
      "CONTINUED_COMMENT=not a variable",
      "",
      "PLAIN=abc def  ",
      "  INDENTED = x",
      "no equals sign here",
      "9INVALID=ignored",
      "EMPTY=",
      "LAST=1"
    ].join("\n")
    expect(parseEnvFile(text)).toEqual({ PLAIN: "abc def", INDENTED: "x", EMPTY: "", LAST: "1" })
  })

  it("unquoted: a backslash keeps the next character, and at the end of a line joins the next", () => {
    expect(parseEnvFile("A=a\\\\b\nB=one\\\ntwo\nC=abc\\\\\nD=1\nE=it's \"so\"")).toEqual({
      A: "a\\b",
      B: "onetwo",
      C: "abc\\",
      D: "1",
      E: "it's \"so\""
    })
  })

  it("quoted: single quotes keep all, across lines; double quotes unescape \\\" \\\\ \\` \\$ only; quoted parts join up", () => {
    const text = [
      "SINGLE='a \\n \"b\" $c'",
      "DOUBLE=\"tab\\t newline\\n \\\"q\\\" \\\\ \\$HOME \\`x\\`\"",
      "JOINED='a'\"b\"",
      "SPACED='a' 'b'",
      "MULTI=\"line one",
      "line two\"",
      "CONT=\"one\\",
      "two\""
    ].join("\n")
    expect(parseEnvFile(text)).toEqual({
      SINGLE: "a \\n \"b\" $c",
      DOUBLE: "tab\\t newline\\n \"q\" \\ $HOME `x`",
      JOINED: "ab",
      SPACED: "ab",
      MULTI: "line one\nline two",
      CONT: "onetwo"
    })
  })
})
