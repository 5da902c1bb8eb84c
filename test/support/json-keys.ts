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

/**
 * Any Unicode scalar value (a code point that is not a surrogate): what fc.string's "binary" unit
 * generates, the same way (an index into U+0000-U+D7FF then U+E000-U+10FFFF, mapped by
 * String.fromCodePoint). fast-check's own unit builds a map of all 1.1 million code points the first
 * time a string arbitrary is made from it (to recognise its well-known dangerous strings): about 3 s
 * of CPU in every test process that imported this file. This unmapper computes the index instead.
 */
const FIRST_SURROGATE = 0xd800;
const SURROGATES = 0x800;
const anyCodePoint = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (index) => String.fromCodePoint(index < FIRST_SURROGATE ? index : index + SURROGATES),
  (value) => {
    const codePoint = typeof value === "string" ? value.codePointAt(0) : undefined;
    if (
      codePoint === undefined ||
      String.fromCodePoint(codePoint) !== value ||
      (codePoint >= FIRST_SURROGATE && codePoint < FIRST_SURROGATE + SURROGATES)
    )
      throw new Error("Not a single Unicode scalar value");
    return codePoint < FIRST_SURROGATE ? codePoint : codePoint - SURROGATES;
  },
);

/** Any key: the named ones often, else any string of Unicode code points. */
export const jsonKey = fc.oneof(
  fc.constantFrom(...NAMED_KEYS),
  fc.string({ unit: anyCodePoint, maxLength: 12 }),
);

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
