import * as z from "zod/mini";
import { ATTRIBUTE_CHANGED_EVENT } from "../contracts/bus.js";
import { eventNameSchema, jsonObjectSchema } from "./primitives.js";
import { traitsSchema } from "./profile.js";

export const accountIdSchema = z.string().check(z.minLength(1), z.maxLength(256));
export const userIdSchema = z.string().check(z.minLength(1), z.maxLength(256));
/** The client's idempotency key: resending the same messageId never starts a moment twice. */
export const messageIdSchema = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,128}$/, "must be 1 to 128 printable ASCII characters"));
/** When it happened, on the client's clock; any offset, stored as UTC. */
export const eventTimestampSchema = z.iso.datetime({ offset: true });

/** The fields of a track event, shared by POST /v1/events and a batch's `{ type: "track" }` items. */
export const trackEventShape = {
  event: eventNameSchema,
  accountId: accountIdSchema,
  userId: z.optional(userIdSchema),
  messageId: z.optional(messageIdSchema),
  timestamp: z.optional(eventTimestampSchema),
  properties: z._default(jsonObjectSchema, {}),
  /** Account (organization) traits: `organization_name`, `plan`, `arr`... */
  traits: z.optional(traitsSchema),
  /** User (person) traits: `first_name`, `email`, `role`... Merged into the profile of `userId`. */
  userTraits: z.optional(traitsSchema),
};

/** userTraits belong to a person: without a userId there is no profile to merge them into. */
export function userTraitsNeedUserId(
  value: { userId?: string | undefined; userTraits?: unknown },
  ctx: z.core.$RefinementCtx,
) {
  if (value.userTraits !== undefined && value.userId === undefined)
    ctx.addIssue({
      code: "custom",
      message: "userTraits need a userId (the person they describe)",
      path: ["userTraits"],
    });
}

/**
 * Body of POST /v1/events. Unknown top-level fields are ignored rather than rejected: analytics SDKs
 * add their own (context, anonymousId...), and refusing them would lose events.
 */
export const trackEventSchema = z.object(trackEventShape).check(
  z.superRefine((value, ctx) => {
    userTraitsNeedUserId(value, ctx);
    // Only the engine emits attribute_changed (from a real trait change); an app sending it could
    // start chained moments on a change that never happened. Apps change traits with identify.
    if (value.event === ATTRIBUTE_CHANGED_EVENT)
      ctx.addIssue({
        code: "custom",
        message: `"${ATTRIBUTE_CHANGED_EVENT}" is reserved for the engine; send an identify to change traits`,
        path: ["event"],
      });
  }),
);
export type TrackEvent = z.infer<typeof trackEventSchema>;

/** Largest single event (or identify), serialized (an EventBridge entry holds 256 KB; we keep ample headroom). */
export const MAX_EVENT_BYTES = 32 * 1024;

/** Most items one POST /v1/batch may hold. */
export const MAX_BATCH_ITEMS = 100;
/**
 * Largest batch, as JSON (whitespace aside). The HTTP wrapper refuses raw bodies over
 * MAX_REQUEST_BYTES (512 KiB) before any parsing; this is the API's documented limit.
 */
export const MAX_BATCH_BYTES = 500 * 1024;

/**
 * The envelope of POST /v1/batch. Items are checked one by one (see ingestBatch), so an invalid item
 * is reported by index and never costs its valid siblings; only the envelope itself can fail the
 * whole request. The count limit is checked separately: too many items is a 413, not a 400.
 */
export const batchEnvelopeSchema = z.object({
  batch: z.array(z.unknown()).check(z.minLength(1, "must hold at least one item")),
});

/** What `type` a batch item may have. */
export const batchItemTypes = ["track", "identify"] as const;
export type BatchItemType = (typeof batchItemTypes)[number];
