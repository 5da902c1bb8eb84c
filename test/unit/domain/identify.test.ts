import { describe, expect, it } from "vitest";
import { ATTRIBUTE_CHANGED_EVENT, DetailType } from "../../../shared/contracts/bus.js";
import { busDetailType, type IdentifyReceivedDetail } from "../../../shared/contracts/bus-details.js";
import { conditionFieldSchema } from "../../../shared/domain/conditions.js";
import {
  accountAttributes,
  attributeChangedDetails,
  attributeChangedMessageId,
  diffTraits,
  eventCountKey,
} from "../../../shared/domain/identify.js";
import { anEventDetail } from "../../support/fakes.js";

describe("diffTraits", () => {
  it.each([
    {
      name: "a new trait",
      before: {},
      after: { plan: "pro" },
      changes: [{ attribute: "plan", from: null, to: "pro" }],
    },
    {
      name: "a changed value",
      before: { plan: "trial" },
      after: { plan: "pro" },
      changes: [{ attribute: "plan", from: "trial", to: "pro" }],
    },
    { name: "the same value", before: { plan: "pro" }, after: { plan: "pro" }, changes: [] },
    {
      name: "a number that became a string of it",
      before: { arr: 1200 },
      after: { arr: "1200" },
      changes: [{ attribute: "arr", from: 1200, to: "1200" }],
    },
    {
      name: "an object with the same content in another key order",
      before: { address: { city: "Paris", zip: "75001" } },
      after: { address: { zip: "75001", city: "Paris" } },
      changes: [],
    },
    {
      name: "an object whose nested value changed",
      before: { address: { city: "Paris" } },
      after: { address: { city: "Lyon" } },
      changes: [{ attribute: "address", from: { city: "Paris" }, to: { city: "Lyon" } }],
    },
    { name: "an equal array", before: { tags: ["a", "b"] }, after: { tags: ["a", "b"] }, changes: [] },
    {
      name: "a reordered array",
      before: { tags: ["a", "b"] },
      after: { tags: ["b", "a"] },
      changes: [{ attribute: "tags", from: ["a", "b"], to: ["b", "a"] }],
    },
    { name: "an absent trait set to null", before: {}, after: { plan: null }, changes: [] },
    {
      name: "a trait cleared to null",
      before: { plan: "pro" },
      after: { plan: null },
      changes: [{ attribute: "plan", from: "pro", to: null }],
    },
    {
      name: "a boolean flipped",
      before: { completed_onboarding: false },
      after: { completed_onboarding: true },
      changes: [{ attribute: "completed_onboarding", from: false, to: true }],
    },
  ])("reports $name", ({ before, after, changes }) => {
    expect(diffTraits(before, after)).toEqual(changes);
  });

  it("looks only at the merged traits, in their order", () => {
    const changes = diffTraits({ plan: "trial", seats: 3, untouched: "x" }, { seats: 5, plan: "pro" });

    expect(changes.map((c) => c.attribute)).toEqual(["seats", "plan"]);
  });

  it("reads only own properties of before, never inherited ones", () => {
    expect(diffTraits({}, { toString: "x" })).toEqual([{ attribute: "toString", from: null, to: "x" }]);
  });
});

