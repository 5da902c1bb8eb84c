import * as z from "zod/mini";
import { canonicalIsoTime } from "./iso-time.js";
import { validUnicode } from "./primitives.js";

export const accountIdSchema = z.string().check(z.minLength(1), z.maxLength(256), validUnicode);
export const userIdSchema = z.string().check(z.minLength(1), z.maxLength(256), validUnicode);
/** The client's idempotency key: resending the same messageId never starts a moment twice. */
export const messageIdSchema = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,128}$/, "must be 1 to 128 printable ASCII characters"));
/**
 * When it happened, on the client's clock: an ISO 8601 date-time as SDKs and common clients write it
 * (an offset as `+02:00`, `+0200` or `+02`, `Z` or `z`, none meaning UTC; or a date alone, midnight
 * UTC), read once here into the canonical UTC string (`2026-12-07T13:10:46.000Z`) everything after
 * this works with.
 */
export const eventTimestampSchema = z
  .pipe(
    z.string().check(
      z.refine((value) => canonicalIsoTime(value) !== undefined, {
        message:
          "must be an ISO 8601 date-time between the years 0000 and 9999, such as 2026-12-07T13:10:46Z or 2026-12-07T15:10:46+02:00",
      }),
    ),
    z.transform((value: string) => canonicalIsoTime(value) ?? value),
  )
  .register(z.globalRegistry, {
    type: "string",
    description:
      "ISO 8601 date-time (offset +02:00, +0200 or +02; none is UTC) or date (midnight UTC); read as UTC",
  });

/**
 * Largest batch, as JSON (whitespace aside). The HTTP wrapper refuses raw bodies over
 * MAX_REQUEST_BYTES (512 KiB) before any parsing; this is the API's documented limit.
 */
export { MAX_BATCH_BYTES } from "../contracts/routes.js";
