/**
 * Identity verification (like Intercom's user hash): a source's write key is public in a web page,
 * so a browser must also prove WHICH account and user it speaks for. The app's backend, which knows
 * who is signed in, computes
 *
 *   userToken = hex(HMAC-SHA256(key = the source's identity secret, message = `${accountId}\n${userId}`))
 *
 * (`userId` empty for an account without a user: `${accountId}\n`), and the page sends it as the
 * `X-Moments-User-Token` header. The secret never reaches the browser. Ids containing a line break
 * cannot be verified (the message would be ambiguous), so they never are.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const USER_TOKEN_HEADER = "x-moments-user-token";

/** Prefix of an identity secret, so secret scanners and people can tell what it is. */
export const IDENTITY_SECRET_PREFIX = "mk_idv_";

/** After a rotation, the previous secret keeps verifying this long, so backends can be redeployed. */
export const IDENTITY_SECRET_GRACE_HOURS = 24;

/** An identity secret as a source stores it: the current one has no `validUntil`. */
export interface StoredIdentitySecret {
  secret: string;
  issuedAt: string;
  /** Set on the previous secret after a rotation: it stops verifying then. */
  validUntil?: string;
}

export interface UserIds {
  accountId: string;
  userId?: string | undefined;
}

export function generateIdentitySecret(): string {
  return IDENTITY_SECRET_PREFIX + randomBytes(32).toString("base64url");
}

/** The exact bytes that are signed, or undefined for ids that cannot be verified. */
export function userTokenMessage({ accountId, userId }: UserIds): string | undefined {
  if (accountId.includes("\n") || userId?.includes("\n")) return undefined;
  return `${accountId}\n${userId ?? ""}`;
}

/** What the app's backend computes (here for the local demo and the tests). */
export function computeUserToken(secret: string, ids: UserIds): string {
  const message = userTokenMessage(ids);
  if (message === undefined) throw new Error("account and user ids with a line break cannot be signed");
  return createHmac("sha256", secret).update(message, "utf8").digest("hex");
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Whether `token` is the HMAC of these ids under one of the secrets still valid at `now`. Compared
 * in constant time; every secret is tried, so timing does not tell which one matched.
 */
export function isUserTokenValid(
  secrets: readonly Pick<StoredIdentitySecret, "secret" | "validUntil">[],
  token: string | undefined,
  ids: UserIds,
  now: Date,
): boolean {
  const message = userTokenMessage(ids);
  if (token === undefined || message === undefined || !HEX_SHA256.test(token)) return false;
  const presented = Buffer.from(token, "hex");
  let valid = false;
  for (const { secret, validUntil } of secrets) {
    if (validUntil !== undefined && new Date(validUntil) <= now) continue;
    const expected = createHmac("sha256", secret).update(message, "utf8").digest();
    if (timingSafeEqual(expected, presented)) valid = true;
  }
  return valid;
}

/**
 * A rotation: a new current secret, and the previous current one valid for the grace period. A
 * secret already in its grace period is dropped (two rotations in a row end the older one at once).
 */
export function rotateIdentitySecrets(
  current: readonly StoredIdentitySecret[] | undefined,
  secret: string,
  now: Date,
): StoredIdentitySecret[] {
  const previous = current?.find((s) => s.validUntil === undefined);
  const validUntil = new Date(now.getTime() + IDENTITY_SECRET_GRACE_HOURS * 3_600_000).toISOString();
  return [{ secret, issuedAt: now.toISOString() }, ...(previous ? [{ ...previous, validUntil }] : [])];
}

/**
 * What the admin API shows of a source's secrets: when the current one was issued (absent: none)
 * and until when the previous one still verifies; never a secret.
 */
export function toIdentitySecretView(secrets: readonly StoredIdentitySecret[] | undefined): {
  identitySecretIssuedAt?: string;
  previousIdentitySecretValidUntil?: string;
} {
  const current = secrets?.find((s) => s.validUntil === undefined);
  const previous = secrets?.find((s) => s.validUntil !== undefined);
  return {
    ...(current ? { identitySecretIssuedAt: current.issuedAt } : {}),
    ...(previous?.validUntil ? { previousIdentitySecretValidUntil: previous.validUntil } : {}),
  };
}
