import * as z from "zod/mini";
import { isJsonObject, keptRecord, storableJson } from "./primitives.js";

/** Most traits one call may set: each becomes one clause of a single DynamoDB update. */
export const MAX_TRAITS_PER_CALL = 100;

/** Longest trait name: a condition reads a trait as `account.<name>`, a path segment of up to 128. */
export const MAX_TRAIT_NAME_LENGTH = 128;

/** A name as an error can show it: quoted, the beginning of a long one with its length. */
function shownName(name: string): string {
  return name.length <= 40
    ? JSON.stringify(name)
    : `${JSON.stringify(name.slice(0, 40))}… (${name.length} characters)`;
}

/**
 * Traits describe an account (organization_name, plan, arr...) or the person behind it
 * (first_name, email...). They merge shallowly into the stored profile: a given trait replaces the
 * stored one, others stay. A trait's name is 1 to 128 characters, as conditions name it
 * (`account.<name>`); its value is free-form JSON, whose own keys may be anything.
 */
export const traitsSchema = keptRecord(z.string(), z.unknown(), {
  propertyNames: { type: "string", minLength: 1, maxLength: MAX_TRAIT_NAME_LENGTH },
}).check(
  z.superRefine((traits, ctx) => {
    if (!isJsonObject(traits)) return;
    for (const name of Object.keys(traits))
      if (name.length < 1 || name.length > MAX_TRAIT_NAME_LENGTH)
        ctx.addIssue({
          code: "custom",
          message: `trait names must be 1–${MAX_TRAIT_NAME_LENGTH} characters; got ${shownName(name)}`,
          path: [],
        });
  }),
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
