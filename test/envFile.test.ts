// --env-file reads systemd's EnvironmentFile syntax; a bad line is named by its number, never by its value.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseEnvFile } from "../src/config/envFile.ts"

describe("parseEnvFile", () => {
  it("reads NAME=value lines, comments, quotes and continued lines", () => {
    const text = [
      "# the secrets",
      "; also a comment",
      "",
      "PLAIN=abc def  ",
      "  INDENTED=x",
      "SINGLE='a \"b\" $c'",
      "DOUBLE=\"line\\nnext \\\"q\\\" \\\\ \\$HOME\"",
      "EMPTY=",
      "LONG=one\\",
      "two"
    ].join("\n")
    expect(Either.getOrThrow(parseEnvFile(text))).toEqual({
      PLAIN: "abc def",
      INDENTED: "x",
      SINGLE: "a \"b\" $c",
      DOUBLE: "line\nnext \"q\" \\ $HOME",
      EMPTY: "",
      LONG: "onetwo"
    })
  })

  it.each([
    ["export NAME=secret-value", "line 1: not NAME=value"],
    ["OK=1\n9NAME=secret-value", "line 2: not NAME=value"],
    ["KEY=\"secret-value", "line 1: KEY: a quote that does not close"]
  ])("%j is refused as %j, without its value", (text, message) => {
    const result = parseEnvFile(text)
    expect(result).toEqual(Either.left(message))
    expect(JSON.stringify(result)).not.toContain("secret-value")
  })
})
