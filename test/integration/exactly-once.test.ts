/**
 * A message counts once however it arrives: two copies of the same messageId in one batch reach
 * the matcher together (the queue hands them to one invocation, which handles its records at the
 * same time), and a copy sent again later is a duplicate. The account's counter for the event is
 * 1, as a moment's condition on it shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;

beforeAll(async () => {
  s = await startSharedScenario("Exactly once");
});

afterAll(async () => {
  await s?.stop();
});

interface Decision {
  momentId?: string;
  event: string;
  reason?: string;
  outcome: string;
  message: string;
}

async function accountView(accountId: string) {
  const view = await s.admin<{ decisions?: Decision[]; recentEvents?: Array<{ event: string }> }>(
    "GET",
    `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
  );
  return view.status === 200 ? view.body : undefined;
}

describe("counters count each message once", () => {
  it("counts two copies of a message processed at the same instant, and a later resend, as one", async () => {
    const counted = unique("invoice_paid");
    const probe = unique("probe");
    const accountId = unique("acct");
    const momentId = await s.runningMoment({
      name: unique("Counted once"),
      goal: "other",
      start: { event: probe, where: [{ field: `account.event_counts.${counted}`, op: "eq", value: 1 }] },
      steps: [],
    });
    const copy = { type: "track", event: counted, accountId, messageId: unique("msg") };

    const batch = await s.api("POST", "/v1/batch", { key: s.writeKey, body: { batch: [copy, copy] } });
    expect(batch.status).toBe(202);
    await waitFor(
      async () => (await accountView(accountId))?.recentEvents?.some((e) => e.event === counted),
      {
        timeoutMs: 10_000,
        description: "the counted event",
      },
    );
    await s.track({ event: counted, accountId, messageId: copy.messageId });
    await s.track({ event: probe, accountId });

    const decision = await waitFor(
      async () => (await accountView(accountId))?.decisions?.find((d) => d.momentId === momentId),
      { timeoutMs: 10_000, description: "the probe's decision" },
    );
    expect(decision, decision?.message).toMatchObject({ outcome: "started" });
  });
});
