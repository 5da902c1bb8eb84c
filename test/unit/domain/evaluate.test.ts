import { describe, expect, it } from "vitest";
import type { Condition, ConditionOperator, Scalar } from "../../../shared/domain/conditions.js";
import {
  compareValues,
  evaluateConditions,
  type Facts,
  isoInstant,
  numericValue,
  resolveField,
  valuesEqual,
} from "../../../shared/domain/evaluate.js";

const facts: Facts = {
  event: {
    total: 42,
    total_text: "42",
    price: "19.99",
    plan: "pro",
    name: "Order Completed",
    empty: "",
    zero: 0,
    paid: true,
    coupon: null,
    tags: ["vip", "beta", 7],
    at: "2024-05-01T10:00:00Z",
    day: "2024-05-01",
    items: [{ sku: "A-1", qty: 2 }],
    cart: { id: "c_1", totals: { net: 100 } },
  },
  account: {
    plan: "growth",
    arr: 12000,
    seats: "15",
    trial_ends_at: "2024-06-01T00:00:00+02:00",
    churned: false,
  },
  user: { role: "admin", email: "ana@acme.com", nickname: null },
};

function holds(condition: Condition, on: Facts = facts): boolean {
  return evaluateConditions([condition], on).pass;
}

const c = (field: string, op: ConditionOperator, value?: Scalar | Scalar[]): Condition =>
  value === undefined && (op === "exists" || op === "not_exists") ? { field, op } : { field, op, value };

