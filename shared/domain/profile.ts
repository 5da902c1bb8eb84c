import * as z from "zod/mini";
import { isJsonObject, keptRecord, storableJson } from "./primitives.js";

/** Most traits one call may set: each becomes one clause of a single DynamoDB update. */
export const MAX_TRAITS_PER_CALL = 100;

/**
 * Traits describe an account (organization_name, plan, arr...) or the person behind it
 * (first_name, email...). They merge shallowly into the stored profile: a given trait replaces the
 * stored one, others stay.
 */
export const traitsSchema = keptRecord(z.string().check(z.minLength(1), z.maxLength(128)), z.unknown(), {
  propertyNames: { type: "string", minLength: 1, maxLength: 128 },
}).check(
  z.refine((traits) => !isJsonObject(traits) || Object.keys(traits).length <= MAX_TRAITS_PER_CALL, {
    message: `may set at most ${MAX_TRAITS_PER_CALL} traits at once`,
  }),
  storableJson,
);
export type Traits = z.infer<typeof traitsSchema>;

export const profileSchema = z.strictObject({
  workspaceId: z.string(),
  accountId: z.string(),
  traits: traitsSchema,
  updatedAt: z.optional(z.iso.datetime()),
});
export type AccountProfile = z.infer<typeof profileSchema>;
