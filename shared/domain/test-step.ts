import * as z from "zod/mini";
import { accountIdSchema, userIdSchema } from "./event.js";
import { jsonObjectSchema } from "./primitives.js";
import { traitsSchema } from "./profile.js";

/**
 * The body of a test send (`POST /v1/admin/moments/{id}/steps/{stepId}/test`): a real account or
 * sample traits to render with, sample event properties, and whether to perform the step.
 */
export const testStepSchema = z
  .strictObject({
    /** A real account: its traits (and the user's, with userId) render the step. */
    accountId: z.optional(accountIdSchema),
    userId: z.optional(userIdSchema),
    /** Sample account traits instead of a real account (`{ "first_name": "Ada", "email": ... }`). */
    traits: z.optional(traitsSchema),
    /** Sample user traits, read before the account's as in a real run. */
    userTraits: z.optional(traitsSchema),
    /** Sample properties of the trigger event (`{event.cart_total}`). */
    event: z._default(jsonObjectSchema, {}),
    /** Render only and send nothing; by default the step is performed (a test send). */
    dryRun: z._default(z.boolean(), false),
  })
  .check(
    z.refine((body) => (body.accountId === undefined) !== (body.traits === undefined), {
      message: "give exactly one of accountId (a real account) or traits (sample traits)",
      path: ["accountId"],
    }),
  );
export type TestStepInput = z.infer<typeof testStepSchema>;
