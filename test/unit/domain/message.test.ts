import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import {
  batchEnvelopeSchema,
  happenedAt,
  type IdentityLink,
  linksOf,
  type Message,
  messageSchema,
  resolveAccount,
} from "../../../shared/domain/message.js";
import { MAX_TRAITS_PER_CALL } from "../../../shared/domain/profile.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";

const minimal = { type: "track", event: "payment_failed", accountId: "acct_1" };
const track = (input: Record<string, unknown>) => parseOrThrow(messageSchema, { type: "track", ...input });

function pathsOf(input: unknown): string[] {
  try {
    parseOrThrow(messageSchema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.details.map((d) => d.path);
    throw error;
  }
  return [];
}

describe("messageSchema, for a track call (POST /v1/events, /v1/track)", () => {
  it("accepts the minimal event", () => {
    expect(track(minimal)).toEqual(minimal);
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

    expect(track(full)).toEqual({ ...full, timestamp: "2026-11-21T08:00:00.000Z" });
  });

  it("drops unknown top-level fields instead of refusing the event (analytics SDKs add their own)", () => {
    const parsed = track({ ...minimal, integrations: { All: true }, _metadata: {}, writeKey: "k" });

    expect(parsed).toEqual(minimal);
  });

  it("reads null ids as absent, as analytics.js sends an anonymous visitor's userId", () => {
    expect(track({ event: "x", userId: null, anonymousId: "anon_1" })).toEqual({
      type: "track",
      event: "x",
      anonymousId: "anon_1",
    });
  });

  it.each([
    ["a missing event name", { type: "track", accountId: "acct_1" }, "event"],
    ["no accountId, userId nor anonymousId", { type: "track", event: "x" }, "accountId"],
    ["a group call without groupId", { type: "group", userId: "u" }, "groupId"],
    ["an alias without previousId", { type: "alias", userId: "u" }, "previousId"],
    ["an unknown type", { ...minimal, type: "purchase" }, "type"],
    ["an empty accountId", { ...minimal, accountId: "" }, "accountId"],
    ["a messageId with spaces", { ...minimal, messageId: "has space" }, "messageId"],
    ["a messageId over 128 characters", { ...minimal, messageId: "m".repeat(129) }, "messageId"],
    ["a timestamp that is not ISO 8601", { ...minimal, timestamp: "yesterday" }, "timestamp"],
    ["properties that are not an object", { ...minimal, properties: [1, 2] }, "properties"],
    ["an empty trait name", { ...minimal, traits: { "": 1 } }, "traits"],
  ])("refuses %s, naming the field", (_label, input, path) => {
    expect(pathsOf(input)[0]).toMatch(new RegExp(`^${path}`));
  });

  it.each([
    ["event", { type: "track" }],
    ["accountId", { type: "track" }],
    ["userId", { type: "track" }],
    ["anonymousId", { type: "track" }],
    ["groupId", { type: "group" }],
    ["previousId", { type: "alias", userId: "u" }],
    ["name", { type: "page" }],
    ["category", { type: "screen" }],
  ])("refuses a lone UTF-16 surrogate in %s, naming the field as for properties", (field, base) => {
    const input = { event: "x", accountId: "a", groupId: "g", previousId: "p", ...base, [field]: "a\ud800b" };
    expect(() => parseOrThrow(messageSchema, input)).toThrow(
      expect.objectContaining({
        details: [{ path: field, message: "must be valid Unicode text (it holds a lone UTF-16 surrogate)" }],
      }),
    );
    // The same text with the pair whole (an emoji) is fine.
    expect(() => parseOrThrow(messageSchema, { ...input, [field]: "a\ud83d\ude00b" })).not.toThrow();
  });

  it("refuses a lone surrogate in context.groupId and messageId, naming the field", () => {
    expect(pathsOf({ ...minimal, context: { groupId: "\udc00" } })).toEqual(["context.groupId"]);
    expect(pathsOf({ ...minimal, messageId: "m\ud800" })).toEqual(["messageId"]);
  });

  it("refuses a trait name that is empty or over 128 characters, saying so at traits", () => {
    const details = (input: Record<string, unknown>) => {
      try {
        parseOrThrow(messageSchema, { type: "identify", userId: "u", ...input });
      } catch (error) {
        if (error instanceof ValidationError) return error.details;
        throw error;
      }
      return [];
    };

    expect(details({ traits: { "": "x" } })).toEqual([
      { path: "traits", message: 'trait names must be 1–128 characters; got ""' },
    ]);
    expect(details({ userTraits: { ["n".repeat(129)]: 1 } })).toEqual([
      {
        path: "userTraits",
        message: `trait names must be 1–128 characters; got "${"n".repeat(40)}"… (129 characters)`,
      },
    ]);
    // 128 characters is a name; a trait's value is free-form JSON, whose own keys may be anything.
    expect(details({ traits: { ["n".repeat(128)]: 1, address: { "": "x", __proto__: 1 } } })).toEqual([]);
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

describe("messageSchema's timestamps (timestamp, originalTimestamp, sentAt)", () => {
  it.each([
    ["Z", "2026-12-07T13:10:46Z", "2026-12-07T13:10:46.000Z"],
    ["an offset without colon", "2026-12-07T13:10:46+0000", "2026-12-07T13:10:46.000Z"],
    ["an hours-only offset", "2026-12-07T15:10:46+02", "2026-12-07T13:10:46.000Z"],
    ["a negative offset without colon", "2026-12-07T08:40:46-0430", "2026-12-07T13:10:46.000Z"],
    ["lowercase t and z", "2026-12-07t13:10:46.5z", "2026-12-07T13:10:46.500Z"],
    ["no offset (UTC)", "2026-12-07T13:10:46", "2026-12-07T13:10:46.000Z"],
    ["a date alone (midnight UTC)", "2026-12-07", "2026-12-07T00:00:00.000Z"],
    ["microseconds (cut to milliseconds)", "2026-12-07T13:10:46.123456+00:00", "2026-12-07T13:10:46.123Z"],
  ])("accepts %s and reads it as a UTC instant", (_label, sent, canonical) => {
    const parsed = track({ ...minimal, timestamp: sent, originalTimestamp: sent, sentAt: sent });

    expect(parsed.timestamp).toBe(canonical);
    expect(parsed.originalTimestamp).toBe(canonical);
    expect(parsed.sentAt).toBe(canonical);
  });

  it.each([
    ["words", "yesterday"],
    ["a date that does not exist", "2026-02-30"],
    ["hour 25", "2026-12-07T25:00:00Z"],
    ["an offset of 24 hours", "2026-12-07T13:10:46+24:00"],
    ["a US date", "12/07/2026"],
    ["an epoch number as a string", "1765113046"],
    ["trailing garbage", "2026-12-07T13:10:46Zjunk"],
    ["a year before 0000 once in UTC", "0000-01-01T00:30:00+01:00"],
  ])("refuses %s with a message naming the field", (_label, sent) => {
    for (const field of ["timestamp", "originalTimestamp", "sentAt"]) {
      try {
        track({ ...minimal, [field]: sent });
        expect.fail(`${field}: ${sent} was accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).details).toEqual([
          { path: field, message: expect.stringMatching(/^must be an ISO 8601 date-time/) },
        ]);
      }
    }
  });

  it("refuses a timestamp that is not a string", () => {
    expect(pathsOf({ ...minimal, timestamp: 1765113046000 })).toEqual(["timestamp"]);
  });

  it("reads a batch's sentAt the same way", () => {
    expect(parseOrThrow(batchEnvelopeSchema, { batch: [{}], sentAt: "2026-12-07T15:10:46+02" }).sentAt).toBe(
      "2026-12-07T13:10:46.000Z",
    );
  });
});

describe("happenedAt", () => {
  const receivedAt = "2026-11-21T10:00:10.000Z";
  const at = (input: Record<string, unknown>, sentAt?: string) =>
    happenedAt(track({ event: "x", accountId: "a", ...input }), receivedAt, sentAt);

  it("takes the timestamp as sent (in UTC) when the client does not say when it sent it (a historical import)", () => {
    expect(at({ timestamp: "2020-03-01T11:00:00+02:00" })).toBe("2020-03-01T09:00:00.000Z");
    // Segment's originalTimestamp is the timestamp the client gave: it wins over RudderStack's field.
    expect(at({ timestamp: "2026-11-21T11:00:00+02:00", originalTimestamp: "2020-01-01T00:00:00Z" })).toBe(
      "2026-11-21T09:00:00.000Z",
    );
  });

  it("corrects analytics.js's timestamp by the device clock's error (receivedAt - (sentAt - timestamp))", () => {
    // The device clock is 1 hour behind: the call at 09:00:00 by its clock, sent at 09:00:10 by its
    // clock, received at 10:00:10 by ours: it happened at 10:00:00.
    const device = { timestamp: "2026-11-21T09:00:00.000Z" };
    expect(at({ ...device, sentAt: "2026-11-21T09:00:10.000Z" })).toBe("2026-11-21T10:00:00.000Z");
    // analytics.js's batches (and analytics-node's) carry sentAt on the batch, not the items.
    expect(at(device, "2026-11-21T09:00:10.000Z")).toBe("2026-11-21T10:00:00.000Z");
    // A clock ahead is corrected back as well.
    expect(at({ timestamp: "2026-11-21T12:00:00Z", sentAt: "2026-11-21T12:00:10Z" })).toBe(
      "2026-11-21T10:00:00.000Z",
    );
  });

  it("prefers the message's sentAt to the batch's", () => {
    expect(
      at({ timestamp: "2026-11-21T09:00:00Z", sentAt: "2026-11-21T09:00:10Z" }, "2026-11-21T10:00:10Z"),
    ).toBe("2026-11-21T10:00:00.000Z");
  });

  it("moves a server library's historical timestamp only by the server clock's error", () => {
    // analytics-node sends the timestamp it was given and the batch's sentAt, its clock 50 ms behind.
    expect(at({ timestamp: "2020-01-01T00:00:00.000Z" }, "2026-11-21T10:00:09.950Z")).toBe(
      "2020-01-01T00:00:00.050Z",
    );
  });

  it("corrects RudderStack's originalTimestamp by the device clock's error, as before", () => {
    // The device clock is 1 hour behind: sent at 09:00:10 by its clock, received at 10:00:10.
    expect(at({ originalTimestamp: "2026-11-21T09:00:00Z", sentAt: "2026-11-21T09:00:10Z" })).toBe(
      "2026-11-21T10:00:00.000Z",
    );
    expect(at({ originalTimestamp: "2026-11-21T09:00:00Z" }, "2026-11-21T09:00:10Z")).toBe(
      "2026-11-21T10:00:00.000Z",
    );
    // RudderStack's node SDK sends a timestamp it was given next to its own originalTimestamp (now).
    expect(
      at({
        timestamp: "2026-11-20T09:00:00Z",
        originalTimestamp: "2026-11-21T09:00:05Z",
        sentAt: "2026-11-21T09:00:10Z",
      }),
    ).toBe("2026-11-20T10:00:00.000Z");
  });

  it("ignores a sentAt that would move the time outside years 0000 to 9999", () => {
    expect(at({ timestamp: "0001-01-01T00:00:00Z", sentAt: "9999-01-01T00:00:00Z" })).toBe(
      "0001-01-01T00:00:00.000Z",
    );
  });

  it("is the receive time when the message says nothing", () => {
    expect(at({})).toBe(receivedAt);
  });
});

describe("account resolution", () => {
  const message = (input: Record<string, unknown>) => parseOrThrow(messageSchema, input) as Message;
  const resolve = (
    input: Record<string, unknown>,
    links: Record<string, IdentityLink> = {},
    subject: "account" | "user" = "account",
  ) =>
    resolveAccount(
      message(input),
      async (kind, id) => links[`${kind}:${id}`],
      async () => subject,
    );

  it("takes accountId first, then a group's groupId, then context.groupId", async () => {
    const links = { "user:u1": { accountId: "linked" } };
    await expect(resolve({ type: "track", event: "e", accountId: "a", userId: "u1" }, links)).resolves.toBe(
      "a",
    );
    await expect(resolve({ type: "group", groupId: "g", userId: "u1" }, links)).resolves.toBe("g");
    await expect(
      resolve({ type: "track", event: "e", userId: "u1", context: { groupId: "c" } }, links),
    ).resolves.toBe("c");
  });

  it("then the account linked to the user, or to the visitor directly or through the user it became", async () => {
    const links = {
      "user:u1": { accountId: "acct_u1" },
      "anonymous:v1": { accountId: "acct_v1" },
      "anonymous:v2": { userId: "u1" },
    };
    await expect(resolve({ type: "track", event: "e", userId: "u1" }, links)).resolves.toBe("acct_u1");
    await expect(resolve({ type: "track", event: "e", anonymousId: "v1" }, links)).resolves.toBe("acct_v1");
    await expect(resolve({ type: "track", event: "e", anonymousId: "v2" }, links)).resolves.toBe("acct_u1");
    await expect(resolve({ type: "track", event: "e", userId: "u9" }, links)).resolves.toBeUndefined();
  });

  it("in consumer mode, the person is the account: the userId, the user a visitor became, then the anonymousId", async () => {
    const links = { "anonymous:v2": { userId: "u2" } };
    await expect(resolve({ type: "track", event: "e", userId: "u9" }, links, "user")).resolves.toBe("u9");
    await expect(resolve({ type: "track", event: "e", anonymousId: "v2" }, links, "user")).resolves.toBe(
      "u2",
    );
    await expect(resolve({ type: "track", event: "e", anonymousId: "v3" }, links, "user")).resolves.toBe(
      "v3",
    );
  });

  it("links a user to the account of a group or an identify naming it, and a visitor to the user it became", () => {
    expect(linksOf(message({ type: "group", groupId: "g", userId: "u", anonymousId: "v" }))).toEqual([
      { kind: "user", id: "u", link: { accountId: "g" } },
    ]);
    expect(linksOf(message({ type: "identify", userId: "u", anonymousId: "v" }))).toEqual([
      { kind: "anonymous", id: "v", link: { userId: "u" } },
    ]);
    expect(linksOf(message({ type: "alias", previousId: "v", userId: "u" }))).toEqual([
      { kind: "anonymous", id: "v", link: { userId: "u" } },
    ]);
    expect(linksOf(message({ type: "track", event: "e", userId: "u", accountId: "a" }))).toEqual([]);
  });
});
