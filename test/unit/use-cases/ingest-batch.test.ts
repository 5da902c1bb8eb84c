import { beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../../shared/contracts/bus.js";
import { busDetailType } from "../../../shared/contracts/bus-details.js";
import {
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from "../../../shared/domain/errors.js";
import { MAX_BATCH_BYTES } from "../../../shared/domain/event.js";
import { OriginNotAllowedError } from "../../../shared/domain/forbidden-error.js";
import { MAX_MESSAGE_BYTES } from "../../../shared/domain/message.js";
import { computeUserToken } from "../../../shared/domain/user-token.js";
import { ingestBatch } from "../../../shared/use-cases/ingest.js";
import { FakePublisher, type FixedClock, fixedClock } from "../../support/fakes.js";
import { ingestDeps } from "../../support/fakes-ingestion.js";

const owner = { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: ["app.acme.com"] };
const RECEIVED_AT = "2026-11-21T10:00:00.000Z";

let publisher: FakePublisher;
let clock: FixedClock;

beforeEach(() => {
  publisher = new FakePublisher();
  clock = fixedClock(RECEIVED_AT);
});

const track = (messageId: string, extra: Record<string, unknown> = {}) => ({
  type: "track",
  event: "trial_ending_soon",
  accountId: "acct_1",
  messageId,
  ...extra,
});

describe("ingestBatch", () => {
  it("puts every item on the bus in order, tracks as Event Received and identifies as Identify Received", async () => {
    // Act
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, {
      batch: [
        track("m1", { properties: { plan: "Pro" }, traits: { plan: "pro" } }),
        {
          type: "identify",
          accountId: "acct_1",
          userId: "user_1",
          messageId: "m2",
          traits: { organization_name: "Acme" },
          userTraits: { first_name: "Ada" },
        },
      ],
    });

    // Assess
    expect(result).toEqual({
      accepted: [
        { index: 0, messageId: "m1" },
        { index: 1, messageId: "m2" },
      ],
      rejected: [],
    });
    expect(publisher.published).toEqual([
      {
        workspaceId: "ws_1",
        sourceId: "src_1",
        messageId: "m1",
        event: "trial_ending_soon",
        accountId: "acct_1",
        timestamp: RECEIVED_AT,
        receivedAt: RECEIVED_AT,
        properties: { plan: "Pro" },
        traits: { plan: "pro" },
      },
      {
        workspaceId: "ws_1",
        sourceId: "src_1",
        messageId: "m2",
        accountId: "acct_1",
        userId: "user_1",
        timestamp: RECEIVED_AT,
        receivedAt: RECEIVED_AT,
        traits: { organization_name: "Acme" },
        userTraits: { first_name: "Ada" },
      },
    ]);
    expect(publisher.published.map(busDetailType)).toEqual([
      DetailType.eventReceived,
      DetailType.identifyReceived,
    ]);
  });

  it("accepts the valid items and names each invalid one by index with the error a single request would get", async () => {
    // Act
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, {
      batch: [
        track("ok-0"),
        { type: "track", event: "trial_ending_soon" },
        track("ok-2"),
        { type: "identify", accountId: "acct_1", userTraits: { first_name: "Ada" } },
        track("ok-4"),
      ],
    });

    // Assess
    expect(result.accepted).toEqual([
      { index: 0, messageId: "ok-0" },
      { index: 2, messageId: "ok-2" },
      { index: 4, messageId: "ok-4" },
    ]);
    expect(result.rejected).toEqual([
      {
        index: 1,
        error: {
          code: "invalid_request",
          message: expect.stringContaining("accountId"),
          details: [{ path: "accountId", message: expect.any(String) }],
        },
      },
      {
        index: 3,
        error: {
          code: "invalid_request",
          message: expect.stringContaining("userTraits"),
          details: [{ path: "userTraits", message: "userTraits need a userId (the person they describe)" }],
        },
      },
    ]);
    expect(publisher.published.map((d) => d.messageId)).toEqual(["ok-0", "ok-2", "ok-4"]);
  });

  it.each([
    [{ event: "e", accountId: "a" }, "type"],
    [{ type: "purchase", event: "e", accountId: "a" }, "type"],
    ["not an object", ""],
    [null, ""],
    [[track("x")], ""],
  ])("rejects item %j (no known type or not an object) naming %j", async (item, path) => {
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, { batch: [item, track("ok")] });

    expect(result.rejected).toEqual([
      {
        index: 0,
        error: expect.objectContaining({
          code: "invalid_request",
          details: [expect.objectContaining({ path })],
        }),
      },
    ]);
    expect(result.accepted).toEqual([{ index: 1, messageId: "ok" }]);
  });

  it("rejects an item over 32 KB with payload_too_large and still accepts its siblings", async () => {
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, {
      batch: [
        track("small-0"),
        track("big", { properties: { blob: "x".repeat(MAX_MESSAGE_BYTES) } }),
        track("small-2"),
      ],
    });

    expect(result.rejected).toEqual([
      {
        index: 1,
        error: { code: "payload_too_large", message: expect.stringMatching(/An event may be at most 32 KB/) },
      },
    ]);
    expect(result.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(publisher.published.map((d) => d.messageId)).toEqual(["small-0", "small-2"]);
  });

  it("rejects an identify over 32 KB naming it an identify", async () => {
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, {
      batch: [{ type: "identify", accountId: "a", traits: { notes: "x".repeat(MAX_MESSAGE_BYTES) } }],
    });

    expect(result.rejected[0]?.error.message).toMatch(/An identify may be at most 32 KB/);
    expect(publisher.published).toEqual([]);
  });

  it("generates a distinct messageId for each item that has none, and reports it", async () => {
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, {
      batch: [
        { type: "track", event: "e", accountId: "a" },
        { type: "identify", accountId: "a", traits: { plan: "pro" } },
      ],
    });

    const ids = result.accepted.map((a) => a.messageId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(publisher.published.map((d) => d.messageId)).toEqual(ids);
  });

  it("accepts a batch of 1,000 items (no count cap below what 500 KB holds)", async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => track(`m${i}`));

    const result = await ingestBatch(ingestDeps(publisher, clock), owner, { batch });

    expect(result.accepted).toHaveLength(1000);
    expect(publisher.published).toHaveLength(1000);
  });

  it("refuses a batch over 500 KB with 413, even when each item is small enough", async () => {
    // 20 items of ~26 KB each: every item under 32 KB, the batch over 500 KB.
    const batch = Array.from({ length: 20 }, (_, i) =>
      track(`m${i}`, { properties: { blob: "x".repeat(26 * 1024) } }),
    );
    expect(Buffer.byteLength(JSON.stringify({ batch }))).toBeGreaterThan(MAX_BATCH_BYTES);

    const error = await ingestBatch(ingestDeps(publisher, clock), owner, { batch }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toMatch(/A batch may be at most 500 KB; this one is 5\d\d KB/);
    expect(publisher.published).toEqual([]);
  });

  it.each([
    [undefined, ""],
    [{}, "batch"],
    [{ batch: "nope" }, "batch"],
    [{ batch: [] }, "batch"],
  ])("refuses the envelope %j with 400 naming %j", async (body, path) => {
    const error = await ingestBatch(ingestDeps(publisher, clock), owner, body).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.path)).toEqual([path]);
  });

  it("answers with every item rejected (and publishes nothing) when none is valid", async () => {
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, { batch: [{ type: "track" }, {}] });

    expect(result.accepted).toEqual([]);
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1]);
    expect(publisher.published).toEqual([]);
  });

  it("fails the whole request with 503 when the bus does not take every accepted item", async () => {
    publisher.failWith = new ServiceUnavailableError("bus down");

    await expect(
      ingestBatch(ingestDeps(publisher, clock), owner, { batch: [track("m1"), track("m2")] }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it("checks the origin before anything else", async () => {
    const error = await ingestBatch(
      ingestDeps(publisher, clock),
      owner,
      { batch: Array.from({ length: 101 }, () => ({})) },
      "https://evil.com",
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OriginNotAllowedError);
    expect(publisher.published).toEqual([]);
  });

  it("accepts a batch from an allowed origin", async () => {
    const result = await ingestBatch(
      ingestDeps(publisher, clock),
      owner,
      { batch: [track("m1")] },
      "https://app.acme.com",
    );

    expect(result.accepted).toHaveLength(1);
  });

  it("refuses the reserved attribute_changed event in a batch, like on POST /v1/events", async () => {
    const result = await ingestBatch(ingestDeps(publisher, clock), owner, {
      batch: [track("m1", { event: "attribute_changed" })],
    });

    expect(result.rejected[0]?.error.details).toEqual([
      { path: "event", message: expect.stringContaining("reserved") },
    ]);
  });
});

describe("ingestBatch from a browser of a source that requires user tokens", () => {
  const SECRET = "mk_idv_unit-test-secret";
  const verified = { ...owner, requireUserToken: true, identitySecrets: [{ secret: SECRET }] };
  const origin = "https://app.acme.com";

  it("refuses a batch without a token as a whole, and rejects the items the token does not cover", async () => {
    await expect(
      ingestBatch(ingestDeps(publisher, clock), verified, { batch: [track("m1")] }, origin),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(publisher.published).toEqual([]);

    const token = computeUserToken(SECRET, { accountId: "acct_1" });
    const result = await ingestBatch(
      ingestDeps(publisher, clock),
      verified,
      {
        batch: [
          track("m1"),
          { type: "identify", accountId: "acct_2", traits: { email: "attacker@evil.example" } },
          { type: "identify", userId: "someone", traits: { email: "attacker@evil.example" } },
        ],
      },
      origin,
      token,
    );
    expect(result.accepted).toEqual([{ index: 0, messageId: "m1" }]);
    expect(result.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [1, "unauthorized"],
      [2, "unauthorized"],
    ]);
    expect(publisher.published).toHaveLength(1);
  });

  it("asks servers (no Origin) for the write key only", async () => {
    const result = await ingestBatch(ingestDeps(publisher, clock), verified, { batch: [track("m1")] });
    expect(result.accepted).toHaveLength(1);
  });
});
