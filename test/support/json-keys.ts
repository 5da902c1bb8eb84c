/**
 * JSON keys that JavaScript, the AWS SDK or DynamoDB treat specially, an arbitrary for any key, and
 * a canonical form to compare JSON values by (key order aside: DynamoDB does not keep it).
 */
import fc from "fast-check";

export const NAMED_KEYS = [
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  "~",
  "~constructor",
  "é✓😀",
] as const;

/** Any key: the named ones often, else any string of Unicode code points. */
export const jsonKey = fc.oneof(fc.constantFrom(...NAMED_KEYS), fc.string({ unit: "binary", maxLength: 12 }));

/** An object from [key, value] entries: own properties, `__proto__` included. */
export const jsonObjectOf = (value: fc.Arbitrary<unknown>, maxKeys = 8) =>
  fc
    .uniqueArray(fc.tuple(jsonKey, value), { selector: ([key]) => key, maxLength: maxKeys })
    .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

/** JSON text with every object's keys sorted, so equal values compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}
