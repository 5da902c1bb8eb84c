import { describe, expect, it } from "vitest";
import { dueAt, lacksRunKey, MAX_RUN_KEY_BYTES, runKeyOf } from "../../../shared/domain/abandonment.js";
import type { StartRule } from "../../../shared/domain/moment.js";

const cartAbandoned: StartRule = {
  event: "cart_updated",
  unless: { event: "checkout_completed", within: { amount: 1, unit: "hours" } },
  key: "cart_id",
};
const plainStart: StartRule = { event: "cart_updated" };

describe("runKeyOf and lacksRunKey", () => {
  it.each([
    ["a moment without key: no key", plainStart, { cart_id: "c_1" }, undefined, false],
    ["a string value", cartAbandoned, { cart_id: "c_1" }, "c_1", false],
    [
      "a number is written as a string (42 and '42' are one key)",
      cartAbandoned,
      { cart_id: 42 },
      "42",
      false,
    ],
    ["a decimal number", cartAbandoned, { cart_id: 1.5 }, "1.5", false],
    ["a boolean", cartAbandoned, { cart_id: false }, "false", false],
    ["keys are case-sensitive and kept as sent", cartAbandoned, { cart_id: " Cart-A " }, " Cart-A ", false],
    ["a missing property: no usable key", cartAbandoned, { other: "c_1" }, undefined, true],
    ["null: no usable key", cartAbandoned, { cart_id: null }, undefined, true],
    ["the empty string: no usable key", cartAbandoned, { cart_id: "" }, undefined, true],
    ["an object: no usable key", cartAbandoned, { cart_id: { id: "c_1" } }, undefined, true],
    ["an array: no usable key", cartAbandoned, { cart_id: ["c_1"] }, undefined, true],
    ["a non-finite number: no usable key", cartAbandoned, { cart_id: Number.NaN }, undefined, true],
    ["an inherited property is not read", cartAbandoned, Object.create({ cart_id: "c_1" }), undefined, true],
    [
      "a key at the byte limit",
      cartAbandoned,
      { cart_id: "k".repeat(MAX_RUN_KEY_BYTES) },
      "k".repeat(256),
      false,
    ],
    [
      "a key over the byte limit: no usable key",
      cartAbandoned,
      { cart_id: "k".repeat(257) },
      undefined,
      true,
    ],
    [
      "the limit counts UTF-8 bytes, not characters",
      cartAbandoned,
      { cart_id: "é".repeat(129) },
      undefined,
      true,
    ],
  ] as const)("%s", (_description, start, properties, key, lacks) => {
    expect(runKeyOf(start, properties as Record<string, unknown>)).toBe(key);
    expect(lacksRunKey(start, properties as Record<string, unknown>)).toBe(lacks);
  });
});

describe("dueAt", () => {
  it.each([
    [
      "within after the trigger, in real time",
      "2024-05-01T10:00:00.000Z",
      { amount: 1, unit: "hours" },
      1,
      "2024-05-01T11:00:00.000Z",
    ],
    ["days", "2024-05-01T10:00:00.000Z", { amount: 2, unit: "days" }, 1, "2024-05-03T10:00:00.000Z"],
    [
      "from the trigger's instant, whatever its offset",
      "2024-05-01T12:00:00+02:00",
      { amount: 30, unit: "minutes" },
      1,
      "2024-05-01T10:30:00.000Z",
    ],
    [
      "keeps the trigger's milliseconds",
      "2024-05-01T10:00:00.250Z",
      { amount: 1, unit: "minutes" },
      1,
      "2024-05-01T10:01:00.250Z",
    ],
    [
      "scaled like step delays: an hour at 0.001 is 4 s (3.6 rounded)",
      "2024-05-01T10:00:00.000Z",
      { amount: 1, unit: "hours" },
      0.001,
      "2024-05-01T10:00:04.000Z",
    ],
    [
      "a time scale of 0: due at the trigger",
      "2024-05-01T10:00:00.000Z",
      { amount: 1, unit: "days" },
      0,
      "2024-05-01T10:00:00.000Z",
    ],
    [
      "a zero within: due at the trigger",
      "2024-05-01T10:00:00.000Z",
      { amount: 0, unit: "hours" },
      1,
      "2024-05-01T10:00:00.000Z",
    ],
  ] as const)("%s", (_description, timestamp, within, timeScale, expected) => {
    expect(dueAt(timestamp, within, timeScale)).toBe(expected);
  });

  it("refuses a timestamp it cannot read rather than inventing a due time", () => {
    expect(() => dueAt("tomorrow", { amount: 1, unit: "hours" }, 1)).toThrow(RangeError);
  });
});
