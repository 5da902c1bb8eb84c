import * as z from "zod/mini";
import { MAX_DURATION_SECONDS, secondsPerUnit } from "./durations.js";

/** Ids we generate: time-sortable, URL-safe. */
export const idSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an id"));

/** Whether a path parameter can be one of our ids at all (anything else is answered 404 unread). */
export function isId(id: string): boolean {
  return idSchema.safeParse(id).success;
}

/** Human-facing names. */
export const nameSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));

/** Half of a UTF-16 surrogate pair on its own (JSON's "\ud800"): no UTF-8 encoding exists for it. */
const LONE_SURROGATE = /\p{Cs}/u;
const NOT_UNICODE = "must be valid Unicode text (it holds a lone UTF-16 surrogate)";

/**
 * A check for the strings an API stores and answers back (ids, names): valid Unicode, as
 * unstorableJson requires of free-form values. A lone surrogate cannot be stored as UTF-8, and
 * echoed back it makes the JSON answers that carry it unreadable to strict parsers (jq).
 */
export const validUnicode = z.refine<string>((value) => isValidUnicode(value), { message: NOT_UNICODE });

/** Whether a string is valid Unicode text (holds no lone UTF-16 surrogate). */
export function isValidUnicode(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Event names as apps send them ("trial_ending_soon", "Order Completed"). */
export const eventNameSchema = z
  .string()
  .check(
    z.regex(/^[^\p{Cc}]{1,200}$/u, "must be 1 to 200 characters with no control characters"),
    validUnicode,
  );

/**
 * How deep a free-form value may nest: it is stored inside items (a profile's `traits` map, a
 * decision's event), and DynamoDB refuses documents nested deeper than 32 levels.
 */
export const MAX_JSON_DEPTH = 16;

/**
 * The first thing in a free-form value DynamoDB could not store, with its path: a number that is not
 * finite (JSON's 1e999 parses to Infinity) or outside DynamoDB's range (magnitudes 1e-130 to below
 * 1e126), a string or key that is not valid Unicode (DynamoDB stores UTF-8), or nesting deeper
 * than MAX_JSON_DEPTH. Refused at the door with a 400 naming the field,
 * because a value accepted here and refused later, by the matcher's write, would be an accepted
 * event lost to the dead-letter queue.
 */
export function unstorableJson(
  value: unknown,
  path: (string | number)[] = [],
  depth = 0,
):
  | {
      path: (string | number)[];
      message: string;
    }
  | undefined {
  if (typeof value === "number") {
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value) || magnitude >= 1e126 || (magnitude !== 0 && magnitude < 1e-130))
      return {
        path,
        message: "must be a finite number between -1e126 and 1e126 (and not closer to 0 than 1e-130)",
      };
    return undefined;
  }
  if (typeof value === "string")
    return LONE_SURROGATE.test(value) ? { path, message: NOT_UNICODE } : undefined;
  if (value === null || typeof value !== "object") return undefined;
  if (depth >= MAX_JSON_DEPTH) return { path, message: `may nest at most ${MAX_JSON_DEPTH} levels deep` };
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof key === "string" && LONE_SURROGATE.test(key))
      return { path: [...path, key], message: `name ${NOT_UNICODE}` };
    const problem = unstorableJson(item, [...path, key], depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** A check for free-form records: reports unstorableJson's problem at its path. */
export const storableJson = z.superRefine<Record<string, unknown>>((value, ctx) => {
  if (!isJsonObject(value)) return;
  const problem = unstorableJson(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
});

/**
 * A plain JSON object (not an array, null or a class instance). Checks chained after a kept record
 * see what failed its type check too (that check does not abort), so they guard with this.
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON object whose keys and values pass the given schemas, kept exactly as it was given. Not
 * z.record: that builds a new object and skips a `__proto__` key (as any `out[key] = value` must),
 * so an accepted event would silently lose that property. Each problem names its key.
 */
export function keptRecord<V>(
  keySchema: z.ZodMiniType<string>,
  valueSchema: z.ZodMiniType<V>,
  /** How the OpenAPI document describes it (z.toJSONSchema is not bundled into every function). */
  jsonSchema: {
    propertyNames?: Record<string, unknown>;
    additionalProperties?: Record<string, unknown>;
  } = {},
) {
  return z
    .custom<Record<string, V>>(isJsonObject, { message: "must be an object", abort: false })
    .check(
      z.superRefine((record, ctx) => {
        // The type check above does not abort (so the other fields' problems are still reported),
        // so this check also sees what failed it: a non-object has nothing more to report.
        if (!isJsonObject(record)) return;
        for (const [key, value] of Object.entries(record)) {
          const name = keySchema.safeParse(key);
          if (!name.success)
            ctx.addIssue({ code: "custom", message: `name ${name.error.issues[0]?.message}`, path: [key] });
          const item = valueSchema.safeParse(value);
          if (!item.success)
            for (const issue of item.error.issues)
              ctx.addIssue({ code: "custom", message: issue.message, path: [key, ...issue.path] });
        }
      }),
    )
    .register(z.globalRegistry, { type: "object", ...jsonSchema });
}

/** Free-form JSON object (event properties, traits), storable as it is. */
export const jsonObjectSchema = keptRecord(z.string(), z.unknown()).check(storableJson);

export const durationUnitSchema = z.enum(["minutes", "hours", "days"]);
export type { DurationUnit } from "./durations.js";
export { durationToSeconds, MAX_DURATION_SECONDS, scaledDelaySeconds } from "./durations.js";

export const durationSchema = z
  .strictObject({
    amount: z.int().check(z.minimum(0)),
    unit: durationUnitSchema,
  })
  .check(
    z.refine((d) => d.amount * secondsPerUnit[d.unit] <= MAX_DURATION_SECONDS, {
      message: "must be under one year (a Step Functions execution lasts at most one year)",
      path: ["amount"],
    }),
  );
export type Duration = z.infer<typeof durationSchema>;
