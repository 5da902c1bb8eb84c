import { beforeEach, describe, expect, it } from "vitest";
import { PayloadTooLargeError, ServiceUnavailableError } from "../../../shared/domain/errors.js";
import { OriginNotAllowedError } from "../../../shared/domain/forbidden-error.js";
import { ingestCall } from "../../../shared/use-cases/ingest.js";
import { FakePublisher, type FixedClock, fixedClock } from "../../support/fakes.js";
import { ingestDeps } from "../../support/fakes-ingestion.js";

/** A single track call (POST /v1/events). */
const ingestEvent = (
  deps: Parameters<typeof ingestCall>[0],
  owner: Parameters<typeof ingestCall>[1],
  body: unknown,
  origin?: string,
) => ingestCall(deps, owner, body, "track", origin);

const owner = {
  workspaceId: "ws_1",
  sourceId: "src_1",
  allowedDomains: ["app.acme.com", "*.preview.acme.com"],
};
const RECEIVED_AT = "2026-11-21T10:00:00.000Z";

let publisher: FakePublisher;
let clock: FixedClock;

beforeEach(() => {
  publisher = new FakePublisher();
  clock = fixedClock(RECEIVED_AT);
});

describe("ingestEvent", () => {
  it("puts the event on the bus with its owner, and the server's receive time as timestamp when none is given", async () => {
    // Act
    const result = await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "payment_failed",
      accountId: "acct_1",
      messageId: "msg-1",
      properties: { amount: 12 },
    });

    // Assess
    expect(result).toEqual({ messageId: "msg-1" });
    expect(publisher.published).toEqual([
      {
        workspaceId: "ws_1",
        sourceId: "src_1",
        messageId: "msg-1",
        event: "payment_failed",
        accountId: "acct_1",
        timestamp: RECEIVED_AT,
        receivedAt: RECEIVED_AT,
        properties: { amount: 12 },
      },
    ]);
  });

  it("keeps the client's messageId so a resend is recognised downstream", async () => {
    const first = await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "e",
      accountId: "a",
      messageId: "same",
    });
    const second = await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "e",
      accountId: "a",
      messageId: "same",
    });

    expect(first.messageId).toBe("same");
    expect(second.messageId).toBe("same");
    expect(publisher.published.map((d) => d.messageId)).toEqual(["same", "same"]);
  });

  it("generates a fresh messageId when the client sends none", async () => {
    const first = await ingestEvent(ingestDeps(publisher, clock), owner, { event: "e", accountId: "a" });
    const second = await ingestEvent(ingestDeps(publisher, clock), owner, { event: "e", accountId: "a" });

    expect(first.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.messageId).not.toBe(first.messageId);
    expect(publisher.published[0]?.messageId).toBe(first.messageId);
  });

  it("passes traits and userId along", async () => {
    await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "signed_up",
      accountId: "acct_1",
      userId: "user_1",
      traits: { plan: "pro", first_name: "Ada" },
    });

    expect(publisher.published[0]).toMatchObject({
      userId: "user_1",
      traits: { plan: "pro", first_name: "Ada" },
    });
  });

  it("passes the person's userTraits along beside the account's traits", async () => {
    await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "signed_up",
      accountId: "acct_1",
      userId: "user_1",
      traits: { plan: "pro" },
      userTraits: { first_name: "Ada", role: "admin" },
    });

    expect(publisher.published[0]).toMatchObject({
      traits: { plan: "pro" },
      userTraits: { first_name: "Ada", role: "admin" },
    });
  });

  it("refuses userTraits without a userId with 400 naming userTraits", async () => {
    await expect(
      ingestEvent(ingestDeps(publisher, clock), owner, {
        event: "signed_up",
        accountId: "acct_1",
        userTraits: { first_name: "Ada" },
      }),
    ).rejects.toMatchObject({ statusCode: 400, details: [{ path: "userTraits" }] });
    expect(publisher.published).toEqual([]);
  });

  it("refuses the engine's reserved attribute_changed event name", async () => {
    await expect(
      ingestEvent(ingestDeps(publisher, clock), owner, {
        event: "attribute_changed",
        accountId: "acct_1",
        properties: { attribute: "plan", from: "trial", to: "pro" },
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "event", message: expect.stringContaining("reserved for the engine") }],
    });
  });

  it("leaves traits and userId out when absent", async () => {
    await ingestEvent(ingestDeps(publisher, clock), owner, { event: "signed_up", accountId: "acct_1" });

    expect(publisher.published[0]).not.toHaveProperty("traits");
    expect(publisher.published[0]).not.toHaveProperty("userId");
    expect(publisher.published[0]).not.toHaveProperty("userTraits");
  });

  it("normalises the client's timestamp to UTC", async () => {
    await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "e",
      accountId: "a",
      timestamp: "2026-11-21T12:30:00+02:00",
    });

    expect(publisher.published[0]?.timestamp).toBe("2026-11-21T10:30:00.000Z");
    expect(publisher.published[0]?.receivedAt).toBe(RECEIVED_AT);
  });

  it("refuses an event over 32 KB with 413 and publishes nothing", async () => {
    const error = await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "e",
      accountId: "a",
      properties: { blob: "x".repeat(33 * 1024) },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ statusCode: 413, message: expect.stringMatching(/at most 32 KB/) });
    expect(publisher.published).toEqual([]);
  });

  it("counts bytes, not characters, against the limit", async () => {
    // 11,000 three-byte characters: 11,000 characters but about 33,000 bytes.
    const error = await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "e",
      accountId: "a",
      properties: { text: "€".repeat(11_000) },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
  });

  it("accepts an event just under the limit", async () => {
    await ingestEvent(ingestDeps(publisher, clock), owner, {
      event: "e",
      accountId: "a",
      properties: { blob: "x".repeat(31 * 1024) },
    });

    expect(publisher.published).toHaveLength(1);
  });

  it("refuses an invalid event with 400 naming the field, and publishes nothing", async () => {
    await expect(ingestEvent(ingestDeps(publisher, clock), owner, { event: "e" })).rejects.toMatchObject({
      statusCode: 400,
      details: [expect.objectContaining({ path: "accountId" })],
    });
    expect(publisher.published).toEqual([]);
  });

  it("does not answer success when the bus refused the event", async () => {
    publisher.failWith = new ServiceUnavailableError("bus down");

    await expect(
      ingestEvent(ingestDeps(publisher, clock), owner, { event: "e", accountId: "a", messageId: "m" }),
    ).rejects.toMatchObject({ statusCode: 503 });
  });
});

