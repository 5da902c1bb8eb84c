import type { Condition, FieldCondition } from "./conditions.js";
import { isoInstant } from "./iso-time.js";

export { isoInstant };

/**
 * Evaluation of start and end rule filters (`where`). The semantics, decided once here so the matcher,
 * the workflow and the decision log agree:
 *
 * - **Fields.** `event.<path>` reads the event's properties, `account.<path>` the account's traits,
 *   `user.<path>` the user's. Dotted paths descend into objects through their *own* properties only
 *   (never the prototype: `event.constructor` is missing), and into arrays by index (`event.items.0.sku`;
 *   `length` is not an index, so it is missing).
 * - **Missing vs null.** A field is *missing* when the path does not lead to a value. `exists` holds
 *   when the field is present and not null (an identify call clears a trait by setting it to null, and
 *   a cleared trait is not "set"); `not_exists` is its negation. `eq null` holds only for an explicit
 *   null, never for a missing field.
 * - **Equality** (`eq`, `neq`, `in`, `not_in`, array membership in `contains`): numbers compare
 *   numerically, also with a numeric string on the other side (`"42"` eq 42, `"42.0"` eq 42); two
 *   strings compare exactly (case-sensitive, so `"42"` neq `"42.0"`); booleans only with booleans
 *   (`true` neq `"true"`); null only with null; objects and arrays equal nothing.
 * - **Ordering** (`gt`, `gte`, `lt`, `lte`): numbers or numeric strings compare as numbers; when both
 *   sides are ISO 8601 dates (`2024-05-01`, `2024-05-01T10:00:00Z`, `...+02:00`) they compare as
 *   instants (a date alone is midnight UTC, a date-time without offset is UTC, never the server's local
 *   time). Anything else (plain strings, booleans, null, a number against a date) is false.
 * - **Text**: `contains` is a case-sensitive substring test on a string field, or membership (with the
 *   equality above) on an array field; `starts_with` needs a string field.
 * - **Negations.** `neq`, `not_contains`, `not_in` and `not_exists` are exactly the negation of their
 *   positive operator, so a condition and its negation always split accounts into two complete,
 *   disjoint sets: a missing field or a type mismatch makes the positive operator false, hence the
 *   negation true (`account.plan neq "pro"` holds for an account with no plan).
 * - **Lists.** A list of conditions holds when all hold (an empty or absent list always holds);
 *   `{ any: [...] }` holds when at least one holds (an empty `any` never does).
 */

/** What a rule's filters can see. `event` is the event's properties; `account`/`user` their traits. */
export interface Facts {
  event: Record<string, unknown>;
  account: Record<string, unknown>;
  user: Record<string, unknown>;
}

/** `failed` is typed on both branches so a caller may read it without narrowing first. */
export type Evaluation = { pass: true; failed?: undefined } | { pass: false; failed: string };

/**
 * All conditions must hold (`any` groups need one of theirs); on failure, `failed` says which
 * condition failed and the value it saw, e.g. `event.total gt 10: was 4`.
 */
export function evaluateConditions(conditions: readonly Condition[] | undefined, facts: Facts): Evaluation {
  for (const condition of conditions ?? []) {
    const failed = failureOf(condition, facts);
    if (failed !== undefined) return { pass: false, failed: clip(failed, MAX_REASON_LENGTH) };
  }
  return { pass: true };
}

/**
 * The value a field names, or undefined when it is missing; own properties only, arrays by index.
 */
export function resolveField(field: string, facts: Facts): unknown {
  const [root, ...path] = field.split(".");
  let current: unknown =
    root === "event"
      ? facts.event
      : root === "account"
        ? facts.account
        : root === "user"
          ? facts.user
          : undefined;
  if (path.length === 0) return undefined;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d{0,8})$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/**
 * Equality as the operators use it: numbers numerically (also against a numeric string), strings
 * exactly, booleans with booleans, null with null; objects and arrays equal nothing.
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a === "number" && typeof b === "string") return numericValue(b) === a;
  if (typeof a === "string" && typeof b === "number") return numericValue(a) === b;
  if (typeof a === "string" && typeof b === "string") return a === b;
  if (typeof a === "boolean" && typeof b === "boolean") return a === b;
  return a === null && b === null;
}

/**
 * Orders two values: as numbers when both are numbers or numeric strings, as instants when both are
 * ISO 8601 dates; undefined when they cannot be ordered.
 */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  const ta = isoInstant(a);
  const tb = isoInstant(b);
  if (ta !== undefined && tb !== undefined) return ta - tb;
  return undefined;
}

/** A finite number, or a string written as one (`"42"`, `"-1.5"`, `"2e3"`; not `""`, `"0x10"`, `" 4"`). */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || !NUMERIC.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
const NUMERIC = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Does a field condition hold for the value it resolved to (undefined = missing)? */
export function operatorHolds(op: FieldCondition["op"], actual: unknown, expected: unknown): boolean {
  switch (op) {
    case "eq":
      return valuesEqual(actual, expected);
    case "neq":
      return !valuesEqual(actual, expected);
    case "gt":
      return ordered(actual, expected, (c) => c > 0);
    case "gte":
      return ordered(actual, expected, (c) => c >= 0);
    case "lt":
      return ordered(actual, expected, (c) => c < 0);
    case "lte":
      return ordered(actual, expected, (c) => c <= 0);
    case "contains":
      return contains(actual, expected);
    case "not_contains":
      return !contains(actual, expected);
    case "starts_with":
      return typeof actual === "string" && typeof expected === "string" && actual.startsWith(expected);
    case "in":
      return isIn(actual, expected);
    case "not_in":
      return !isIn(actual, expected);
    case "exists":
      return actual !== undefined && actual !== null;
    case "not_exists":
      return actual === undefined || actual === null;
  }
}

function ordered(actual: unknown, expected: unknown, test: (comparison: number) => boolean): boolean {
  const comparison = compareValues(actual, expected);
  return comparison !== undefined && test(comparison);
}

function contains(actual: unknown, expected: unknown): boolean {
  if (typeof actual === "string") return typeof expected === "string" && actual.includes(expected);
  if (Array.isArray(actual)) return actual.some((element) => valuesEqual(element, expected));
  return false;
}

function isIn(actual: unknown, expected: unknown): boolean {
  return Array.isArray(expected) && expected.some((candidate) => valuesEqual(actual, candidate));
}

/** undefined when the condition holds; otherwise why it did not. */
function failureOf(condition: Condition, facts: Facts): string | undefined {
  if ("any" in condition) {
    const reasons: string[] = [];
    for (const alternative of condition.any) {
      const failed = failureOf(alternative, facts);
      if (failed === undefined) return undefined;
      reasons.push(failed);
    }
    return reasons.length === 0 ? "any: no alternatives" : `any: none held (${reasons.join("; ")})`;
  }
  const actual = resolveField(condition.field, facts);
  if (operatorHolds(condition.op, actual, condition.value)) return undefined;
  const operand = condition.value === undefined ? "" : ` ${show(condition.value)}`;
  const was = actual === undefined ? "missing" : show(actual);
  return `${condition.field} ${condition.op}${operand}: was ${was}`;
}

const MAX_VALUE_LENGTH = 80;
const MAX_REASON_LENGTH = 1000;

/** A value as JSON, shortened: the decision log must stay small even for huge properties. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Not JSON-serializable (a BigInt, a cycle): facts come from JSON, so this is only a fallback.
    text = String(value);
  }
  return clip(text, MAX_VALUE_LENGTH);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
