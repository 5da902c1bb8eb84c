import * as z from "zod/mini";

export const accountIdSchema = z.string().check(z.minLength(1), z.maxLength(256));
export const userIdSchema = z.string().check(z.minLength(1), z.maxLength(256));
/** The client's idempotency key: resending the same messageId never starts a moment twice. */
export const messageIdSchema = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,128}$/, "must be 1 to 128 printable ASCII characters"));
/** When it happened, on the client's clock; any offset, stored as UTC. */
export const eventTimestampSchema = z.iso.datetime({ offset: true });

/**
 * Largest batch, as JSON (whitespace aside). The HTTP wrapper refuses raw bodies over
 * MAX_REQUEST_BYTES (512 KiB) before any parsing; this is the API's documented limit.
 */
export const MAX_BATCH_BYTES = 500 * 1024;
