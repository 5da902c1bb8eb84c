import { createHash, createHmac } from "node:crypto";
import { isWebhookSigningSecret, webhookSecretBytes } from "./secrets.js";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): every request carries
 * `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256
 * of "<id>.<timestamp>.<body>">`, keyed with the bytes of the `whsec_<base64>` secret. Receivers
 * verify with any Standard Webhooks library, dedupe on the id and refuse stale timestamps.
 */
export const WEBHOOK_ID_HEADER = "webhook-id";
export const WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp";
export const WEBHOOK_SIGNATURE_HEADER = "webhook-signature";

/**
 * The message id of one step of one run: derived from its idempotency key, so every retry of the
 * step carries the same id and a receiver that dedupes on it acts once. Hashed, so the id reveals
 * nothing of the run it belongs to.
 */
export function webhookMessageId(idempotencyKey: string): string {
  return `msg_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 32)}`;
}

/** Unix seconds, as `webhook-timestamp` carries them. */
export function webhookTimestamp(at: Date): string {
  return String(Math.floor(at.getTime() / 1000));
}

/**
 * The `webhook-signature` value (`v1,<base64>`) of one message. Throws when the secret is not a
 * Standard Webhooks secret (the integration schema refuses those, so this is a bug, not input).
 */
export function signWebhook(secret: string, id: string, timestamp: string, body: string): string {
  const key = webhookSecretBytes(secret);
  if (key === undefined || !isWebhookSigningSecret(secret))
    throw new Error("not a Standard Webhooks signing secret (whsec_<base64 of 24 to 64 bytes>)");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64");
  return `v1,${signature}`;
}

/** The three Standard Webhooks headers of one attempt: a fresh timestamp, a signature over it. */
export function webhookSignatureHeaders(
  secret: string,
  id: string,
  at: Date,
  body: string,
): Record<
  typeof WEBHOOK_ID_HEADER | typeof WEBHOOK_TIMESTAMP_HEADER | typeof WEBHOOK_SIGNATURE_HEADER,
  string
> {
  const timestamp = webhookTimestamp(at);
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
    [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, id, timestamp, body),
  };
}