describe("ingestEvent from a browser", () => {
  const event = { event: "page_viewed", accountId: "acct_1" };

  it.each(["https://app.acme.com", "https://pr-7.preview.acme.com"])(
    "accepts an allowed origin (%s)",
    async (origin) => {
      await expect(ingestEvent(ingestDeps(publisher, clock), owner, event, origin)).resolves.toEqual({
        messageId: expect.any(String),
      });
      expect(publisher.published).toHaveLength(1);
    },
  );

  it.each(["https://evil.com", "https://preview.acme.com", "null"])(
    "refuses %s with 403 origin_not_allowed and publishes nothing",
    async (origin) => {
      const error = await ingestEvent(ingestDeps(publisher, clock), owner, event, origin).catch(
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(OriginNotAllowedError);
      expect(error).toMatchObject({ statusCode: 403, code: "origin_not_allowed" });
      expect(publisher.published).toEqual([]);
    },
  );

  it("refuses every browser when the source allows no domain, but not a server", async () => {
    const closed = { ...owner, allowedDomains: [] };

    await expect(
      ingestEvent(ingestDeps(publisher, clock), closed, event, "https://app.acme.com"),
    ).rejects.toBeInstanceOf(OriginNotAllowedError);
    await expect(ingestEvent(ingestDeps(publisher, clock), closed, event)).resolves.toBeDefined();
  });

  it("checks the origin before the body, so a refused page learns nothing about event validation", async () => {
    await expect(
      ingestEvent(ingestDeps(publisher, clock), owner, { nope: 1 }, "https://evil.com"),
    ).rejects.toBeInstanceOf(OriginNotAllowedError);
  });

  it("samples accepted items only while the key carries a fresh watch mark; rejected ones always", async () => {
    // Prepare: one source's key read before, during and after the debugger was watched
    const deps = ingestDeps(publisher, clock);
    const watchedUntil = "2026-11-21T10:05:00.000Z";
    const send = (event: string, markedUntil?: string) =>
      ingestEvent(
        deps,
        { ...owner, ...(markedUntil ? { debuggerWatchedUntil: markedUntil } : {}) },
        { event, ...(event === "unresolved" ? { userId: "u" } : { accountId: "a" }) },
      );

    // Act
    await send("before");
    await send("unresolved");
    await send("watched", watchedUntil);
    clock.advance(5 * 60_000);
    await send("after", watchedUntil);

    // Assess: all four counted, only the watched accepted one and the rejected one kept
    const { counts, items } = await deps.debug.list();
    expect(counts).toEqual({ accepted: 3, rejected: 1 });
    expect(items.map((item) => (item.item as { event: string }).event).sort()).toEqual([
      "unresolved",
      "watched",
    ]);
  });
});
