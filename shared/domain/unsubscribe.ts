/**
 * Unsubscribe tokens: what the link in every email carries, so a person can leave without logging
 * in. A token names the workspace, the address and when it was issued, and is signed with the
 * workspace's HMAC-SHA256 key. Tokens never expire (an unsubscribe link in a years-old email must
 * still work, and RFC 8058 one-click senders must keep honouring it); the workspace's key set can be
 * rotated instead: new links are signed with the new key, and links signed with a key that is
 * still in the set keep working.
 *
 * Format: base64url(JSON [version, keyId, workspaceId, address, issuedAtSeconds]) "." base64url(MAC).
 * The payload is signed, not encrypted: it holds only the recipient's own address.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isEmailAddress } from "./email.js";

export interface UnsubscribeClaims {
  workspaceId: string;
  address: string;
  issuedAt: Date;
}

export interface SigningKey {
  id: string;
  /** At least 32 random bytes. */
  secret: Buffer;
}

/** A workspace's keys: `current` signs new tokens; every key in `keys` verifies. */
export interface SigningKeySet {
  current: string;
  /** Key id -> secret, base64url. */
  keys: Record<string, string>;
}

/** A token that parsed, not yet verified: `keyId` says which key must have signed it. */
export interface ParsedToken {
  keyId: string;
  claims: UnsubscribeClaims;
  signed: string;
  mac: Buffer;
}

const VERSION = 1;
/** Domain separation: a MAC made for anything else with the same key can never pass as a token. */
const CONTEXT = "moments-unsubscribe-v1\n";
const SECRET_BYTES = 32;
/** Generous for a 254-character address, small enough that parsing a hostile value costs nothing. */
const MAX_TOKEN_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function mac(secret: Buffer, signed: string): Buffer {
  return createHmac("sha256", secret).update(CONTEXT).update(signed).digest();
}

export function newSigningKey(): SigningKey {
  return { id: randomBytes(6).toString("base64url"), secret: randomBytes(SECRET_BYTES) };
}

export function newSigningKeySet(): SigningKeySet {
  const key = newSigningKey();
  return { current: key.id, keys: { [key.id]: key.secret.toString("base64url") } };
}

/** Adds a fresh key and makes it current; the older keys stay, so links already sent keep working. */
export function rotateSigningKeySet(set: SigningKeySet): SigningKeySet {
  const key = newSigningKey();
  return { current: key.id, keys: { ...set.keys, [key.id]: key.secret.toString("base64url") } };
}

export function currentKey(set: SigningKeySet): SigningKey {
  const secret = set.keys[set.current];
  if (secret === undefined) throw new Error("The signing key set has no current key");
  return { id: set.current, secret: Buffer.from(secret, "base64url") };
}

export function keyById(set: SigningKeySet, id: string): Buffer | undefined {
  const secret = Object.hasOwn(set.keys, id) ? set.keys[id] : undefined;
  return secret === undefined ? undefined : Buffer.from(secret, "base64url");
}

export function signUnsubscribeToken(claims: UnsubscribeClaims, key: SigningKey): string {
  const payload = [
    VERSION,
    key.id,
    claims.workspaceId,
    claims.address,
    Math.floor(claims.issuedAt.getTime() / 1000),
  ];
  const signed = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${signed}.${mac(key.secret, signed).toString("base64url")}`;
}

/**
 * Reads a token's claims without trusting them (the caller still has to `verifyUnsubscribeToken`
 * with the named key). Anything malformed is undefined: the caller answers every bad token alike.
 */
export function parseUnsubscribeToken(token: string): ParsedToken | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const [signed, signature, ...rest] = token.split(".");
  if (!signed || !signature || rest.length > 0) return undefined;
  if (!BASE64URL.test(signed) || !BASE64URL.test(signature)) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(signed, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(payload) || payload.length !== 5) return undefined;
  const [version, keyId, workspaceId, address, issuedAt] = payload as unknown[];
  if (version !== VERSION) return undefined;
  if (typeof keyId !== "string" || !ID.test(keyId)) return undefined;
  if (typeof workspaceId !== "string" || !ID.test(workspaceId)) return undefined;
  if (typeof address !== "string" || !isEmailAddress(address)) return undefined;
  if (typeof issuedAt !== "number" || !Number.isSafeInteger(issuedAt) || issuedAt < 0) return undefined;
  return {
    keyId,
    claims: { workspaceId, address, issuedAt: new Date(issuedAt * 1000) },
    signed,
    mac: Buffer.from(signature, "base64url"),
  };
}

/** True when `secret` made the token's MAC; compared in constant time. */
export function verifyUnsubscribeToken(token: ParsedToken, secret: Buffer): boolean {
  const expected = mac(secret, token.signed);
  // The length is public (a SHA-256 MAC is 32 bytes); timingSafeEqual needs equal lengths.
  return token.mac.length === expected.length && timingSafeEqual(token.mac, expected);
}

/** The link every email carries: `<api>/v1/unsubscribe?token=...`. */
export function unsubscribeUrl(publicApiUrl: string, token: string): string {
  const url = new URL("v1/unsubscribe", publicApiUrl.endsWith("/") ? publicApiUrl : `${publicApiUrl}/`);
  url.searchParams.set("token", token);
  return url.toString();
}

/** `a***@example.com`: enough for a person to recognise their address on a page anyone may open. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 1) return "***";
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}
