import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import {
  durationSchema,
  durationToSeconds,
  eventNameSchema,
  idSchema,
  jsonObjectSchema,
  MAX_DURATION_SECONDS,
  MAX_JSON_DEPTH,
  nameSchema,
  scaledDelaySeconds,
  unstorableJson,
} from "../../../shared/domain/primitives.js";
import { traitsSchema } from "../../../shared/domain/profile.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";

describe("durationToSeconds", () => {
  it.each([
    [{ amount: 0, unit: "minutes" }, 0],
    [{ amount: 5, unit: "minutes" }, 300],
    [{ amount: 2, unit: "hours" }, 7200],
    [{ amount: 3, unit: "days" }, 259_200],
  ] as const)("converts %o to %i seconds", (duration, seconds) => {
    expect(durationToSeconds(duration)).toBe(seconds);
  });
});

describe("scaledDelaySeconds", () => {
  it("waits the real duration at time scale 1", () => {
    expect(scaledDelaySeconds({ amount: 1, unit: "days" }, 1)).toBe(86_400);
  });

  it("makes a day last 86 seconds at time scale 0.001", () => {
    expect(scaledDelaySeconds({ amount: 1, unit: "days" }, 0.001)).toBe(86);
  });

  it("rounds to whole seconds because Step Functions waits whole seconds", () => {
    // 3 hours * 0.0001 = 1.08 s; 5 hours * 0.0001 = 1.8 s
    expect(scaledDelaySeconds({ amount: 3, unit: "hours" }, 0.0001)).toBe(1);
    expect(scaledDelaySeconds({ amount: 5, unit: "hours" }, 0.0001)).toBe(2);
  });

  it("does not wait at all at time scale 0", () => {
    expect(scaledDelaySeconds({ amount: 300, unit: "days" }, 0)).toBe(0);
  });

  it("never answers a negative wait", () => {
    expect(scaledDelaySeconds({ amount: 1, unit: "hours" }, -1)).toBe(0);
  });
});

describe("durationSchema", () => {
  it("accepts the longest wait a Step Functions execution can hold", () => {
    const days = MAX_DURATION_SECONDS / 86_400;

    expect(parseOrThrow(durationSchema, { amount: days, unit: "days" })).toEqual({
      amount: days,
      unit: "days",
    });
  });

  it("refuses a wait of a year or more, naming the amount", () => {
    expect(() => parseOrThrow(durationSchema, { amount: 365, unit: "days" }, "delay")).toThrow(
      expect.objectContaining({
        details: [
          expect.objectContaining({ path: "delay.amount", message: expect.stringMatching(/one year/) }),
        ],
      }),
    );
  });

  it.each([
    ["a negative amount", { amount: -1, unit: "minutes" }, "amount"],
    ["a fractional amount", { amount: 1.5, unit: "hours" }, "amount"],
    ["an unknown unit", { amount: 1, unit: "weeks" }, "unit"],
  ])("refuses %s", (_label, input, path) => {
    expect(() => parseOrThrow(durationSchema, input)).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ path })] }),
    );
  });

  it("refuses unknown fields", () => {
    expect(durationSchema.safeParse({ amount: 1, unit: "hours", every: "day" }).success).toBe(false);
  });
});

describe("idSchema", () => {
  it.each(["01jd3x", "src_1", "A-b_9"])("accepts %s", (id) => {
    expect(idSchema.safeParse(id).success).toBe(true);
  });

  it.each(["", "has space", "a/b", "x".repeat(65), "WS#1"])("refuses %j", (id) => {
    expect(idSchema.safeParse(id).success).toBe(false);
  });
});

describe("nameSchema", () => {
  it("trims surrounding whitespace", () => {
    expect(nameSchema.parse("  Welcome series  ")).toBe("Welcome series");
  });

  it("refuses a name that is only whitespace", () => {
    expect(nameSchema.safeParse("   ").success).toBe(false);
  });

  it("refuses a name over 200 characters", () => {
    expect(nameSchema.safeParse("x".repeat(201)).success).toBe(false);
  });
});

describe("eventNameSchema", () => {
  it.each(["trial_ending_soon", "Order Completed", "ünïcode ✓"])("accepts %j", (name) => {
    expect(eventNameSchema.safeParse(name).success).toBe(true);
  });

  it.each(["", "line\nbreak", "tab\there", "x".repeat(201)])("refuses %j", (name) => {
    expect(eventNameSchema.safeParse(name).success).toBe(false);
  });
});

describe("unstorableJson: what DynamoDB could not store", () => {
  it.each([
    ["Infinity", { total: Number.POSITIVE_INFINITY }, ["total"]],
    ["-Infinity in an array", { list: [1, Number.NEGATIVE_INFINITY] }, ["list", 1]],
    ["NaN", { n: Number.NaN }, ["n"]],
    ["1e126", { big: 1e126 }, ["big"]],
    ["5e-324", { tiny: 5e-324 }, ["tiny"]],
  ])("finds %s, with its path", (_case, value, path) => {
    expect(unstorableJson(value)).toMatchObject({ path });
  });

  it("finds nesting deeper than MAX_JSON_DEPTH", () => {
    let value: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) value = { a: value };

    expect(unstorableJson(value)?.message).toMatch(/nest at most/);
  });

  it.each([
    ["ordinary values", { a: 1, b: "x", c: [true, null, { d: -2.5 }] }],
    ["zero and the edges of the range", { z: 0, big: 9.99e125, small: 1e-130 }],
    ["an integer beyond 2^53", { id: 2 ** 60 }],
  ])("accepts %s", (_case, value) => {
    expect(unstorableJson(value)).toBeUndefined();
  });
});

describe("jsonObjectSchema", () => {
  // Its type check does not abort (so a body's other fields are still reported), so the checks after
  // it see the non-object too: they must report it, not throw (a thrown TypeError was a 500).
  it.each([null, undefined, 7, "text", [1, 2], true])("refuses %o as 'must be an object'", (value) => {
    const result = jsonObjectSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(["must be an object"]);
  });

  it.each([null, 7, "text", [1]])(
    "traits: refuses %o as 'must be an object', whatever checks follow",
    (value) => {
      const result = traitsSchema.safeParse(value);
      expect(result.error?.issues.map((issue) => issue.message)).toEqual(["must be an object"]);
    },
  );

  it("still reports the other fields of a body whose object field is not an object", () => {
    const body = z.strictObject({ event: jsonObjectSchema, name: z.string() });
    const result = body.safeParse({ event: null, name: 1 });
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["event", "name"]);
  });
});
