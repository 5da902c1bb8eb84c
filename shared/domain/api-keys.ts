import { createHash, randomBytes } from "node:crypto";
import { newId } from "./ids.js";

/**
 * API keys: 192 random bits behind a readable prefix. Only the SHA-256 is stored; a hash of a
 * high-entropy secret needs no salt or slow KDF, and lets us look the key up directly.
 */
export type KeyKind = "admin" | "write";

const PREFIX: Record<KeyKind, string> = { admin: "mk_admin_", write: "mk_write_" };

/**
 * At most this many active write keys per source: enough to rotate (issue a new key, deploy it,
 * revoke the old one) without letting keys pile up unnoticed.
 */
export const MAX_ACTIVE_WRITE_KEYS = 5;

/** Characters of a key that may be shown after creation, to tell keys apart ("mk_write_AbCd"). */
export const KEY_PREFIX_LENGTH = 13;

export function generateApiKey(kind: KeyKind): string {
  return PREFIX[kind] + randomBytes(24).toString("base64url");
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The shown part of a key: its kind and first four random characters, never enough to use it. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

/** Reads `Authorization: Bearer <key>`; anything else is no key at all. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The write key of an ingestion request, as the analytics SDKs send it: `Authorization: Bearer <key>`,
 * `Authorization: Basic base64(<key>:)` (Segment's and RudderStack's server libraries: the key is
 * the user name, the password empty), or a `writeKey` field in the body (analytics.js, whose
 * text/plain requests carry no header).
 */
export function writeKeyFrom(header: string | undefined, body?: unknown): string | undefined {
  const bearer = bearerToken(header);
  if (bearer) return bearer;
  const basic = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)?.[1] : undefined;
  if (basic) {
    const user = Buffer.from(basic, "base64").toString("utf8").split(":")[0];
    if (user) return user;
  }
  const inBody =
    body !== null && typeof body === "object" ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof inBody === "string" && inBody.length > 0 ? inBody : undefined;
}

/** The listable record of a key: everything about it except the secret (and its hash). */
export interface ApiKeyRecord {
  id: string;
  prefix: string;
  createdAt: string;
  /**
   * Not recorded yet (ingestion only reads the table, and one write per request would double its
   * cost); part of the shape so clients can rely on the field once it is.
   */
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface IssuedKey {
  /** The key itself: shown to the caller once, never stored. */
  secret: string;
  hash: string;
  record: ApiKeyRecord;
}

/** A new key, its hash (what is stored and looked up) and its listable record. */
export function issueApiKey(kind: KeyKind, now: Date): IssuedKey {
  const secret = generateApiKey(kind);
  return {
    secret,
    hash: hashApiKey(secret),
    record: { id: newId(now.getTime()), prefix: keyPrefix(secret), createdAt: now.toISOString() },
  };
}

/** A key record as the API shows it: optional dates only when set. */
export function toKeyView(record: ApiKeyRecord): ApiKeyRecord {
  return {
    id: record.id,
    prefix: record.prefix,
    createdAt: record.createdAt,
    ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
  };
}
