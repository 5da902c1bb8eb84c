import { randomBytes } from "node:crypto";

/**
 * Secrets are write-only in the API: once stored, a response shows only that one is set and its
 * last 4 characters, enough to tell two secrets apart ("is this the new token?") and too little to
 * use one.
 */
export type MaskedSecret = { set: true; last4: string } | { set: false };

/**
 * Every secret we accept is at least this long, so its last 4 characters give little away (the
 * schemas enforce it).
 */
export const MIN_SECRET_LENGTH = 16;

export function maskSecret(secret: string | undefined): MaskedSecret {
  if (secret === undefined || secret === "") return { set: false };
  return { set: true, last4: secret.slice(-4) };
}

/** Prefix of a Standard Webhooks signing secret; the rest is the base64 of the key bytes. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** Standard Webhooks: keys of 24 to 64 bytes (we generate 32). */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The key bytes of a `whsec_<base64>` secret, or undefined when it is not one. */
export function webhookSecretBytes(secret: string): Buffer | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  // Node's decoder skips characters it does not know; a strict check first, so a typo is refused
  // instead of silently becoming a different key.
  if (encoded === "" || !STRICT_BASE64.test(encoded)) return undefined;
  return Buffer.from(encoded, "base64");
}

export function isWebhookSigningSecret(secret: string): boolean {
  const bytes = webhookSecretBytes(secret);
  return (
    bytes !== undefined &&
    bytes.length >= WEBHOOK_SECRET_MIN_BYTES &&
    bytes.length <= WEBHOOK_SECRET_MAX_BYTES
  );
}

export function generateWebhookSigningSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}
