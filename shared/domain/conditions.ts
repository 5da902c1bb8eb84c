import * as z from "zod/mini";
import { isoInstant, numericValue } from "./evaluate.js";

/**
 * Filters on a start or end rule. `field` names where the value lives: `event.<property>`,
 * `account.<attribute>` or `user.<attribute>` (dotted paths descend into objects). A list of
 * conditions means all of them; `{ any: [...] }` means at least one.
 */
export const conditionOperators = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "not_contains",
  "starts_with",
  "in",
  "not_in",
  "exists",
  "not_exists",
] as const;
export type ConditionOperator = (typeof conditionOperators)[number];

export const conditionFieldSchema = z
  .string()
  .check(
    z.regex(
      /^(event|account|user)(\.[^.\s]{1,128}){1,8}$/,
      "must be event.<property>, account.<attribute> or user.<attribute>",
    ),
  );

const scalarSchema = z.union([z.string().check(z.maxLength(1000)), z.number(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof scalarSchema>;

export interface FieldCondition {
  field: string;
  op: ConditionOperator;
  value?: Scalar | Scalar[];
}
export interface AnyCondition {
  any: Condition[];
}
export type Condition = FieldCondition | AnyCondition;

/** Which operand each operator takes; checked so a bad rule is a 400 at save time, not a silent miss. */
function operandProblem(op: ConditionOperator, value: unknown, hasValue: boolean): string | undefined {
  switch (op) {
    case "exists":
    case "not_exists":
      return hasValue ? `takes no value` : undefined;
    case "in":
    case "not_in":
      return Array.isArray(value) &&
        value.length > 0 &&
        value.length <= 100 &&
        value.every((v) => !Array.isArray(v))
        ? undefined
        : "needs a list of 1 to 100 values";
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      // What evaluation can order (see compareValues): anything else would never hold, silently.
      return numericValue(value) !== undefined || isoInstant(value) !== undefined
        ? undefined
        : "needs a number (or an ISO 8601 date such as 2026-05-01 or 2026-05-01T10:00:00Z)";
    case "contains":
    case "not_contains":
    case "starts_with":
      return typeof value === "string" ? undefined : "needs a string";
    case "eq":
    case "neq":
      return hasValue && !Array.isArray(value) ? undefined : "needs a single value";
  }
}

const fieldConditionSchema = z
  .strictObject({
    field: conditionFieldSchema,
    op: z.enum(conditionOperators),
    value: z.optional(z.union([scalarSchema, z.array(scalarSchema)])),
  })
  .check(
    z.superRefine((condition, ctx) => {
      const problem = operandProblem(condition.op, condition.value, "value" in condition);
      if (problem)
        ctx.addIssue({ code: "custom", message: `operator "${condition.op}" ${problem}`, path: ["value"] });
    }),
  );

export const conditionSchema: z.ZodMiniType<Condition> = z.union([
  fieldConditionSchema,
  z.strictObject({
    get any() {
      return z.array(conditionSchema).check(z.minLength(1), z.maxLength(20));
    },
  }),
]);

/** `any` groups inside `any` groups: enough for any real rule, and far inside DynamoDB's nesting limit. */
export const MAX_ANY_DEPTH = 4;

function anyDepth(conditions: readonly Condition[]): number {
  let deepest = 0;
  for (const condition of conditions)
    if ("any" in condition) deepest = Math.max(deepest, 1 + anyDepth(condition.any));
  return deepest;
}

/** A rule's `where`: all of these must hold. */
export const conditionListSchema = z.array(conditionSchema).check(
  z.maxLength(20),
  z.refine((conditions) => anyDepth(conditions) <= MAX_ANY_DEPTH, {
    message: `may nest "any" groups at most ${MAX_ANY_DEPTH} deep`,
  }),
);