describe("evaluateConditions: every operator", () => {
  it.each([
    // eq
    ["eq: equal strings", c("event.plan", "eq", "pro"), true],
    ["eq: strings are case-sensitive", c("event.plan", "eq", "Pro"), false],
    ["eq: equal numbers", c("event.total", "eq", 42), true],
    ["eq: different numbers", c("event.total", "eq", 43), false],
    ["eq: number field vs numeric string value", c("event.total", "eq", "42"), true],
    ["eq: numeric string field vs number value", c("event.total_text", "eq", 42), true],
    ["eq: numeric string vs number compares numerically (42.0)", c("event.total", "eq", "42.0"), true],
    ["eq: two strings compare exactly, not numerically", c("event.total_text", "eq", "42.0"), false],
    ["eq: decimal numeric string vs number", c("event.price", "eq", 19.99), true],
    ["eq: non-numeric string vs number is a mismatch", c("event.plan", "eq", 0), false],
    ["eq: empty string is not the number 0", c("event.empty", "eq", 0), false],
    ["eq: booleans", c("event.paid", "eq", true), true],
    ["eq: boolean false", c("account.churned", "eq", false), true],
    ["eq: boolean vs the string 'true' is a mismatch", c("event.paid", "eq", "true"), false],
    ["eq: boolean vs 1 is a mismatch", c("event.paid", "eq", 1), false],
    ["eq: null equals null", c("event.coupon", "eq", null), true],
    ["eq: a missing field does not equal null", c("event.nothing", "eq", null), false],
    ["eq: null does not equal the string 'null'", c("event.coupon", "eq", "null"), false],
    ["eq: a missing field equals nothing", c("event.nothing", "eq", "pro"), false],
    ["eq: an array field equals nothing", c("event.tags", "eq", "vip"), false],
    ["eq: an object field equals nothing", c("event.cart", "eq", "c_1"), false],
    // neq: the exact negation of eq
    ["neq: different strings", c("event.plan", "neq", "free"), true],
    ["neq: equal strings", c("event.plan", "neq", "pro"), false],
    ["neq: number vs equal numeric string", c("event.total", "neq", "42"), false],
    ["neq: a missing field", c("account.nothing", "neq", "pro"), true],
    ["neq: null vs a string", c("event.coupon", "neq", "SAVE10"), true],
    ["neq: null vs null", c("event.coupon", "neq", null), false],
    ["neq: a type mismatch (boolean vs string)", c("event.paid", "neq", "true"), true],
    // gt / gte / lt / lte on numbers
    ["gt: 42 > 10", c("event.total", "gt", 10), true],
    ["gt: 42 > 42 is false", c("event.total", "gt", 42), false],
    ["gte: 42 >= 42", c("event.total", "gte", 42), true],
    ["gte: 42 >= 43 is false", c("event.total", "gte", 43), false],
    ["lt: 42 < 100", c("event.total", "lt", 100), true],
    ["lt: 42 < 42 is false", c("event.total", "lt", 42), false],
    ["lte: 42 <= 42", c("event.total", "lte", 42), true],
    ["lte: 42 <= 41 is false", c("event.total", "lte", 41), false],
    ["gt: numeric string field vs number", c("account.seats", "gt", 9), true],
    ["gt: numbers, not text order ('15' > '9' as numbers)", c("account.seats", "gt", "9"), true],
    ["lt: decimal numeric string", c("event.price", "lt", 20), true],
    ["gt: negative value", c("event.total", "gt", -1), true],
    ["gt: exponent notation in the operand", c("account.arr", "gt", "1e4"), true],
    ["gt: a non-numeric string is never ordered", c("event.plan", "gt", 1), false],
    ["lt: a non-numeric string is never ordered (no text order)", c("event.plan", "lt", "zzz"), false],
    ["gt: a boolean is never ordered", c("event.paid", "gt", 0), false],
    ["gte: null is never ordered", c("event.coupon", "gte", 0), false],
    ["lte: a missing field is never ordered", c("event.nothing", "lte", 100), false],
    ["gt: an array is never ordered", c("event.tags", "gt", 0), false],
    // gt / lt on dates
    ["gt: date-time after", c("event.at", "gt", "2024-04-30T23:59:59Z"), true],
    ["gt: date-time before", c("event.at", "gt", "2024-05-02T00:00:00Z"), false],
    ["gte: same instant with another offset", c("event.at", "gte", "2024-05-01T12:00:00+02:00"), true],
    ["lte: same instant with another offset", c("event.at", "lte", "2024-05-01T12:00:00+02:00"), true],
    [
      "gt: same instant with another offset is not greater",
      c("event.at", "gt", "2024-05-01T12:00:00+02:00"),
      false,
    ],
    [
      "lt: the offset is applied (09:00-02:00 is 11:00Z)",
      c("event.at", "lt", "2024-05-01T09:00:00-02:00"),
      true,
    ],
    ["gt: a date alone is midnight UTC", c("event.at", "gt", "2024-05-01"), true],
    ["lt: a date-only field against a date-time", c("event.day", "lt", "2024-05-01T00:00:01Z"), true],
    ["gte: a date-only field against the same midnight", c("event.day", "gte", "2024-05-01T00:00:00Z"), true],
    ["gt: a date-time without offset is UTC", c("event.at", "gt", "2024-05-01T09:59:59"), true],
    ["lt: a trait with an offset", c("account.trial_ends_at", "lt", "2024-05-31T23:00:00Z"), true],
    ["gt: a date against a number is a mismatch", c("event.at", "gt", 0), false],
    ["gt: an impossible date is not a date", c("event.at", "gt", "2024-02-30"), false],
    ["lt: an impossible date is not a date", c("event.at", "lt", "2024-13-01"), false],
    // contains / not_contains
    ["contains: substring", c("event.name", "contains", "Order"), true],
    ["contains: case-sensitive", c("event.name", "contains", "order"), false],
    ["contains: the empty string is in every string", c("event.name", "contains", ""), true],
    ["contains: array membership", c("event.tags", "contains", "vip"), true],
    [
      "contains: array membership is whole elements, not substrings",
      c("event.tags", "contains", "vi"),
      false,
    ],
    ["contains: array membership uses eq (numeric string vs number)", c("event.tags", "contains", "7"), true],
    ["contains: a number field is not searched", c("event.total", "contains", "4"), false],
    ["contains: an object field is not searched", c("event.cart", "contains", "c_1"), false],
    ["contains: a missing field", c("event.nothing", "contains", "x"), false],
    ["contains: null", c("event.coupon", "contains", "x"), false],
    ["not_contains: substring present", c("event.name", "not_contains", "Order"), false],
    ["not_contains: substring absent", c("event.name", "not_contains", "Refund"), true],
    ["not_contains: array without the element", c("event.tags", "not_contains", "trial"), true],
    ["not_contains: array with the element", c("event.tags", "not_contains", "beta"), false],
    ["not_contains: a missing field", c("event.nothing", "not_contains", "x"), true],
    ["not_contains: a number field (mismatch) holds", c("event.total", "not_contains", "4"), true],
    // starts_with
    ["starts_with: prefix", c("user.email", "starts_with", "ana@"), true],
    ["starts_with: not a prefix", c("user.email", "starts_with", "acme"), false],
    ["starts_with: case-sensitive", c("event.name", "starts_with", "order"), false],
    ["starts_with: a number field is a mismatch", c("event.total", "starts_with", "4"), false],
    ["starts_with: an array field is a mismatch", c("event.tags", "starts_with", "vip"), false],
    ["starts_with: a missing field", c("user.nothing", "starts_with", ""), false],
    // in / not_in
    ["in: listed", c("account.plan", "in", ["starter", "growth"]), true],
    ["in: not listed", c("account.plan", "in", ["starter", "pro"]), false],
    ["in: uses eq (number vs numeric string)", c("event.total", "in", ["41", "42"]), true],
    ["in: uses eq (boolean vs string is a mismatch)", c("event.paid", "in", ["true"]), false],
    ["in: null listed", c("event.coupon", "in", [null, "SAVE10"]), true],
    ["in: a missing field is not null", c("event.nothing", "in", [null]), false],
    ["in: a missing field", c("event.nothing", "in", ["a"]), false],
    ["in: an array field is not its elements", c("event.tags", "in", ["vip"]), false],
    ["not_in: not listed", c("account.plan", "not_in", ["starter", "pro"]), true],
    ["not_in: listed", c("account.plan", "not_in", ["starter", "growth"]), false],
    ["not_in: a missing field", c("event.nothing", "not_in", ["a"]), true],
    ["not_in: number vs listed numeric string", c("event.total", "not_in", ["42"]), false],
    // exists / not_exists
    ["exists: a present value", c("account.plan", "exists"), true],
    ["exists: false is a value", c("account.churned", "exists"), true],
    ["exists: the empty string is a value", c("event.empty", "exists"), true],
    ["exists: 0 is a value", c("event.zero", "exists"), true],
    ["exists: an array is a value", c("event.tags", "exists"), true],
    ["exists: null counts as missing", c("user.nickname", "exists"), false],
    ["exists: a missing field", c("user.nothing", "exists"), false],
    ["not_exists: a missing field", c("user.nothing", "not_exists"), true],
    ["not_exists: null counts as missing", c("user.nickname", "not_exists"), true],
    ["not_exists: a present value", c("user.role", "not_exists"), false],
  ] as const)("%s", (_description, condition, expected) => {
    expect(holds(condition)).toBe(expected);
  });
});

