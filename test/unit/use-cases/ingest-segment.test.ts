import { beforeEach, describe, expect, it } from "vitest";
import { ServiceUnavailableError, ValidationError } from "../../../shared/domain/errors.js";
import { ingestBatch, ingestCall } from "../../../shared/use-cases/ingest.js";
import { FakePublisher, type FixedClock, fixedClock } from "../../support/fakes.js";
import { ingestDeps } from "../../support/fakes-ingestion.js";

const owner = { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: [] };
const RECEIVED_AT = "2026-11-21T10:00:00.000Z";

let publisher: FakePublisher;
let clock: FixedClock;
let deps: ReturnType<typeof ingestDeps>;

beforeEach(() => {
  publisher = new FakePublisher();
  clock = fixedClock(RECEIVED_AT);
  deps = ingestDeps(publisher, clock);
});

describe("ingestion of the Segment spec", () => {
  it("makes a group call the account's traits and links the user, so their later events resolve", async () => {
    await ingestCall(
      deps,
      owner,
      { userId: "u1", groupId: "acct_1", traits: { plan: "pro" }, messageId: "g1" },
      "group",
    );
    const track = await ingestCall(
      deps,
      owner,
      { userId: "u1", event: "report_exported", messageId: "t1" },
      "track",
    );

    expect(track).toEqual({ messageId: "t1" });
    expect(publisher.published).toEqual([
      expect.objectContaining({
        messageId: "g1",
        accountId: "acct_1",
        userId: "u1",
        traits: { plan: "pro" },
      }),
      expect.objectContaining({ messageId: "t1", accountId: "acct_1", event: "report_exported" }),
    ]);
  });

  it("keeps a Segment identify's traits as the person's, even before the user's account is known", async () => {
    await ingestCall(
      deps,
      owner,
      { userId: "u1", traits: { first_name: "Ada" }, messageId: "i1" },
      "identify",
    );

    expect(publisher.published).toEqual([
      expect.objectContaining({ messageId: "i1", userId: "u1", userTraits: { first_name: "Ada" } }),
    ]);
    expect(publisher.published[0]).not.toHaveProperty("accountId");
    expect(publisher.published[0]).not.toHaveProperty("traits");
  });

  it("turns a page call into page_viewed with its name", async () => {
    await ingestCall(
      deps,
      owner,
      { accountId: "a", name: "Pricing", properties: { path: "/pricing" } },
      "page",
    );

    expect(publisher.published[0]).toMatchObject({
      event: "page_viewed",
      properties: { path: "/pricing", name: "Pricing" },
    });
  });

  it("accepts an unresolvable event with the reason, keeps it in the debugger and publishes nothing", async () => {
    const result = await ingestCall(deps, owner, { anonymousId: "v1", event: "pricing_viewed" }, "track");

    expect(result.error?.code).toBe("account_unresolved");
    expect(publisher.published).toEqual([]);
    expect(deps.debug.rejected).toEqual([
      expect.objectContaining({
        verdict: "rejected",
        reason: expect.objectContaining({ code: "account_unresolved" }),
      }),
    ]);
  });

  it("resolves a person as their own account for a source in consumer mode", async () => {
    const consumer = ingestDeps(publisher, clock, "user");

    await ingestCall(consumer, owner, { anonymousId: "v1", event: "cart_item_added" }, "track");

    expect(publisher.published[0]).toMatchObject({ accountId: "v1", event: "cart_item_added" });
  });

  it("records every item of a batch in the debugger, and refused ones with their reason", async () => {
    const result = await ingestBatch(deps, owner, {
      batch: [
        { type: "track", event: "e", accountId: "a" },
        { type: "track", accountId: "a" },
      ],
    });

    expect(result.rejected.map((r) => r.index)).toEqual([1]);
    expect(deps.debug.entries.map((e) => e.verdict)).toEqual(["accepted", "rejected"]);
  });

  it("shows an invalid item in the debugger with the type and messageId it was sent with", async () => {
    await ingestBatch(deps, owner, {
      batch: [
        { type: "track", accountId: "a", messageId: "sdk-msg-1" },
        { type: "identify", userId: "u", traits: { "": 1 }, messageId: "has space" },
        { type: "purchase", accountId: "a", messageId: 42 },
        { type: "track", event: "e", accountId: "a", messageId: "m".repeat(257) },
        { type: "track", event: "e", accountId: "a", messageId: "lone\ud800" },
      ],
    });

    expect(deps.debug.rejected.map((e) => [e.type, e.messageId])).toEqual([
      ["track", "sdk-msg-1"],
      ["identify", "has space"],
      // An unknown type and a messageId that is not a string, too long or not Unicode stay in `item`.
      [undefined, undefined],
      ["track", undefined],
      ["track", undefined],
    ]);
  });

  it("shows an invalid single call in the debugger with its messageId", async () => {
    await expect(
      ingestCall(deps, owner, { userId: "u1", messageId: "sdk-msg-2" }, "track"),
    ).rejects.toBeInstanceOf(ValidationError);

    expect(deps.debug.rejected).toEqual([
      expect.objectContaining({ verdict: "rejected", type: "track", messageId: "sdk-msg-2" }),
    ]);
  });

  it("answers 503 (the SDK retries) when the debugger cannot keep the items", async () => {
    deps.debug.failWith = new Error("throttled");

    await expect(
      ingestBatch(deps, owner, { batch: [{ type: "track", accountId: "a" }] }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it("answers 503 when an identity link cannot be written, before anything is published", async () => {
    deps.identities.failWith = new Error("throttled");

    await expect(
      ingestCall(deps, owner, { userId: "u1", groupId: "acct_1" }, "group"),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(publisher.published).toEqual([]);
  });

  it("still answers 400 for an invalid single call, and shows it in the debugger", async () => {
    await expect(ingestCall(deps, owner, { userId: "u1" }, "track")).rejects.toBeInstanceOf(ValidationError);
    expect(deps.debug.rejected).toHaveLength(1);
  });
});
