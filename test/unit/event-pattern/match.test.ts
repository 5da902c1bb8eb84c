import { describe, expect, it } from "vitest";
import {
  type EventPattern,
  matchesEventPattern,
  validateEventPattern,
} from "../../../shared/event-pattern/match.js";

interface Row {
  description: string;
  pattern: EventPattern;
  event: unknown;
  expected: boolean;
}

const baseEvent = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "Order Placed",
  source: "com.example.orders",
  account: "111122223333",
  time: "2024-05-01T12:34:56Z",
  region: "eu-west-1",
  resources: ["arn:aws:s3:::bucket-a", "arn:aws:s3:::bucket-b"],
  detail: {},
};

/** The base envelope with the given `detail`. */
function withDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return { ...baseEvent, detail };
}

/** A pattern on `detail` only. */
function onDetail(detail: Record<string, unknown>): EventPattern {
  return { detail };
}

function row(description: string, pattern: EventPattern, event: unknown, expected: boolean): Row {
  return { description, pattern, event, expected };
}

function runRows(rows: readonly Row[]): void {
  it.each(rows)("$description", ({ pattern, event, expected }) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
}

describe("matchesEventPattern", () => {
  describe("envelope fields and exact matching", () => {
    runRows([
      row("matches an exact source", { source: ["com.example.orders"] }, baseEvent, true),
      row("rejects a different source", { source: ["com.example.billing"] }, baseEvent, false),
      row("rejects an account mismatch", { account: ["111"] }, { ...baseEvent, account: "222" }, false),
      row("matches the same account", { account: ["222"] }, { ...baseEvent, account: "222" }, true),
      row("ignores event keys the pattern does not mention", { region: ["eu-west-1"] }, baseEvent, true),
      row(
        "requires every pattern key to match (AND)",
        { source: ["com.example.orders"], "detail-type": ["Order Shipped"] },
        baseEvent,
        false,
      ),
      row(
        "accepts any value listed in one leaf (OR)",
        { "detail-type": ["Order Shipped", "Order Placed"] },
        baseEvent,
        true,
      ),
      row(
        "matches all envelope fields together",
        {
          version: ["0"],
          source: ["com.example.orders"],
          "detail-type": ["Order Placed"],
          account: ["111122223333"],
          region: ["eu-west-1"],
          time: ["2024-05-01T12:34:56Z"],
          resources: ["arn:aws:s3:::bucket-a"],
        },
        baseEvent,
        true,
      ),
      row("is case-sensitive for exact strings", { source: ["COM.EXAMPLE.ORDERS"] }, baseEvent, false),
      row("rejects a pattern key that is missing from the event", { "missing-key": ["x"] }, baseEvent, false),
      row(
        "descends into nested objects",
        onDetail({ customer: { tier: ["gold"] } }),
        withDetail({ customer: { tier: "gold" } }),
        true,
      ),
      row(
        "rejects a nested value that differs",
        onDetail({ customer: { tier: ["gold"] } }),
        withDetail({ customer: { tier: "silver" } }),
        false,
      ),
      row(
        "does not treat an object value as a leaf value",
        onDetail({ customer: ["gold"] }),
        withDetail({ customer: { tier: "gold" } }),
        false,
      ),
      row(
        "does not descend into a scalar where the pattern expects an object",
        onDetail({ customer: { tier: ["gold"] } }),
        withDetail({ customer: "gold" }),
        false,
      ),
      row(
        "reads a dotted pattern key as a nested path",
        onDetail({ "customer.tier": ["gold"] }),
        withDetail({ customer: { tier: "gold" } }),
        true,
      ),
      row(
        "matches a key that itself contains a dot",
        onDetail({ "customer.tier": ["gold"] }),
        withDetail({ "customer.tier": "gold" }),
        true,
      ),
      row(
        "does not read inherited properties such as constructor",
        onDetail({ constructor: [{ exists: true }] }),
        withDetail({}),
        false,
      ),
    ]);
  });

  describe("value types, null and empty strings", () => {
    runRows([
      row("a string never matches a number", onDetail({ n: ["5"] }), withDetail({ n: 5 }), false),
      row("a number never matches a string", onDetail({ n: [5] }), withDetail({ n: "5" }), false),
      row("matches numbers by value", onDetail({ n: [5] }), withDetail({ n: 5 }), true),
      row(
        "matches 300 against 300.0 (numeric equality)",
        onDetail({ n: [300] }),
        JSON.parse('{"detail": {"n": 300.0}}'),
        true,
      ),
      row("matches 3.018e2 against 301.8", onDetail({ n: [3.018e2] }), withDetail({ n: 301.8 }), true),
      row("rejects a different number", onDetail({ n: [5] }), withDetail({ n: 6 }), false),
      row("matches a boolean", onDetail({ flag: [true] }), withDetail({ flag: true }), true),
      row("rejects the opposite boolean", onDetail({ flag: [true] }), withDetail({ flag: false }), false),
      row(
        'the string "true" does not match a boolean',
        onDetail({ flag: ["true"] }),
        withDetail({ flag: true }),
        false,
      ),
      row(
        'a boolean does not match the string "true"',
        onDetail({ flag: [true] }),
        withDetail({ flag: "true" }),
        false,
      ),
      row("null matches a null value", onDetail({ v: [null] }), withDetail({ v: null }), true),
      row("null does not match a missing field", onDetail({ v: [null] }), withDetail({}), false),
      row("null does not match an empty string", onDetail({ v: [null] }), withDetail({ v: "" }), false),
      row("an empty string matches an empty string", onDetail({ v: [""] }), withDetail({ v: "" }), true),
      row("an empty string does not match null", onDetail({ v: [""] }), withDetail({ v: null }), false),
      row("an empty string does not match a missing field", onDetail({ v: [""] }), withDetail({}), false),
      row(
        "an empty string does not match a non-empty string",
        onDetail({ v: [""] }),
        withDetail({ v: "x" }),
        false,
      ),
    ]);
  });

  describe("arrays in events", () => {
    runRows([
      row(
        "matches when any array element matches",
        { resources: ["arn:aws:s3:::bucket-b"] },
        baseEvent,
        true,
      ),
      row(
        "rejects when no array element matches",
        { resources: ["arn:aws:s3:::bucket-z"] },
        baseEvent,
        false,
      ),
      row("rejects an empty event array", onDetail({ tags: ["a"] }), withDetail({ tags: [] }), false),
      row(
        "flattens nested arrays",
        onDetail({ tags: ["b"] }),
        withDetail({ tags: [["a"], ["b", "c"]] }),
        true,
      ),
      row(
        "matches a field inside an array of objects",
        onDetail({ items: { sku: ["B-2"] } }),
        withDetail({ items: [{ sku: "A-1" }, { sku: "B-2" }] }),
        true,
      ),
      row(
        "requires sibling conditions to hold in the same array element",
        onDetail({ items: { sku: ["A-1"], qty: [2] } }),
        withDetail({
          items: [
            { sku: "A-1", qty: 1 },
            { sku: "B-2", qty: 2 },
          ],
        }),
        false,
      ),
      row(
        "matches sibling conditions held by one array element",
        onDetail({ items: { sku: ["B-2"], qty: [2] } }),
        withDetail({
          items: [
            { sku: "A-1", qty: 1 },
            { sku: "B-2", qty: 2 },
          ],
        }),
        true,
      ),
      row(
        "applies operators to each element of a numeric array",
        onDetail({ scores: [{ numeric: [">", 90] }] }),
        withDetail({ scores: [12, 95, 40] }),
        true,
      ),
      row(
        "mixes scalars and objects in one array",
        onDetail({ mixed: { k: ["v"] } }),
        withDetail({ mixed: ["x", 1, { k: "v" }] }),
        true,
      ),
    ]);
  });

  describe("prefix", () => {
    runRows([
      row(
        "matches a string that starts with the prefix",
        { time: [{ prefix: "2024-05-01" }] },
        baseEvent,
        true,
      ),
      row("rejects a string with the text elsewhere", { time: [{ prefix: "05-01" }] }, baseEvent, false),
      row("is case-sensitive", { source: [{ prefix: "COM." }] }, baseEvent, false),
      row("does not match numbers", onDetail({ n: [{ prefix: "12" }] }), withDetail({ n: 123 }), false),
      row("does not match a missing field", onDetail({ s: [{ prefix: "a" }] }), withDetail({}), false),
      row(
        "matches any element of an array",
        { resources: [{ prefix: "arn:aws:s3:::bucket-b" }] },
        baseEvent,
        true,
      ),
      row(
        "with equals-ignore-case matches any casing",
        onDetail({ service: [{ prefix: { "equals-ignore-case": "EventB" } }] }),
        withDetail({ service: "eventbridge" }),
        true,
      ),
      row(
        "with equals-ignore-case still requires the prefix",
        onDetail({ service: [{ prefix: { "equals-ignore-case": "EventB" } }] }),
        withDetail({ service: "SQS" }),
        false,
      ),
    ]);
  });

  describe("suffix", () => {
    runRows([
      row(
        "matches a string that ends with the suffix",
        onDetail({ file: [{ suffix: ".png" }] }),
        withDetail({ file: "cat.png" }),
        true,
      ),
      row(
        "rejects another ending",
        onDetail({ file: [{ suffix: ".png" }] }),
        withDetail({ file: "cat.png.jpg" }),
        false,
      ),
      row(
        "is case-sensitive",
        onDetail({ file: [{ suffix: ".png" }] }),
        withDetail({ file: "cat.PNG" }),
        false,
      ),
      row("does not match numbers", onDetail({ n: [{ suffix: "3" }] }), withDetail({ n: 123 }), false),
      row(
        "with equals-ignore-case matches any casing",
        onDetail({ file: [{ suffix: { "equals-ignore-case": ".PNG" } }] }),
        withDetail({ file: "cat.png" }),
        true,
      ),
      row(
        "with equals-ignore-case still requires the suffix",
        onDetail({ file: [{ suffix: { "equals-ignore-case": ".PNG" } }] }),
        withDetail({ file: "cat.gif" }),
        false,
      ),
    ]);
  });

  describe("equals-ignore-case", () => {
    runRows([
      row(
        "matches an upper-case value",
        onDetail({ name: [{ "equals-ignore-case": "alice" }] }),
        withDetail({ name: "ALICE" }),
        true,
      ),
      row(
        "matches a mixed-case value",
        onDetail({ name: [{ "equals-ignore-case": "alice" }] }),
        withDetail({ name: "aLiCe" }),
        true,
      ),
      row(
        "matches non-ASCII letters",
        onDetail({ name: [{ "equals-ignore-case": "élodie" }] }),
        withDetail({ name: "ÉLODIE" }),
        true,
      ),
      row(
        "rejects a longer value",
        onDetail({ name: [{ "equals-ignore-case": "alice" }] }),
        withDetail({ name: "alicex" }),
        false,
      ),
      row(
        "rejects a different value",
        onDetail({ name: [{ "equals-ignore-case": "alice" }] }),
        withDetail({ name: "bob" }),
        false,
      ),
      row(
        "does not match numbers",
        onDetail({ n: [{ "equals-ignore-case": "5" }] }),
        withDetail({ n: 5 }),
        false,
      ),
    ]);
  });

  describe("anything-but", () => {
    const state = (value: unknown) => withDetail({ state: value });
    runRows([
      row(
        "matches a different string",
        onDetail({ state: [{ "anything-but": "initializing" }] }),
        state("running"),
        true,
      ),
      row(
        "rejects the excluded string",
        onDetail({ state: [{ "anything-but": "initializing" }] }),
        state("initializing"),
        false,
      ),
      row(
        "is case-sensitive",
        onDetail({ state: [{ "anything-but": "initializing" }] }),
        state("INITIALIZING"),
        true,
      ),
      row(
        "rejects every string of an excluded list",
        onDetail({ state: [{ "anything-but": ["stopped", "overloaded"] }] }),
        state("overloaded"),
        false,
      ),
      row(
        "matches a string outside an excluded list",
        onDetail({ state: [{ "anything-but": ["stopped", "overloaded"] }] }),
        state("running"),
        true,
      ),
      row("matches a different number", onDetail({ state: [{ "anything-but": 5 }] }), state(6), true),
      row("rejects the excluded number", onDetail({ state: [{ "anything-but": 5 }] }), state(5), false),
      row(
        "compares numbers by value",
        onDetail({ state: [{ "anything-but": [100, 200] }] }),
        JSON.parse('{"detail":{"state":200.0}}'),
        false,
      ),
      row(
        "matches a number outside an excluded list",
        onDetail({ state: [{ "anything-but": [100, 200] }] }),
        state(300),
        true,
      ),
      row(
        "does not match a missing field",
        onDetail({ state: [{ "anything-but": "initializing" }] }),
        withDetail({}),
        false,
      ),
      row(
        "matches a number when a string is excluded",
        onDetail({ state: [{ "anything-but": "5" }] }),
        state(5),
        true,
      ),
      row(
        "matches a string when a number is excluded",
        onDetail({ state: [{ "anything-but": 5 }] }),
        state("5"),
        true,
      ),
      row(
        "matches null (a value other than the excluded ones)",
        onDetail({ state: [{ "anything-but": "x" }] }),
        state(null),
        true,
      ),
      row(
        "matches when any array element is not excluded",
        onDetail({ state: [{ "anything-but": "a" }] }),
        state(["a", "b"]),
        true,
      ),
      row(
        "rejects when every array element is excluded",
        onDetail({ state: [{ "anything-but": ["a", "b"] }] }),
        state(["a", "b"]),
        false,
      ),
      row(
        "matches a missing field only when exists:false is also listed",
        onDetail({ state: [{ "anything-but": "initializing" }, { exists: false }] }),
        withDetail({}),
        true,
      ),
      row(
        "prefix matches a string with the prefix",
        onDetail({ state: [{ prefix: "init" }] }),
        state("initializing"),
        true,
      ),
      row(
        "anything-but prefix rejects a string with the prefix",
        onDetail({ state: [{ "anything-but": { prefix: "init" } }] }),
        state("initializing"),
        false,
      ),
      row(
        "anything-but prefix matches a string without the prefix",
        onDetail({ state: [{ "anything-but": { prefix: "init" } }] }),
        state("running"),
        true,
      ),
      row(
        "anything-but prefix matches a non-string value",
        onDetail({ state: [{ "anything-but": { prefix: "init" } }] }),
        state(42),
        true,
      ),
      row(
        "anything-but prefix list rejects any listed prefix",
        onDetail({ state: [{ "anything-but": { prefix: ["init", "stop"] } }] }),
        state("stopping"),
        false,
      ),
      row(
        "anything-but suffix rejects a string with the suffix",
        onDetail({ state: [{ "anything-but": { suffix: ".png" } }] }),
        state("cat.png"),
        false,
      ),
      row(
        "anything-but suffix matches a string without the suffix",
        onDetail({ state: [{ "anything-but": { suffix: ".png" } }] }),
        state("cat.jpg"),
        true,
      ),
      row(
        "anything-but equals-ignore-case rejects any casing of a listed value",
        onDetail({ state: [{ "anything-but": { "equals-ignore-case": ["a", "b"] } }] }),
        state("A"),
        false,
      ),
      row(
        "anything-but equals-ignore-case matches an unlisted value",
        onDetail({ state: [{ "anything-but": { "equals-ignore-case": ["a", "b"] } }] }),
        state("c"),
        true,
      ),
      row(
        "anything-but equals-ignore-case accepts a single string",
        onDetail({ state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] }),
        state("Initializing"),
        false,
      ),
      row(
        "anything-but wildcard rejects a matching string",
        onDetail({ state: [{ "anything-but": { wildcard: "*.txt" } }] }),
        state("notes.txt"),
        false,
      ),
      row(
        "anything-but wildcard matches a non-matching string",
        onDetail({ state: [{ "anything-but": { wildcard: "*.txt" } }] }),
        state("notes.md"),
        true,
      ),
    ]);
  });

  describe("numeric", () => {
    const count = (value: unknown) => withDetail({ count: value });
    const range = onDetail({ count: [{ numeric: [">", 0, "<=", 5] }] });
    runRows([
      row("matches the inclusive upper bound", range, count(5), true),
      row("matches a value inside the range", range, count(0.5), true),
      row("rejects the exclusive lower bound", range, count(0), false),
      row("rejects a value above the range", range, count(5.000001), false),
      row("rejects a numeric-looking string", range, count("5"), false),
      row("rejects a boolean", range, count(true), false),
      row("rejects null", range, count(null), false),
      row("rejects a missing field", range, withDetail({}), false),
      row("matches when any array element is in range", range, count([-1, 3]), true),
      row(
        '"=" matches an equal number',
        onDetail({ count: [{ numeric: ["=", 3.018e2] }] }),
        count(301.8),
        true,
      ),
      row(
        '"=" rejects a different number',
        onDetail({ count: [{ numeric: ["=", 3.018e2] }] }),
        count(301.9),
        false,
      ),
      row('"<" matches a negative number', onDetail({ count: [{ numeric: ["<", 10] }] }), count(-3), true),
      row('"<" rejects the bound itself', onDetail({ count: [{ numeric: ["<", 10] }] }), count(10), false),
      row('">=" matches the bound itself', onDetail({ count: [{ numeric: [">=", 10] }] }), count(10), true),
      row('">" rejects the bound itself', onDetail({ count: [{ numeric: [">", 10] }] }), count(10), false),
      row(
        "lists of ranges are alternatives",
        onDetail({ count: [{ numeric: ["<", 0] }, { numeric: [">", 100] }] }),
        count(150),
        true,
      ),
    ]);
  });

  describe("exists", () => {
    const present = onDetail({ coupon: [{ exists: true }] });
    const absent = onDetail({ coupon: [{ exists: false }] });
    runRows([
      row("exists:true matches a present value", present, withDetail({ coupon: "WELCOME" }), true),
      row("exists:true matches a null value (null is a value)", present, withDetail({ coupon: null }), true),
      row("exists:true rejects a missing field", present, withDetail({}), false),
      row(
        "exists:true rejects an object value (not a leaf)",
        present,
        withDetail({ coupon: { code: "X" } }),
        false,
      ),
      row("exists:true rejects an empty array (no leaf values)", present, withDetail({ coupon: [] }), false),
      row("exists:false matches a missing field", absent, withDetail({}), true),
      row("exists:false matches when the parent object is missing", absent, { source: "x" }, true),
      row("exists:false rejects a present value", absent, withDetail({ coupon: "WELCOME" }), false),
      row("exists:false rejects a null value", absent, withDetail({ coupon: null }), false),
      row(
        "exists:false matches an object value (not a leaf)",
        absent,
        withDetail({ coupon: { code: "X" } }),
        true,
      ),
      row("exists:false matches an empty array", absent, withDetail({ coupon: [] }), true),
      row(
        "exists:false combines with sibling conditions (AND)",
        onDetail({ status: ["paid"], coupon: [{ exists: false }] }),
        withDetail({ status: "paid" }),
        true,
      ),
      row(
        "exists:false with a sibling fails when the field is present",
        onDetail({ status: ["paid"], coupon: [{ exists: false }] }),
        withDetail({ status: "paid", coupon: "X" }),
        false,
      ),
      row(
        "exists:false or a value: a missing field matches",
        onDetail({ coupon: [{ exists: false }, "WELCOME"] }),
        withDetail({}),
        true,
      ),
      row(
        "exists:false or a value: the listed value matches",
        onDetail({ coupon: [{ exists: false }, "WELCOME"] }),
        withDetail({ coupon: "WELCOME" }),
        true,
      ),
      row(
        "exists:false or a value: another value does not match",
        onDetail({ coupon: [{ exists: false }, "WELCOME"] }),
        withDetail({ coupon: "OTHER" }),
        false,
      ),
      row(
        "exists:false under an array fails if any element has the field",
        onDetail({ items: { gift: [{ exists: false }] } }),
        withDetail({ items: [{ sku: "a" }, { sku: "b", gift: true }] }),
        false,
      ),
      row(
        "exists:false under an array matches when no element has the field",
        onDetail({ items: { gift: [{ exists: false }] } }),
        withDetail({ items: [{ sku: "a" }, { sku: "b" }] }),
        true,
      ),
      row(
        "exists:false is checked in the element matched by an earlier sibling",
        onDetail({ items: { sku: ["a"], wrap: [{ exists: false }] } }),
        withDetail({ items: [{ sku: "a" }, { sku: "b", wrap: true }] }),
        true,
      ),
      row(
        "exists:false uses the sorted field order, not the order keys are written in",
        onDetail({ items: { wrap: [{ exists: false }], sku: ["a"] } }),
        withDetail({ items: [{ sku: "a" }, { sku: "b", wrap: true }] }),
        true,
      ),
      row(
        "exists:false fails when the element matched by an earlier sibling has the field",
        onDetail({ items: { sku: ["a"], wrap: [{ exists: false }] } }),
        withDetail({ items: [{ sku: "a", wrap: true }, { sku: "b" }] }),
        false,
      ),
      row(
        "exists:false sorted before its sibling is checked across all elements (engine order)",
        onDetail({ items: { sku: ["a"], gift: [{ exists: false }] } }),
        withDetail({ items: [{ sku: "a" }, { sku: "b", gift: true }] }),
        false,
      ),
    ]);
  });

  describe("cidr", () => {
    const ip = (value: unknown) => withDetail({ ip: value });
    const v4 = onDetail({ ip: [{ cidr: "10.0.0.0/24" }] });
    const v6 = onDetail({ ip: [{ cidr: "2001:db8::/32" }] });
    runRows([
      row("matches an IPv4 address in the block", v4, ip("10.0.0.33"), true),
      row("matches the last address of the block", v4, ip("10.0.0.255"), true),
      row("rejects the next address after the block", v4, ip("10.0.1.0"), false),
      row("rejects an address before the block", v4, ip("9.255.255.255"), false),
      row("rejects a string that is not an IP", v4, ip("10.0.0.x"), false),
      row("rejects an out-of-range octet", v4, ip("10.0.0.256"), false),
      row("rejects a number", v4, ip(10), false),
      row("rejects an IPv6 address against an IPv4 block", v4, ip("::a00:21"), false),
      row("matches a /31 block", onDetail({ ip: [{ cidr: "10.0.0.6/31" }] }), ip("10.0.0.7"), true),
      row(
        "rejects a neighbour of a /31 block",
        onDetail({ ip: [{ cidr: "10.0.0.6/31" }] }),
        ip("10.0.0.8"),
        false,
      ),
      row("matches an IPv6 address in the block", v6, ip("2001:db8:1::5"), true),
      row("matches a fully written IPv6 address", v6, ip("2001:0db8:0000:0000:0000:0000:0000:0001"), true),
      row("matches upper-case IPv6 hex digits", v6, ip("2001:DB8::ABCD"), true),
      row("rejects an IPv6 address outside the block", v6, ip("2001:db9::1"), false),
      row("rejects an IPv4 address against an IPv6 block", v6, ip("10.0.0.1"), false),
      row("rejects malformed IPv6", v6, ip("2001:db8:::1"), false),
      row("matches any array element", v4, ip(["192.168.0.1", "10.0.0.1"]), true),
      row(
        "an exact IP string matches another spelling of the same address",
        onDetail({ ip: ["::1"] }),
        ip("0:0:0:0:0:0:0:1"),
        true,
      ),
    ]);
  });

  describe("wildcard", () => {
    const file = (value: unknown) => withDetail({ file: value });
    const png = onDetail({ file: [{ wildcard: "dir/*.png" }] });
    runRows([
      row("matches a file in the folder", png, file("dir/cat.png"), true),
      row("lets * span slashes", png, file("dir/sub/cat.png"), true),
      row("lets * match nothing", png, file("dir/.png"), true),
      row("rejects another extension", png, file("dir/cat.jpg"), false),
      row("rejects another folder", png, file("other/cat.png"), false),
      row("is case-sensitive", png, file("DIR/cat.png"), false),
      row("does not match numbers", onDetail({ file: [{ wildcard: "*" }] }), file(5), false),
      row("a lone * matches the empty string", onDetail({ file: [{ wildcard: "*" }] }), file(""), true),
      row(
        "an escaped star matches a literal star",
        onDetail({ file: [{ wildcard: "dir/\\*.png" }] }),
        file("dir/*.png"),
        true,
      ),
      row(
        "an escaped star is not a wildcard",
        onDetail({ file: [{ wildcard: "dir/\\*.png" }] }),
        file("dir/cat.png"),
        false,
      ),
      row(
        "an escaped backslash matches a backslash",
        onDetail({ file: [{ wildcard: "a\\\\*" }] }),
        file("a\\b"),
        true,
      ),
      row("several stars match in order", onDetail({ file: [{ wildcard: "a*b*c" }] }), file("aXXbYYc"), true),
      row("several stars can match nothing", onDetail({ file: [{ wildcard: "a*b*c" }] }), file("abc"), true),
      row(
        "several stars reject the wrong order",
        onDetail({ file: [{ wildcard: "a*b*c" }] }),
        file("acb"),
        false,
      ),
      row(
        "requires the literal tail to end the value",
        onDetail({ file: [{ wildcard: "*ab" }] }),
        file("abab-"),
        false,
      ),
      row("without stars it is an exact match", onDetail({ file: [{ wildcard: "cat" }] }), file("cat"), true),
    ]);
  });

  describe("$or", () => {
    runRows([
      row(
        "matches when the first alternative matches",
        { $or: [{ source: ["com.example.orders"] }, { "detail-type": ["Nope"] }] },
        baseEvent,
        true,
      ),
      row(
        "matches when the second alternative matches",
        { $or: [{ source: ["nope"] }, { "detail-type": ["Order Placed"] }] },
        baseEvent,
        true,
      ),
      row(
        "rejects when no alternative matches",
        { $or: [{ source: ["nope"] }, { "detail-type": ["Nope"] }] },
        baseEvent,
        false,
      ),
      row(
        "is AND-ed with sibling keys",
        { source: ["com.example.billing"], $or: [{ region: ["eu-west-1"] }, { account: ["x"] }] },
        baseEvent,
        false,
      ),
      row(
        "is AND-ed with sibling keys that match",
        { source: ["com.example.orders"], $or: [{ region: ["us-east-1"] }, { account: ["111122223333"] }] },
        baseEvent,
        true,
      ),
      row(
        "works inside a nested object",
        onDetail({ $or: [{ status: ["paid"] }, { total: [{ numeric: [">", 100] }] }] }),
        withDetail({ status: "pending", total: 250 }),
        true,
      ),
      row(
        "nested alternatives constrain the nested object",
        onDetail({ $or: [{ status: ["paid"] }, { total: [{ numeric: [">", 100] }] }] }),
        withDetail({ status: "pending", total: 50 }),
        false,
      ),
      row(
        "an alternative with several keys needs all of them",
        { $or: [{ source: ["com.example.orders"], region: ["us-east-1"] }, { account: ["nope"] }] },
        baseEvent,
        false,
      ),
      row(
        "supports $or nested inside $or",
        {
          $or: [
            { source: ["nope"] },
            { region: ["eu-west-1"], $or: [{ account: ["nope"] }, { detail: { status: ["paid"] } }] },
          ],
        },
        withDetail({ status: "paid" }),
        true,
      ),
      row(
        "nested $or inside $or still requires one inner alternative",
        {
          $or: [
            { source: ["nope"] },
            { region: ["eu-west-1"], $or: [{ account: ["nope"] }, { detail: { status: ["paid"] } }] },
          ],
        },
        withDetail({ status: "open" }),
        false,
      ),
      row(
        "two parallel $or groups must both hold",
        {
          $or: [{ source: ["com.example.orders"] }, { source: ["x"] }],
          detail: { $or: [{ status: ["paid"] }, { status: ["shipped"] }] },
        },
        withDetail({ status: "open" }),
        false,
      ),
      row(
        "an alternative repeating a sibling's key replaces it (the later constraint wins)",
        {
          source: ["com.example.billing"],
          $or: [{ source: [{ prefix: "com." }] }, { region: ["us-east-1"] }],
        },
        baseEvent,
        true,
      ),
      row(
        "an alternative repeating a sibling's key matches when both hold",
        {
          source: ["com.example.orders"],
          $or: [{ source: [{ prefix: "org." }] }, { region: ["eu-west-1"] }],
        },
        baseEvent,
        true,
      ),
    ]);
  });

  describe("robustness", () => {
    const cyclic: Record<string, unknown> = { source: "x" };
    cyclic.self = cyclic;
    const cyclicArray: unknown[] = [];
    cyclicArray.push(cyclicArray);
    let deep: unknown = "leaf";
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const throwingGetter = Object.defineProperty({}, "source", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    const throwingProxy = new Proxy(
      {},
      {
        get() {
          throw new Error("boom");
        },
        getOwnPropertyDescriptor() {
          throw new Error("boom");
        },
        ownKeys() {
          throw new Error("boom");
        },
      },
    );

    it.each([
      { description: "undefined", event: undefined },
      { description: "null", event: null },
      { description: "a number", event: 42 },
      { description: "a string", event: "com.example.orders" },
      { description: "a boolean", event: true },
      { description: "an array", event: [baseEvent] },
      { description: "a function", event: () => baseEvent },
      { description: "a symbol", event: Symbol("event") },
      { description: "a throwing getter", event: throwingGetter },
      { description: "a throwing proxy", event: throwingProxy },
    ])("returns false for $description, even for an exists:false pattern", ({ event }) => {
      expect(matchesEventPattern({ source: [{ exists: false }] }, event)).toBe(false);
      expect(matchesEventPattern({ source: ["com.example.orders"] }, event)).toBe(false);
    });

    it("does not loop on a cyclic object", () => {
      expect(matchesEventPattern({ self: { self: { source: ["x"] } } }, cyclic)).toBe(false);
      expect(matchesEventPattern({ source: ["x"] }, cyclic)).toBe(true);
    });

    it("does not loop on a cyclic array", () => {
      expect(matchesEventPattern({ arr: ["x"] }, { arr: cyclicArray })).toBe(false);
    });

    it("returns false instead of overflowing the stack on absurd nesting", () => {
      expect(matchesEventPattern({ deep: ["leaf"] }, { deep })).toBe(false);
    });

    it("ignores non-JSON values in events", () => {
      const event = { detail: { n: Number.NaN, f: () => 1, u: undefined, b: 10n } };
      expect(matchesEventPattern(onDetail({ n: [{ exists: true }] }), event)).toBe(false);
      expect(matchesEventPattern(onDetail({ u: [{ exists: false }], f: [{ exists: false }] }), event)).toBe(
        true,
      );
      expect(matchesEventPattern(onDetail({ b: [{ numeric: [">", 1] }] }), event)).toBe(false);
    });

    it.each([
      { description: "a leaf that is not an array", pattern: { source: "com.example.orders" } },
      { description: "an empty pattern", pattern: {} },
      { description: "an unknown operator", pattern: { source: [{ "starts-with": "com." }] } },
      {
        description: "a valid key next to an invalid one",
        pattern: { source: ["com.example.orders"], region: [] },
      },
      {
        description: "a matching value next to an unknown operator in the same leaf",
        pattern: { source: ["com.example.orders", { "starts-with": "com." }] },
      },
      {
        description: "a matching $or with a single alternative",
        pattern: { $or: [{ source: ["com.example.orders"] }] },
      },
      {
        description: "a matching $or alternative using an operator name as a field",
        pattern: { $or: [{ source: ["com.example.orders"] }, { prefix: ["x"] }] },
      },
      {
        description: "a matching leaf with an empty numeric range next to it",
        pattern: { source: ["com.example.orders"], detail: { n: [{ numeric: [">", 5, "<", 1] }] } },
      },
    ])("never matches an invalid pattern: $description", ({ pattern }) => {
      expect(matchesEventPattern(pattern, baseEvent)).toBe(false);
    });
  });
});

describe("validateEventPattern", () => {
  it("accepts a pattern that uses every operator", () => {
    const pattern = {
      source: ["com.example.orders", { prefix: "com." }, { prefix: { "equals-ignore-case": "COM." } }],
      "detail-type": [{ "equals-ignore-case": "order placed" }],
      account: [{ "anything-but": ["111", "222"] }],
      resources: [{ wildcard: "arn:aws:s3:::*" }],
      detail: {
        file: [
          { suffix: ".png" },
          { suffix: { "equals-ignore-case": ".PNG" } },
          { wildcard: "dir/\\*\\\\*.png" },
        ],
        state: [
          { "anything-but": "initializing" },
          { "anything-but": { prefix: "init" } },
          { "anything-but": { suffix: ["x", "y"] } },
          { "anything-but": { "equals-ignore-case": ["a"] } },
          { "anything-but": { wildcard: "*.txt" } },
        ],
        total: [
          { numeric: [">", 0, "<=", 5] },
          { numeric: ["=", 3.018e2] },
          { numeric: ["<", 0] },
          { "anything-but": 5 },
        ],
        coupon: [{ exists: false }, "", null, true, 3],
        ip: [{ cidr: "10.0.0.0/24" }, { cidr: "2001:db8::/32" }],
        $or: [{ a: [1] }, { b: { c: [{ exists: true }] } }],
      },
    };
    expect(validateEventPattern(pattern)).toEqual([]);
  });

  it.each([
    { description: "null", pattern: null, problem: "must be a JSON object" },
    { description: "an array", pattern: [{ source: ["x"] }], problem: "must be a JSON object" },
    { description: "a string", pattern: '{"source":["x"]}', problem: "must be a JSON object" },
    { description: "an empty pattern", pattern: {}, problem: "empty objects are not allowed" },
    { description: "an empty nested object", pattern: { detail: {} }, problem: "detail: empty objects" },
    {
      description: "a scalar leaf",
      pattern: { source: "x" },
      problem: "source: must be an object or an array",
    },
    {
      description: "an empty leaf array",
      pattern: { source: [] },
      problem: "source: empty arrays are not allowed",
    },
    {
      description: "a nested array in a leaf",
      pattern: { source: [["x"]] },
      problem: "source[0]: must be a string",
    },
    { description: "an undefined leaf value", pattern: { source: [undefined] }, problem: "got undefined" },
    { description: "a non-finite number", pattern: { n: [Number.NaN] }, problem: "numbers must be finite" },
    {
      description: "an unknown operator",
      pattern: { source: [{ contains: "x" }] },
      problem: 'unknown operator "contains"',
    },
    {
      description: "an operator object with two keys",
      pattern: { s: [{ prefix: "a", suffix: "b" }] },
      problem: "exactly one key",
    },
    { description: "an empty operator object", pattern: { s: [{}] }, problem: "exactly one key, got 0" },
    {
      description: "a numeric prefix",
      pattern: { s: [{ prefix: 1 }] },
      problem: "s[0].prefix: must be a string",
    },
    {
      description: "a prefix with an unknown inner key",
      pattern: { s: [{ prefix: { "ignore-case": "a" } }] },
      problem: "equals-ignore-case",
    },
    {
      description: "a suffix list",
      pattern: { s: [{ suffix: ["a"] }] },
      problem: "s[0].suffix: must be a string",
    },
    {
      description: "a numeric equals-ignore-case",
      pattern: { s: [{ "equals-ignore-case": 1 }] },
      problem: "must be a string",
    },
    {
      description: "consecutive wildcards",
      pattern: { s: [{ wildcard: "a**b" }] },
      problem: "consecutive wildcard characters",
    },
    {
      description: "an invalid wildcard escape",
      pattern: { s: [{ wildcard: "a\\b" }] },
      problem: "invalid escape",
    },
    {
      description: "a trailing wildcard backslash",
      pattern: { s: [{ wildcard: "a\\" }] },
      problem: "invalid escape",
    },
    {
      description: "a mixed anything-but list",
      pattern: { s: [{ "anything-but": ["a", 1] }] },
      problem: "only strings or only numbers",
    },
    {
      description: "an empty anything-but list",
      pattern: { s: [{ "anything-but": [] }] },
      problem: "non-empty",
    },
    {
      description: "a boolean anything-but",
      pattern: { s: [{ "anything-but": true }] },
      problem: "anything-but: must be a string",
    },
    {
      description: "a null anything-but",
      pattern: { s: [{ "anything-but": null }] },
      problem: "anything-but: must be a string",
    },
    {
      description: "anything-but numeric",
      pattern: { s: [{ "anything-but": { numeric: [">", 1] } }] },
      problem: 'unsupported anything-but operator "numeric"',
    },
    {
      description: "anything-but with an empty prefix",
      pattern: { s: [{ "anything-but": { prefix: "" } }] },
      problem: "must not be empty",
    },
    {
      description: "anything-but prefix with a number",
      pattern: { s: [{ "anything-but": { prefix: 1 } }] },
      problem: "non-empty list of strings",
    },
    {
      description: "anything-but wildcard with consecutive stars",
      pattern: { s: [{ "anything-but": { wildcard: ["a**"] } }] },
      problem: "consecutive wildcard",
    },
    {
      description: "numeric that is not an array",
      pattern: { n: [{ numeric: 5 }] },
      problem: "one comparison or a range",
    },
    {
      description: "numeric with an odd length",
      pattern: { n: [{ numeric: [">", 0, "<"] }] },
      problem: "one comparison or a range",
    },
    {
      description: "an unknown numeric operator",
      pattern: { n: [{ numeric: ["!=", 0] }] },
      problem: 'unknown numeric operator "!="',
    },
    {
      description: "a string numeric operand",
      pattern: { n: [{ numeric: [">", "5"] }] },
      problem: "must be a finite number",
    },
    {
      description: "two lower bounds",
      pattern: { n: [{ numeric: [">", 0, ">=", 1] }] },
      problem: 'upper bound of a range must be "<" or "<="',
    },
    {
      description: "two upper bounds",
      pattern: { n: [{ numeric: ["<", 0, "<=", 1] }] },
      problem: "a range starts with its lower bound",
    },
    {
      description: "= combined with a bound",
      pattern: { n: [{ numeric: ["=", 1, "<", 2] }] },
      problem: "a range starts with its lower bound",
    },
    {
      description: "an empty numeric range",
      pattern: { n: [{ numeric: [">", 5, "<", 5] }] },
      problem: "the range is empty",
    },
    {
      description: "a string exists",
      pattern: { s: [{ exists: "true" }] },
      problem: "must be true or false",
    },
    {
      description: "a cidr without mask",
      pattern: { ip: [{ cidr: "10.0.0.0" }] },
      problem: "is not a CIDR block",
    },
    {
      description: "a cidr with a bad address",
      pattern: { ip: [{ cidr: "10.0.0.300/24" }] },
      problem: "is not a CIDR block",
    },
    {
      description: "an IPv4 mask above 32",
      pattern: { ip: [{ cidr: "10.0.0.0/33" }] },
      problem: "must be below 32",
    },
    {
      description: "an IPv6 mask above 128",
      pattern: { ip: [{ cidr: "::/129" }] },
      problem: "must be below 128",
    },
    { description: "a numeric cidr", pattern: { ip: [{ cidr: 10 }] }, problem: "cidr: must be a string" },
    {
      description: "$or that is not an array",
      pattern: { $or: { source: ["x"] } },
      problem: "$or: must be an array",
    },
    {
      description: "$or with a single object",
      pattern: { $or: [{ source: ["x"] }] },
      problem: "at least 2 objects",
    },
    {
      description: "$or with a scalar",
      pattern: { $or: [{ source: ["x"] }, "y"] },
      problem: "$or[1]: only objects",
    },
    {
      description: "an operator name as a field inside $or",
      pattern: { $or: [{ numeric: [1] }, { a: ["b"] }] },
      problem: "operator name",
    },
  ])("reports $description", ({ pattern, problem }) => {
    const problems = validateEventPattern(pattern);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toContain(problem);
  });

  it("reports every problem with its location", () => {
    const problems = validateEventPattern({
      source: "x",
      detail: { a: [], b: [{ prefix: 1 }], c: { d: [{ bogus: 1 }] } },
    });
    expect(problems).toEqual([
      expect.stringContaining("source:"),
      expect.stringContaining("detail.a:"),
      expect.stringContaining("detail.b[0].prefix:"),
      expect.stringContaining('detail.c.d[0]: unknown operator "bogus"'),
    ]);
  });

  it("allows operator names as field names outside $or", () => {
    expect(validateEventPattern({ detail: { prefix: ["x"], numeric: [1] } })).toEqual([]);
  });

  it("never throws on an unreadable pattern", () => {
    const pattern = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    expect(validateEventPattern(pattern)).toEqual([expect.stringContaining("could not be read")]);
  });
});

/**
 * Each row is a case where our matcher once disagreed with AWS. Sources: the EventBridge user guide's
 * content-filtering and operator pages (docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html),
 * and where the guide is silent aws/event-ruler, the engine EventBridge runs (file named in the row).
 */
describe("agrees with AWS", () => {
  describe("matching", () => {
    runRows([
      // event-ruler README "Ruler by example": {"detail": {"state.status": [...]}} compiles like the nested form.
      row(
        "a dotted pattern key is the nested path",
        { "detail.status": ["paid"] },
        withDetail({ status: "paid" }),
        true,
      ),
      row(
        "a dotted event key is the nested path",
        onDetail({ customer: { tier: ["gold"] } }),
        withDetail({ "customer.tier": "gold" }),
        true,
      ),
      row(
        "a dotted key and its nested spelling are the same field",
        onDetail({ "customer.tier": ["gold"], customer: { plan: ["pro"] } }),
        withDetail({ customer: { tier: "gold", plan: "pro" } }),
        true,
      ),
      // event-ruler CIDR.cidr: bottom = address with host bits cleared, top = host bits set.
      row(
        "a CIDR written with host bits covers the whole block",
        onDetail({ ip: [{ cidr: "10.0.0.5/24" }] }),
        withDetail({ ip: "10.0.0.1" }),
        true,
      ),
      row(
        "a CIDR written with host bits still ends at the block",
        onDetail({ ip: [{ cidr: "10.0.0.5/24" }] }),
        withDetail({ ip: "10.0.1.0" }),
        false,
      ),
      row(
        "an IPv6 CIDR written with host bits covers the whole block",
        onDetail({ ip: [{ cidr: "2001:db8::ff/120" }] }),
        withDetail({ ip: "2001:db8::1" }),
        true,
      ),
      // event-ruler ByteMachine: equals-ignore-case adds the lower- and upper-case form of each PATTERN character.
      row(
        "equals-ignore-case: a capital sharp s in the pattern accepts ß",
        onDetail({ n: [{ "equals-ignore-case": "ẞ" }] }),
        withDetail({ n: "ß" }),
        true,
      ),
      row(
        "equals-ignore-case folds the pattern only: ß in the pattern does not accept ẞ",
        onDetail({ n: [{ "equals-ignore-case": "ß" }] }),
        withDetail({ n: "ẞ" }),
        false,
      ),
      row(
        "equals-ignore-case: ß in the pattern accepts its upper case SS",
        onDetail({ n: [{ "equals-ignore-case": "straße" }] }),
        withDetail({ n: "STRASSE" }),
        true,
      ),
      row(
        "equals-ignore-case: SS in the pattern does not accept ß",
        onDetail({ n: [{ "equals-ignore-case": "STRASSE" }] }),
        withDetail({ n: "straße" }),
        false,
      ),
      row(
        "prefix equals-ignore-case folds the pattern the same way",
        onDetail({ n: [{ prefix: { "equals-ignore-case": "ß" } }] }),
        withDetail({ n: "SSX" }),
        true,
      ),
      // event-ruler JsonRuleCompiler.writeRules: a leaf overwrites the same path in every sub-rule built so far.
      row(
        "a field constrained outside and inside $or: the inner (later) constraint wins in its branch",
        { detail: { plan: ["free"] }, $or: [{ detail: { plan: ["pro"] } }, { region: ["us-east-1"] }] },
        withDetail({ plan: "pro" }),
        true,
      ),
      row(
        "a field constrained outside and inside $or: the outer constraint no longer holds in that branch",
        { detail: { plan: ["free"] }, $or: [{ detail: { plan: ["pro"] } }, { region: ["us-east-1"] }] },
        withDetail({ plan: "free" }),
        false,
      ),
      row(
        "a field constrained inside and then outside $or: the outer (later) constraint wins",
        { $or: [{ detail: { plan: ["pro"] } }, { region: ["us-east-1"] }], detail: { plan: ["free"] } },
        withDetail({ plan: "free" }),
        true,
      ),
    ]);
  });

  describe("patterns AWS rejects", () => {
    it.each([
      // event-ruler JsonRuleCompiler.processNumericMatchExpression: "<" and "<=" end the expression.
      {
        description: "a numeric range written high-before-low",
        pattern: { n: [{ numeric: ["<", 10, ">", 0] }] },
      },
      // event-ruler Range.between: "Bottom must be less than top".
      { description: "an empty numeric range", pattern: { n: [{ numeric: [">", 5, "<", 1] }] } },
      { description: "a one-point numeric range", pattern: { n: [{ numeric: [">=", 5, "<=", 5] }] } },
      // event-ruler CIDR.cidr: "IPv4 mask bits must be < 32", "IPv6 mask bits must be < 128".
      { description: "a /32 IPv4 block", pattern: { ip: [{ cidr: "10.0.0.7/32" }] } },
      { description: "a /128 IPv6 block", pattern: { ip: [{ cidr: "2001:db8::1/128" }] } },
      // "Wildcards and event pattern complexity": too many wildcards on one field is "Rule is too complex".
      {
        description: "four leading-star wildcards on one field",
        pattern: { resources: ["a", "b", "c", "d"].map((name) => ({ wildcard: `*:stack/${name}/*` })) },
      },
      // Event patterns quota: a pattern may not expand to over 1000 rule combinations.
      {
        description: "$or that expands to more than 1000 combinations",
        pattern: {
          detail: Object.fromEntries(
            ["a", "b", "c", "d"].map((k) => [
              k,
              { $or: Array.from({ length: 6 }, (_, i) => ({ [`f${i}`]: ["x"] })) },
            ]),
          ),
        },
      },
    ])("rejects $description", ({ pattern }) => {
      expect(validateEventPattern(pattern)).not.toEqual([]);
      expect(matchesEventPattern(pattern, withDetail({}))).toBe(false);
    });

    it.each([
      { description: "three leading-star wildcards on one field", names: ["a", "b", "c"] },
      { description: "one wildcard with many stars", names: [] },
    ])("accepts $description", ({ names }) => {
      const values =
        names.length > 0 ? names.map((n) => ({ wildcard: `*:stack/${n}/*` })) : [{ wildcard: "*a*b*c*d*" }];
      expect(validateEventPattern({ resources: values })).toEqual([]);
    });

    it("accepts a /31 and a /127 block", () => {
      expect(validateEventPattern({ ip: [{ cidr: "10.0.0.6/31" }, { cidr: "::/127" }] })).toEqual([]);
    });
  });
});
