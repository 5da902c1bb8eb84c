import { beforeEach, describe, expect, it } from "vitest";
import type { BusDetail } from "../../../../shared/contracts/bus-details.js";
import type { StepOutcome } from "../../../../shared/contracts/workflow.js";
import type { Action } from "../../../../shared/domain/actions.js";
import type { Run } from "../../../../shared/use-cases/actions/action.js";
import { updateAttributePerformer } from "../../../../shared/use-cases/actions/update-attribute.js";
import { performAction } from "../../../support/actions.js";
import { aRun, FakeMessageLog, FakeProfiles, fixedClock } from "../../../support/fakes.js";

let profiles: FakeProfiles;
let published: BusDetail[];
let failNext: Error | undefined;
let perform: (run: Run, action: UpdateAttribute, stepId: string, test?: boolean) => Promise<StepOutcome>;

beforeEach(async () => {
  profiles = new FakeProfiles();
  published = [];
  failNext = undefined;
  const clock = fixedClock("2026-11-21T10:00:00.000Z");
  const performer = updateAttributePerformer({
    profiles,
    messages: new FakeMessageLog(),
    clock,
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
  });
  perform = (run, action, stepId, test = false) =>
    performAction(performer, { profiles, clock }, run, action, stepId, { test });

  await profiles.mergeTraits(
    "ws_1",
    "acct_1",
    { plan: "free", first_name: "Ada" },
    "2026-11-20T00:00:00.000Z",
  );
});

const action = (value: string | number | boolean | null, scope: "account" | "user" = "account") => ({
  type: "update_attribute" as const,
  scope,
  attribute: "plan",
  value,
});
type UpdateAttribute = Extract<Action, { type: "update_attribute" }>;
const changes = () => published.map((d) => (d as { properties: unknown; sourceId: string }).properties);

describe("update_attribute", () => {
  it("sets the account attribute and emits attribute_changed from the old value to the new", async () => {
    const outcome = await perform(
      aRun({ trigger: { ...aRun().trigger, sourceId: "src_9" } }),
      action("pro"),
      "s1",
    );

    expect(outcome).toMatchObject({ status: "executed" });
    expect((await profiles.get("ws_1", "acct_1"))?.traits.plan).toBe("pro");
    expect(changes()).toEqual([{ attribute: "plan", scope: "account", from: "free", to: "pro" }]);
    // The change carries the run's source on, so moments filtering on sources see it.
    expect(published[0]).toMatchObject({
      sourceId: "src_9",
      accountId: "acct_1",
      event: "attribute_changed",
    });
  });

  it("renders a string value and emits nothing when the value does not change", async () => {
    await perform(aRun(), { ...action("{first_name} rocks"), attribute: "motto" }, "s1");
    await perform(aRun(), { ...action("{first_name} rocks"), attribute: "motto" }, "s2");

    expect((await profiles.get("ws_1", "acct_1"))?.traits.motto).toBe("Ada rocks");
    expect(changes()).toHaveLength(1);
  });

  it("in a test send, sets the attribute but emits nothing, so no chained moment starts", async () => {
    const outcome = await perform(aRun(), action("pro"), "s1", true);

    expect((await profiles.get("ws_1", "acct_1"))?.traits.plan).toBe("pro");
    expect(published).toEqual([]);
    expect(outcome).toMatchObject({
      status: "executed",
      detail: { attributeChanged: "not emitted (test send)" },
    });
  });

  it("unsets with null", async () => {
    await perform(aRun(), action(null), "s1");
    expect(changes()).toEqual([{ attribute: "plan", scope: "account", from: "free", to: null }]);
  });

  it("skips a user attribute when the run has no user", async () => {
    expect(await perform(aRun(), action("admin", "user"), "s1")).toMatchObject({ status: "skipped" });
    expect(published).toEqual([]);
  });

  it("still emits the change when the first publish failed after the merge (retried step)", async () => {
    failNext = Object.assign(new Error("throttled"), { name: "ThrottlingException" });
    await expect(perform(aRun(), action("pro"), "s1")).rejects.toThrow("throttled");

    await perform(aRun(), action("pro"), "s1");

    expect(changes()).toEqual([{ attribute: "plan", scope: "account", from: "free", to: "pro" }]);
  });
});
