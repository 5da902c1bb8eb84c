/**
 * A provider that is down delays only its own steps. Slack takes a message and never answers; while
 * that step waits out its timeout, another moment's step runs and is delivered at once. The Slack
 * step is then in doubt (the message may have been posted): it is found in the channel's history
 * and recorded executed, never posted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../support/fake-slack.js";
import { type SharedScenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const BOT_TOKEN = "xoxb-100000000001-200000000002-providerDown";

let s: SharedScenario;
let slack: FakeSlack;
let integrationId = "";

beforeAll(async () => {
  // The process's fake Slack (shared-stack.ts), reset for this file.
  s = await startSharedScenario("Provider down");
  slack = s.slack;
  slack.addWorkspace(BOT_TOKEN, [{ id: "C100", name: "cs-alerts", is_member: true }]);
  const created = await s.admin<{ id: string }>("POST", "/v1/admin/integrations", {
    kind: "slack",
    name: "CS bot",
    botToken: BOT_TOKEN,
  });
  expect(created.status).toBe(201);
  integrationId = created.body.id;
});

afterAll(async () => {
  await s?.stop();
});

describe("a provider that is down", () => {
  it("does not hold up another moment's steps, and its own step is found in the history, never posted twice", async () => {
    const [slackEvent, inAppEvent] = [unique("case_opened"), unique("trial_started")];
    const slackMoment = await s.runningMoment({
      name: unique("Alert CS"),
      goal: "recover",
      start: { event: slackEvent },
      steps: [
        { id: "alert", action: { type: "send_slack", integrationId, channel: "C100", text: "Case opened" } },
      ],
    });
    const inAppMoment = await s.runningMoment({
      name: unique("Welcome"),
      goal: "activate",
      start: { event: inAppEvent },
      steps: [
        { id: "hello", action: { type: "send_notification", title: "Welcome", body: "Glad you're here" } },
      ],
    });
    slack.stallNext(1, "/api/chat.postMessage");
    const [stuck, fine] = [unique("acct"), unique("acct")];

    await s.track({ event: slackEvent, accountId: stuck });
    await waitFor(() => slack.requests.some((r) => r.path === "/api/chat.postMessage"), {
      timeoutMs: 5_000,
      description: "Slack holding the post",
    });
    await s.track({ event: inAppEvent, accountId: fine });

    // Delivered while Slack still holds the other step (its post times out after 8 s): that step is
    // still only claimed when this one is recorded.
    const delivered = await s.recordedRun(await s.runId(fine, inAppMoment), ["hello"]);
    expect(delivered.steps).toEqual([expect.objectContaining({ stepId: "hello", status: "executed" })]);
    const stuckRunId = await s.runId(stuck, slackMoment);
    const stuckRun = await s.api<{ steps: Array<{ stepId: string; status: string }> }>(
      "GET",
      `/v1/admin/runs/${stuckRunId}`,
      { key: s.stack.adminKey },
    );
    expect(stuckRun.body.steps).toEqual([expect.objectContaining({ stepId: "alert", status: "claimed" })]);

    const outcome = await s.stepOutcome(stuckRunId, "alert");
    expect(outcome).toMatchObject({ status: "executed", detail: { reconciled: "history" } });
    expect(slack.messages).toHaveLength(1);
    expect(slack.requests.filter((r) => r.path === "/api/chat.postMessage")).toHaveLength(1);
  }, 30_000);
});