describe("attributeChangedDetails", () => {
  const cause = anEventDetail({ messageId: "idf-1", accountId: "acct_1", userId: "user_1" });

  it("turns each change into an attribute_changed event of the cause's account, source and times", () => {
    const [detail] = attributeChangedDetails(cause, "user", [
      { attribute: "first_name", from: null, to: "Ada" },
    ]);

    expect(detail).toEqual({
      workspaceId: "ws_1",
      sourceId: "src_1",
      messageId: attributeChangedMessageId("idf-1", "user", "first_name"),
      event: ATTRIBUTE_CHANGED_EVENT,
      accountId: "acct_1",
      userId: "user_1",
      timestamp: cause.timestamp,
      receivedAt: cause.receivedAt,
      properties: { attribute: "first_name", scope: "user", from: null, to: "Ada" },
      causedBy: "idf-1",
    });
    expect(detail && busDetailType(detail)).toBe(DetailType.attributeChanged);
  });

  it("derives messageIds from the cause, so a redelivered cause emits the same messages", () => {
    const change = [{ attribute: "plan", from: "trial", to: "pro" }];

    const first = attributeChangedDetails(cause, "account", change);
    const again = attributeChangedDetails(cause, "account", change);

    expect(again[0]?.messageId).toBe(first[0]?.messageId);
  });

  it("gives distinct messageIds per attribute, scope and cause", () => {
    const ids = new Set([
      attributeChangedMessageId("m1", "account", "plan"),
      attributeChangedMessageId("m1", "user", "plan"),
      attributeChangedMessageId("m1", "account", "seats"),
      attributeChangedMessageId("m2", "account", "plan"),
    ]);

    expect(ids.size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[\x21-\x7e]{1,128}$/);
  });

  it("leaves userId out when the cause has none", () => {
    const { userId: _, ...withoutUser } = cause;

    const [detail] = attributeChangedDetails(withoutUser, "account", [
      { attribute: "plan", from: null, to: 1 },
    ]);

    expect(detail).not.toHaveProperty("userId");
  });
});

describe("eventCountKey", () => {
  it.each([
    ["trial_ending_soon", "trial_ending_soon"],
    ["Order Completed", "Order%20Completed"],
    ["cart.updated", "cart%2Eupdated"],
    ["100%", "100%25"],
    ["tab\tname", "tab%09name"],
    ["non\u00a0breaking", "non%C2%A0breaking"],
    ["Café ☕", "Café%20☕"],
  ])("keys %j as %j", (name, key) => {
    expect(eventCountKey(name)).toBe(key);
  });

  it("keeps distinct names distinct even when one looks encoded", () => {
    expect(eventCountKey("a b")).not.toBe(eventCountKey("a%20b"));
  });

  it.each(["Order Completed", "cart.updated", "100% done"])(
    "makes %j nameable in a condition field",
    (name) => {
      const field = `account.event_counts.${eventCountKey(name)}`;

      expect(conditionFieldSchema.safeParse(field).success).toBe(true);
    },
  );
});

describe("accountAttributes", () => {
  it("exposes traits, last_seen_at and event_counts to conditions", () => {
    expect(
      accountAttributes({
        traits: { plan: "pro" },
        lastSeenAt: "2026-11-21T10:00:00.000Z",
        eventCounts: { "Order%20Completed": 2 },
      }),
    ).toEqual({
      plan: "pro",
      last_seen_at: "2026-11-21T10:00:00.000Z",
      event_counts: { "Order%20Completed": 2 },
    });
  });

  it("lets the engine's activity win over a trait of the same name", () => {
    const attributes = accountAttributes({
      traits: { last_seen_at: "fake", event_counts: { x: 999 } },
      lastSeenAt: "2026-11-21T10:00:00.000Z",
    });

    expect(attributes).toEqual({ last_seen_at: "2026-11-21T10:00:00.000Z", event_counts: {} });
  });

  it("answers nothing for an unknown account", () => {
    expect(accountAttributes(undefined)).toEqual({});
  });
});

describe("busDetailType", () => {
  it("tells an identify (no event), an attribute change and a product event apart", () => {
    const identify: IdentifyReceivedDetail = {
      workspaceId: "ws_1",
      sourceId: "src_1",
      messageId: "m",
      accountId: "a",
      timestamp: "2026-11-21T10:00:00.000Z",
      receivedAt: "2026-11-21T10:00:00.000Z",
      traits: { plan: "pro" },
    };

    expect(busDetailType(identify)).toBe(DetailType.identifyReceived);
    expect(busDetailType(anEventDetail({ event: "payment_failed" }))).toBe(DetailType.eventReceived);
    const [change] = attributeChangedDetails(anEventDetail(), "account", [
      { attribute: "x", from: 1, to: 2 },
    ]);
    expect(change && busDetailType(change)).toBe(DetailType.attributeChanged);
  });
});
