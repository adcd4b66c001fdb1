// What a contact's text says about the channel's sending to them: the whole trimmed message, in any case, is one of
// the channel's keywords (CTIA's and the US carriers' usual set by default), or it is an ordinary message.
export interface OptOutKeywords {
  readonly stop: ReadonlyArray<string>
  readonly start: ReadonlyArray<string>
  readonly help: ReadonlyArray<string>
}

export const defaultKeywords: OptOutKeywords = {
  stop: ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"],
  start: ["START", "UNSTOP", "YES"],
  help: ["HELP", "INFO"]
}

export type KeywordKind = "stop" | "start" | "help"

/** Which kind of keyword the text is, if the whole of it (trimmed, any case) is one; the keyword as configured. */
export const keywordOf = (text: string, keywords: OptOutKeywords): { readonly kind: KeywordKind; readonly keyword: string } | undefined => {
  const said = text.trim().toUpperCase()
  for (const kind of ["stop", "start", "help"] as const) {
    const keyword = keywords[kind].find((k) => k.trim().toUpperCase() === said)
    if (keyword !== undefined) return { kind, keyword: keyword.trim().toUpperCase() }
  }
  return undefined
}
