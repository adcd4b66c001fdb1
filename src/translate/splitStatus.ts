// One status for a text that went as several messages: failed as soon as a part failed, delivered when all were.
import type { PartStatus } from "../stores/Store.ts"

export const foldStatus = (parts: ReadonlyArray<PartStatus | undefined>): PartStatus | undefined => {
  if (parts.includes("failed")) return "failed"
  if (parts.length > 0 && parts.every((p) => p === "delivered")) return "delivered"
  if (parts.some((p) => p === "sent" || p === "delivered")) return "sent"
  return undefined
}
