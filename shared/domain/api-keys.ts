import { createHash, randomBytes } from "node:crypto";

/**
 * API keys: 192 random bits behind a readable prefix. Only the SHA-256 is stored; a hash of a
 * high-entropy secret needs no salt or slow KDF, and lets us look the key up directly.
 */
export type KeyKind = "admin" | "write";

const PREFIX: Record<KeyKind, string> = { admin: "mk_admin_", write: "mk_write_" };

export function generateApiKey(kind: KeyKind): string {
  return PREFIX[kind] + randomBytes(24).toString("base64url");
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** What may be shown of a key after creation: its prefix and first characters, to tell keys apart. */
export function keyHint(key: string): string {
  return `${key.slice(0, 13)}…`;
}

/** Reads `Authorization: Bearer <key>`; anything else is no key at all. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
