import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import { trackEventSchema } from "../../../shared/domain/event.js";
import { MAX_TRAITS_PER_CALL } from "../../../shared/domain/profile.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";

const minimal = { event: "payment_failed", accountId: "acct_1" };

function pathsOf(input: unknown): string[] {
  try {
    parseOrThrow(trackEventSchema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.details.map((d) => d.path);
    throw error;
  }
  return [];
}

describe("trackEventSchema", () => {
  it("accepts the minimal event and defaults properties to an empty object", () => {
    expect(parseOrThrow(trackEventSchema, minimal)).toEqual({ ...minimal, properties: {} });
  });

  it("keeps every documented field", () => {
    const full = {
      ...minimal,
      userId: "user_1",
      messageId: "5c0e9a1b-3f7e-4a2b-9d1c-0a9b8c7d6e5f",
      timestamp: "2026-11-21T10:00:00+02:00",
      properties: { amount: 12, nested: { ok: true } },
      traits: { plan: "pro", first_name: "Ada" },
    };

    expect(parseOrThrow(trackEventSchema, full)).toEqual(full);
  });

  it("drops unknown top-level fields instead of refusing the event (analytics SDKs add their own)", () => {
    const parsed = parseOrThrow(trackEventSchema, {
      ...minimal,
      anonymousId: "anon",
      context: { ip: "1.2.3.4" },
    });

    expect(parsed).toEqual({ ...minimal, properties: {} });
  });

  it.each([
    ["a missing event name", { accountId: "acct_1" }, "event"],
    ["a missing accountId", { event: "x" }, "accountId"],
    ["an empty accountId", { ...minimal, accountId: "" }, "accountId"],
    ["a messageId with spaces", { ...minimal, messageId: "has space" }, "messageId"],
    ["a messageId over 128 characters", { ...minimal, messageId: "m".repeat(129) }, "messageId"],
    ["a timestamp that is not ISO 8601", { ...minimal, timestamp: "yesterday" }, "timestamp"],
    ["properties that are not an object", { ...minimal, properties: [1, 2] }, "properties"],
    ["an empty trait name", { ...minimal, traits: { "": 1 } }, "traits"],
  ])("refuses %s, naming the field", (_label, input, path) => {
    expect(pathsOf(input)[0]).toMatch(new RegExp(`^${path}`));
  });

  it(`refuses more than ${MAX_TRAITS_PER_CALL} traits in one call`, () => {
    const traits = Object.fromEntries(
      Array.from({ length: MAX_TRAITS_PER_CALL + 1 }, (_, i) => [`t${i}`, i]),
    );
    const atLimit = Object.fromEntries(Array.from({ length: MAX_TRAITS_PER_CALL }, (_, i) => [`t${i}`, i]));

    expect(pathsOf({ ...minimal, traits })).toEqual(["traits"]);
    expect(pathsOf({ ...minimal, traits: atLimit })).toEqual([]);
  });
});