describe("evaluateConditions: fields", () => {
  const inherited = Object.create({ inherited: "yes" }) as Record<string, unknown>;
  const onProto: Facts = { event: inherited, account: {}, user: {} };
  const fromJson: Facts = { event: JSON.parse('{"__proto__": {"plan": "pro"}}'), account: {}, user: {} };

  it.each([
    ["a nested object path", c("event.cart.totals.net", "eq", 100), facts, true],
    ["a nested path through a missing object", c("event.cart.nothing.net", "exists"), facts, false],
    ["a path through a scalar is missing", c("event.plan.length", "exists"), facts, false],
    ["a path through null is missing", c("event.coupon.code", "not_exists"), facts, true],
    ["an array element by index", c("event.items.0.sku", "eq", "A-1"), facts, true],
    ["an array index out of range is missing", c("event.items.1.sku", "exists"), facts, false],
    ["an array's length is not an index", c("event.tags.length", "exists"), facts, false],
    ["an index with a leading zero is not an index", c("event.tags.01", "exists"), facts, false],
    ["an object's prototype is never read (constructor)", c("event.constructor", "exists"), facts, false],
    ["an object's prototype is never read (toString)", c("account.toString", "not_exists"), facts, true],
    ["an object's prototype is never read (__proto__)", c("event.__proto__", "exists"), facts, false],
    ["an inherited property is missing", c("event.inherited", "exists"), onProto, false],
    ["an own __proto__ key from JSON is a property", c("event.__proto__.plan", "eq", "pro"), fromJson, true],
    ["account traits", c("account.arr", "gte", 12000), facts, true],
    ["user traits", c("user.role", "eq", "admin"), facts, true],
    ["roots are separate (user.plan is not account.plan)", c("user.plan", "exists"), facts, false],
    ["an unknown root is missing", c("session.plan", "not_exists"), facts, true],
    ["a root alone is missing", c("event", "not_exists"), facts, true],
  ] as const)("%s", (_description, condition, on, expected) => {
    expect(holds(condition, on)).toBe(expected);
  });

  it("reads event, account and user from their own roots", () => {
    expect(resolveField("event.plan", facts)).toBe("pro");
    expect(resolveField("account.plan", facts)).toBe("growth");
    expect(resolveField("user.nickname", facts)).toBeNull();
    expect(resolveField("user.nothing", facts)).toBeUndefined();
  });
});

