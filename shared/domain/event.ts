import * as z from "zod/mini";
import { eventNameSchema, jsonObjectSchema } from "./primitives.js";
import { traitsSchema } from "./profile.js";

/**
 * Body of POST /v1/events. Unknown top-level fields are ignored rather than rejected: analytics SDKs
 * add their own (context, anonymousId...), and refusing them would lose events.
 */
export const trackEventSchema = z.object({
  event: eventNameSchema,
  accountId: z.string().check(z.minLength(1), z.maxLength(256)),
  userId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** The client's idempotency key: resending the same messageId never starts a moment twice. */
  messageId: z.optional(
    z.string().check(z.regex(/^[\x21-\x7e]{1,128}$/, "must be 1 to 128 printable ASCII characters")),
  ),
  timestamp: z.optional(z.iso.datetime({ offset: true })),
  properties: z._default(jsonObjectSchema, {}),
  traits: z.optional(traitsSchema),
});
export type TrackEvent = z.infer<typeof trackEventSchema>;

/** Largest single event, serialized (an EventBridge entry holds 256 KB; we keep ample headroom). */
export const MAX_EVENT_BYTES = 32 * 1024;
