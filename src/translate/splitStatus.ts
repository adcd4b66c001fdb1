// One status for a text that went as several messages: failed as soon as a part failed, delivered when all were.
import type { PartStatus } from "../stores/Store.ts"

export const foldStatus = (parts: ReadonlyArray<PartStatus | undefined>): PartStatus | undefined => {
  if (parts.includes("failed")) return "failed"
  if (parts.length > 0 && parts.every((p) => p === "delivered")) return "delivered"
  if (parts.some((p) => p === "sent" || p === "delivered")) return "sent"
  return undefined
}

/** A part's row as a store keeps it: its number, status (if a receipt came) and error. */
export interface StoredPart {
  readonly part: number
  readonly status: PartStatus | null
  readonly error: string | null
}

/** The fold of a message's `parts` parts from the rows a store keeps (a missing row is a part with no receipt yet). */
export const foldStoredParts = (
  rows: ReadonlyArray<StoredPart>,
  parts: number
): { readonly status: PartStatus; readonly error: string | undefined } | undefined => {
  const status = foldStatus(Array.from({ length: parts }, (_, i) => rows.find((r) => r.part === i + 1)?.status ?? undefined))
  if (status === undefined) return undefined
  return { status, error: status === "failed" ? (rows.find((r) => r.status === "failed")?.error ?? undefined) : undefined }
}
