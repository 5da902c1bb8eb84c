import { beforeEach, describe, expect, it } from "vitest";
import type { BusDetail, IdentifyReceivedDetail } from "../../../shared/contracts/bus-details.js";
import { applyIdentify, type IdentifyDeps } from "../../../shared/use-cases/apply-identify.js";
import { FakeMessageLog, FakeProfiles, fixedClock } from "../../support/fakes.js";

const identify = (overrides: Partial<IdentifyReceivedDetail> = {}): IdentifyReceivedDetail => ({
  workspaceId: "ws_1",
  sourceId: "src_1",
  messageId: "id-1",
  accountId: "acct_1",
  timestamp: "2026-11-21T10:00:00.000Z",
  receivedAt: "2026-11-21T10:00:00.000Z",
  traits: { plan: "pro" },
  ...overrides,
});

let profiles: FakeProfiles;
let messages: FakeMessageLog;
let published: BusDetail[];
let failNext: Error | undefined;
let deps: IdentifyDeps;

beforeEach(async () => {
  profiles = new FakeProfiles();
  messages = new FakeMessageLog();
  published = [];
  failNext = undefined;
  deps = {
    profiles,
    messages,
    clock: fixedClock("2026-11-21T10:00:01.000Z"),
    publisher: {
      async publish(details) {
        if (failNext) {
          const error = failNext;
          failNext = undefined;
          throw error;
        }
        published.push(...details);
      },
    },
  };
  await profiles.mergeTraits("ws_1", "acct_1", { plan: "free" }, "2026-11-20T00:00:00.000Z");
});

const changesOf = (details: BusDetail[]) =>
  details.map((d) => (d as { properties: Record<string, unknown> }).properties);

describe("applyIdentify", () => {
  it("merges the traits and publishes an attribute_changed per changed trait", async () => {
    expect(await applyIdentify(deps, identify({ traits: { plan: "pro", arr: 1200 } }))).toBe(2);
    expect(changesOf(published)).toEqual([
      expect.objectContaining({ attribute: "plan", from: "free", to: "pro", scope: "account" }),
      expect.objectContaining({ attribute: "arr", from: null, to: 1200, scope: "account" }),
    ]);
    expect((await profiles.get("ws_1", "acct_1"))?.traits).toMatchObject({ plan: "pro", arr: 1200 });
  });

  it("publishes nothing for traits that did not change", async () => {
    expect(await applyIdentify(deps, identify({ traits: { plan: "free" } }))).toBe(0);
    expect(published).toEqual([]);
  });

  it("still publishes the changes when the first attempt failed after the merge (the retry finds them kept)", async () => {
    failNext = Object.assign(new Error("throttled"), { name: "ThrottlingException" });
    await expect(applyIdentify(deps, identify())).rejects.toThrow("throttled");
    // The profile already says pro; a naive retry would see no change and start no chained moment.
    expect((await profiles.get("ws_1", "acct_1"))?.traits).toMatchObject({ plan: "pro" });

    expect(await applyIdentify(deps, identify())).toBe(1);
    expect(changesOf(published)).toEqual([
      expect.objectContaining({ attribute: "plan", from: "free", to: "pro" }),
    ]);
  });

  it("does nothing for a message already processed", async () => {
    await applyIdentify(deps, identify());
    published = [];
    expect(await applyIdentify(deps, identify())).toBe(0);
    expect(published).toEqual([]);
  });
});