describe("evaluateConditions: lists and any", () => {
  const pro = c("event.plan", "eq", "pro");
  const big = c("event.total", "gt", 10);
  const free = c("event.plan", "eq", "free");
  const small = c("event.total", "lt", 10);

  it.each<[string, Condition[] | undefined, boolean]>([
    ["no conditions always pass", undefined, true],
    ["an empty list always passes", [], true],
    ["all of a list holding", [pro, big], true],
    ["a list with one failing condition", [pro, small], false],
    ["any: one alternative holds", [{ any: [free, big] }], true],
    ["any: no alternative holds", [{ any: [free, small] }], false],
    ["any: empty never holds", [{ any: [] }], false],
    ["any nested in any", [{ any: [free, { any: [small, pro] }] }], true],
    ["several any groups must all hold", [{ any: [{ any: [free] }, { any: [pro] }] }, big], true],
    ["any beside a failing condition", [{ any: [pro] }, small], false],
    ["any with all alternatives nested and failing", [{ any: [free, { any: [small] }] }], false],
  ])("%s", (_description, conditions, expected) => {
    expect(evaluateConditions(conditions, facts).pass).toBe(expected);
  });
});

describe("evaluateConditions: the failure reason", () => {
  it.each<[string, Condition[], string]>([
    [
      "names the field, operator, operand and value",
      [c("event.total", "gt", 100)],
      "event.total gt 100: was 42",
    ],
    ["quotes strings", [c("event.plan", "eq", "free")], 'event.plan eq "free": was "pro"'],
    ["says missing for a missing field", [c("event.nothing", "exists")], "event.nothing exists: was missing"],
    ["says null for a null value", [c("user.nickname", "exists")], "user.nickname exists: was null"],
    [
      "shows a list operand",
      [c("account.plan", "in", ["a", "b"])],
      'account.plan in ["a","b"]: was "growth"',
    ],
    [
      "names the first failing condition of the list",
      [c("event.plan", "eq", "pro"), c("event.total", "lt", 5), c("event.paid", "eq", false)],
      "event.total lt 5: was 42",
    ],
    [
      "lists why each alternative of an any failed",
      [{ any: [c("event.plan", "eq", "free"), c("account.nothing", "exists")] }],
      'any: none held (event.plan eq "free": was "pro"; account.nothing exists: was missing)',
    ],
  ])("%s", (_description, conditions, reason) => {
    expect(evaluateConditions(conditions, facts)).toEqual({ pass: false, failed: reason });
  });

  it("has no reason when the conditions pass", () => {
    expect(evaluateConditions([c("event.plan", "eq", "pro")], facts)).toEqual({ pass: true });
  });

  it("shortens a huge value so the decision log stays small", () => {
    const huge: Facts = { ...facts, event: { note: "x".repeat(10_000) } };
    const result = evaluateConditions([c("event.note", "eq", "y")], huge);

    expect(result.pass).toBe(false);
    const reason = result.pass ? "" : result.failed;
    expect(reason.length).toBeLessThan(120);
    expect(reason).toMatch(/^event\.note eq "y": was "x+…$/);
  });
});

describe("value helpers", () => {
  it.each([
    ["an integer string", "42", 42],
    ["a negative decimal", "-1.5", -1.5],
    ["a leading-dot decimal", ".5", 0.5],
    ["exponent notation", "2e3", 2000],
    ["a number", 7, 7],
    ["the empty string", "", undefined],
    ["whitespace around digits", " 4", undefined],
    ["hex", "0x10", undefined],
    ["Infinity", "Infinity", undefined],
    ["a non-finite number", Number.POSITIVE_INFINITY, undefined],
    ["a boolean", true, undefined],
    ["null", null, undefined],
  ] as const)("numericValue: %s", (_description, value, expected) => {
    expect(numericValue(value)).toBe(expected);
  });

  it.each([
    ["a UTC date-time", "2024-05-01T10:00:00Z", Date.UTC(2024, 4, 1, 10)],
    ["fractional seconds", "2024-05-01T10:00:00.250Z", Date.UTC(2024, 4, 1, 10, 0, 0, 250)],
    ["an offset", "2024-05-01T12:00:00+02:00", Date.UTC(2024, 4, 1, 10)],
    ["a negative offset without colon", "2024-05-01T05:30:00-0430", Date.UTC(2024, 4, 1, 10)],
    ["an hours-only offset", "2024-05-01T12:00:00+02", Date.UTC(2024, 4, 1, 10)],
    ["lowercase t and z", "2024-05-01t10:00:00z", Date.UTC(2024, 4, 1, 10)],
    ["a date alone (midnight UTC)", "2024-05-01", Date.UTC(2024, 4, 1)],
    ["no offset (UTC, not local time)", "2024-05-01T10:00", Date.UTC(2024, 4, 1, 10)],
    ["a leap day", "2024-02-29", Date.UTC(2024, 1, 29)],
    ["a year before 100 (no 19xx mapping)", "0050-01-01", -60589296000000],
    ["Feb 29 in a common year", "2023-02-29", undefined],
    ["Feb 29 in 1900", "1900-02-29", undefined],
    ["hour 24", "2024-05-01T24:00:00Z", undefined],
    ["month 13", "2024-13-01", undefined],
    ["a non-ISO date", "May 1, 2024", undefined],
    ["a number", 20240501, undefined],
  ] as const)("isoInstant: %s", (_description, value, expected) => {
    expect(isoInstant(value)).toBe(expected);
  });

  it.each([
    ["numbers", 1, 2, -1],
    ["equal numbers", 2, "2.0", 0],
    ["numeric strings as numbers, not text", "10", "9", 1],
    ["dates as instants, not text", "2024-01-02", "2024-01-01T23:00:00-02:00", -1],
    ["a number against a date", 0, "2024-01-01", undefined],
    ["plain strings", "b", "a", undefined],
    ["booleans", true, false, undefined],
  ] as const)("compareValues: %s", (_description, a, b, expectedSign) => {
    const comparison = compareValues(a, b);
    expect(comparison === undefined ? undefined : Math.sign(comparison)).toBe(expectedSign);
  });

  it.each([
    ["objects", {}, {}],
    ["arrays", [1], [1]],
    ["undefined", undefined, undefined],
  ] as const)("valuesEqual: %s equal nothing", (_description, a, b) => {
    expect(valuesEqual(a, b)).toBe(false);
  });
});
