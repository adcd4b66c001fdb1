// Telnyx signs every webhook with Ed25519 over "<telnyx-timestamp>|<raw body>"; the account's public key checks it.
import { createPublicKey, type KeyObject, verify } from "node:crypto"

/** The DER prefix that makes a raw 32-byte Ed25519 key a SubjectPublicKeyInfo. */
const spkiPrefix = Buffer.from("302a300506032b6570032100", "hex")

export const publicKeyOf = (base64: string): KeyObject =>
  createPublicKey({ key: Buffer.concat([spkiPrefix, Buffer.from(base64, "base64")]), format: "der", type: "spki" })

/**
 * Why a webhook is not Telnyx's, or undefined when it is: the signature must verify over the timestamp and the raw
 * body as received, and the timestamp be within `toleranceSeconds` of `nowSeconds` (a replay is refused).
 */
export const signatureProblem = (
  key: KeyObject,
  headers: { readonly signature: string | undefined; readonly timestamp: string | undefined },
  rawBody: Buffer,
  nowSeconds: number,
  toleranceSeconds: number
): string | undefined => {
  const { signature, timestamp } = headers
  if (!signature || !timestamp) return "telnyx-signature-ed25519 and telnyx-timestamp are required"
  if (!/^\d{1,12}$/.test(timestamp)) return "telnyx-timestamp must be a UNIX time in seconds"
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return `telnyx-timestamp is more than ${toleranceSeconds} s from now`
  const bytes = Buffer.from(signature, "base64")
  if (bytes.length !== 64) return "telnyx-signature-ed25519 is not an Ed25519 signature"
  const signed = Buffer.concat([Buffer.from(`${timestamp}|`, "utf8"), rawBody])
  return verify(null, signed, key, bytes) ? undefined : "telnyx-signature-ed25519 does not verify with provider.publicKey"
}
