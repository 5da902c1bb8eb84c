/**
 * send_slack on the local stack against a local fake of Slack (test/support/fake-slack.ts), which
 * checks method, path, auth, content type and body as Slack does. Integrations are created over
 * HTTP; moments run the action for real: a bot-token post with a real mention, an incoming-webhook
 * post, a transient failure then success (one message, not two), a 5xx that may follow a posted
 * message reconciled from the channel's history (bot token: found -> executed, absent -> posted
 * once) or recorded as outcome_unknown (incoming webhook: no lookup), a post in doubt when its run
 * ended looked up by an execution of its own (re-driven when aborted), and a permanent failure recorded with
 * Slack's error while the run carries on to its next step.
 */
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { executionArn } from "../../shared/adapters/step-functions-starter.js";
import { Env } from "../../shared/contracts/functions.js";
import { lookupExecutionName, lookupRedriveName } from "../../shared/contracts/workflow.js";
import type { FakeSlack } from "../support/fake-slack.js";
import { type RunView, type SharedScenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const BOT_TOKEN = "xoxb-100000000001-200000000002-integrationTest";
const HOOK_PATH = "/services/T00000001/B00000001/incomingHookSecretPath";
const WEBHOOK_URL = `https://hooks.slack.com${HOOK_PATH}`;

let s: SharedScenario;
let slack: FakeSlack;
let botIntegrationId = "";
let hookIntegrationId = "";

beforeAll(async () => {
  // The process's fake Slack (shared-stack.ts), reset for this file.
  s = await startSharedScenario("Slack tests");
  slack = s.slack;
  slack.addWorkspace(
    BOT_TOKEN,
    [
      { id: "C100", name: "cs-alerts", is_member: true },
      { id: "C200", name: "sales", is_member: false },
    ],
    { users: [{ id: "U0OWNER", email: "owner@acme.com" }] },
  );
  slack.addWebhook(HOOK_PATH, { id: "C300", name: "renewals", is_member: true });
  const bot = await s.admin<{ id: string }>("POST", "/v1/admin/integrations", {
    kind: "slack",
    name: "CS bot",
    botToken: BOT_TOKEN,
  });
  const hook = await s.admin<{ id: string }>("POST", "/v1/admin/integrations", {
    kind: "slack",
    name: "Renewals channel",
    webhookUrl: WEBHOOK_URL,
  });
  expect([bot.status, hook.status]).toEqual([201, 201]);
  botIntegrationId = bot.body.id;
  hookIntegrationId = hook.body.id;
});

afterAll(async () => {
  await s?.stop();
});

beforeEach(() => {
  slack.reset();
});

afterEach(async () => {
  // Nothing of one test may still be in flight when the next one resets the fake.
  await s.stack.idle();
});

const TEXT = "Case for {company}: @{case_owner_email} please look";

/**
 * A running moment (the Slack step, then an attribute update showing the run went on) started for
 * a fresh account; answers the account, the moment and the Slack step's recorded outcome.
 */
async function notifyOnce(eventPrefix: string, slackAction: Record<string, unknown>) {
  const event = unique(eventPrefix);
  const momentId = await s.runningMoment({
    name: "Tell CS on Slack",
    goal: "recover",
    start: { event },
    steps: [
      {
        id: "notify",
        delay: { amount: 0, unit: "hours" },
        action: { type: "send_slack", ...slackAction },
        onFailure: "continue",
      },
      {
        id: "after",
        delay: { amount: 0, unit: "hours" },
        action: { type: "update_attribute", scope: "account", attribute: "slack_step_passed", value: true },
      },
    ],
  });
  const accountId = unique("acct");
  await s.track({
    event,
    accountId,
    traits: { company: "Acme <!channel>", case_owner_email: "owner@acme.com" },
  });
  const outcome = await s.stepOutcome(await s.runId(accountId, momentId), "notify");
  return { accountId, momentId, outcome };
}

/** Whether the run went on to its next step (it sets an account trait). */
const ranNextStep = (accountId: string) => s.traitSet(accountId, "slack_step_passed", true);

const posts = () => slack.requests.filter((r) => r.path === "/api/chat.postMessage");

describe("send_slack on the local stack", () => {
  it("posts through the bot token with a real mention, the values escaped, marked with its step", async () => {
    const { accountId, momentId, outcome } = await notifyOnce("case_opened", {
      integrationId: botIntegrationId,
      channel: "cs-alerts",
      text: TEXT,
    });

    expect(slack.requests.filter((r) => r.path === "/api/users.lookupByEmail")).toEqual([
      expect.objectContaining({
        method: "GET",
        query: { email: "owner@acme.com" },
        authorization: `Bearer ${BOT_TOKEN}`,
      }),
    ]);
    expect(posts()).toEqual([
      {
        method: "POST",
        path: "/api/chat.postMessage",
        query: {},
        authorization: `Bearer ${BOT_TOKEN}`,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({
          channel: "cs-alerts",
          text: "Case for Acme &lt;!channel&gt;: <@U0OWNER> please look",
          // The run and step, as Slack message metadata: a post in doubt can be found again.
          metadata: {
            event_type: "moments_step",
            event_payload: { runId: await s.runId(accountId, momentId), stepId: "notify" },
          },
        }),
      },
    ]);
    expect(slack.messages).toHaveLength(1);
    expect(outcome).toEqual({
      status: "executed",
      detail: { via: "bot_token", channel: "C100", ts: slack.messages[0]?.ts },
    });
    await ranNextStep(accountId);
  });

  it("posts through the incoming webhook, the mention left plain and recorded", async () => {
    const { outcome } = await notifyOnce("renewal_due", { integrationId: hookIntegrationId, text: TEXT });

    expect(slack.requests).toEqual([
      {
        method: "POST",
        path: HOOK_PATH,
        query: {},
        authorization: undefined,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({ text: "Case for Acme &lt;!channel&gt;: @owner@acme.com please look" }),
      },
    ]);
    expect(slack.messages).toEqual([expect.objectContaining({ via: "incoming_webhook", channel: "C300" })]);
    expect(outcome).toEqual({
      status: "executed",
      detail: {
        via: "incoming_webhook",
        mentionFallbacks: "1",
        mentionFallbackReasons: "incoming_webhook",
      },
    });
  });

  it("retries a post Slack answered 503, and posts exactly one message", async () => {
    slack.failNext(1, { status: 503, body: "service unavailable" }, "/api/chat.postMessage");
    const { outcome } = await notifyOnce("case_escalated", {
      integrationId: botIntegrationId,
      channel: "C100",
      text: TEXT,
    });

    expect(outcome).toMatchObject({ status: "executed" });
    expect(posts()).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
  });

  it("leaves a long Retry-After to the state machine's retry, and posts exactly one message", async () => {
    // Longer than the action waits inline (3 s): the step is retried with backoff instead.
    slack.rateLimitNext(1, 60);
    const { outcome } = await notifyOnce("renewal_soon", {
      integrationId: hookIntegrationId,
      text: "Renewal for {company}",
    });

    expect(outcome).toMatchObject({ status: "executed" });
    expect(slack.requests.filter((r) => r.path === HOOK_PATH)).toHaveLength(2);
    expect(slack.messages).toEqual([expect.objectContaining({ text: "Renewal for Acme &lt;!channel&gt;" })]);
  });

  it("a post answered 502 after Slack posted it is found in the channel's history: executed, one message", async () => {
    // The fault seam: Slack takes the post, and the answer is lost (a gateway's 502).
    slack.actThenFailNext(1, { status: 502, body: "<html>Bad gateway</html>" }, "/api/chat.postMessage");
    const { accountId, momentId, outcome } = await notifyOnce("case_reopened", {
      integrationId: botIntegrationId,
      channel: "C100",
      text: TEXT,
    });

    expect(slack.messages).toHaveLength(1);
    expect(outcome).toEqual({
      status: "executed",
      detail: { via: "bot_token", channel: "C100", ts: slack.messages[0]?.ts, reconciled: "history" },
    });
    expect(posts()).toHaveLength(1);
    const lookups = slack.requests.filter((r) => r.path === "/api/conversations.history");
    expect(lookups[0]).toMatchObject({
      method: "GET",
      authorization: `Bearer ${BOT_TOKEN}`,
      query: { channel: "C100", include_all_metadata: "true", inclusive: "true" },
    });
    await ranNextStep(accountId);
    const stats = await s.stats<{ steps: Record<string, { failed: number; executed: number }> }>(momentId);
    expect(stats.steps).toMatchObject({ notify: { executed: 1, failed: 0 } });
  });

  it("a post answered 502 that Slack never took is not in the history: posted again, exactly once", async () => {
    slack.failNext(1, { status: 502, body: "<html>Bad gateway</html>" }, "/api/chat.postMessage");
    const { outcome } = await notifyOnce("case_reassigned", {
      integrationId: botIntegrationId,
      channel: "C100",
      text: TEXT,
    });

    expect(outcome).toMatchObject({ status: "executed", detail: { via: "bot_token", channel: "C100" } });
    expect(posts()).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
    expect(slack.requests.filter((r) => r.path === "/api/conversations.history").length).toBeGreaterThan(0);
  });

  it("an incoming-webhook post answered 502 after Slack posted it cannot be looked up: outcome_unknown, one message", async () => {
    slack.actThenFailNext(1, { status: 502, body: "<html>Bad gateway</html>" }, HOOK_PATH);
    const { accountId, outcome } = await notifyOnce("case_reopened_hook", {
      integrationId: hookIntegrationId,
      text: TEXT,
    });

    expect(outcome).toEqual({
      status: "failed",
      reason:
        "outcome_unknown: Slack answered HTTP 502 to the incoming webhook call, which may have posted the message; not retried, so it is never sent twice",
    });
    expect(slack.messages).toHaveLength(1);
    await ranNextStep(accountId);
  });

  describe("a post in doubt when its run ends", () => {
    /** A running moment that posts, and runs until `end`: its run can end while the post is in doubt. */
    async function postUntilResolved() {
      const event = unique("ticket_opened");
      const end = unique("ticket_solved");
      const momentId = await s.runningMoment({
        name: unique("Tell CS until solved"),
        goal: "recover",
        start: { event },
        end: [{ outcome: "success", event: end }],
        steps: [
          {
            id: "notify",
            delay: { amount: 0, unit: "hours" },
            action: { type: "send_slack", integrationId: botIntegrationId, channel: "C100", text: TEXT },
          },
        ],
      });
      const accountId = unique("acct");
      await s.track({ event, accountId, traits: { company: "Acme", case_owner_email: "owner@acme.com" } });
      const runId = await s.runId(accountId, momentId);
      // Slack has the message (its answer lost or late): end the run now, while the step is in doubt.
      await waitFor(async () => slack.messages.length === 1, { timeoutMs: 20_000, description: "the post" });
      await s.track({ event: end, accountId });
      return { momentId, runId };
    }

    /** The step, once a lookup has settled it executed (it may read skipped for a moment before). */
    const settledExecuted = (runId: string) =>
      waitFor(
        async () => {
          const run = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
          const step = run.body.steps.find((record) => record.stepId === "notify");
          return step?.status === "executed" ? { run: run.body, step } : undefined;
        },
        { timeoutMs: 30_000, description: "the post recorded executed" },
      );

    it("the answer never came, and the run ended before the post timed out: looked up, executed, one message", async () => {
      // Slack posts it and never answers: the step times out in doubt after its run ended.
      slack.stallNext(1, "/api/chat.postMessage");
      const { momentId, runId } = await postUntilResolved();

      const { run, step } = await settledExecuted(runId);
      await s.stack.idle();

      expect(run.status).toBe("success");
      expect(step.outcome).toEqual({
        status: "executed",
        detail: { via: "bot_token", channel: "C100", ts: slack.messages[0]?.ts, reconciled: "history" },
      });
      expect(posts()).toHaveLength(1);
      expect(slack.messages).toHaveLength(1);
      expect(slack.requests.filter((r) => r.path === "/api/conversations.history").length).toBeGreaterThan(0);
      const stats = await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId);
      expect(stats.steps.notify).toMatchObject({ executed: 1 });
      expect(stats.steps.notify?.skipped ?? 0).toBe(0);
    });

    it("answered 502 after Slack posted it, the run ended during the wait: executed, one message", async () => {
      slack.actThenFailNext(1, { status: 502, body: "<html>Bad gateway</html>" }, "/api/chat.postMessage");
      const { momentId, runId } = await postUntilResolved();

      const { run } = await settledExecuted(runId);
      await s.stack.idle();

      expect(run.status).toBe("success");
      expect(posts()).toHaveLength(1);
      expect(slack.messages).toHaveLength(1);
      const stats = await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId);
      expect(stats.steps.notify).toMatchObject({ executed: 1 });
      expect(stats.steps.notify?.skipped ?? 0).toBe(0);
    });

    it("its lookup execution aborted (StopExecution, as an operator would): a fresh lookup settles it, executed, one message", async () => {
      const stateMachineArn = process.env[Env.stateMachineArn] ?? "";
      const sfn = new SFNClient({ endpoint: process.env.AWS_ENDPOINT_URL_SFN });
      const statusOf = async (name: string) =>
        (
          await sfn
            .send(new DescribeExecutionCommand({ executionArn: executionArn(stateMachineArn, name) }))
            .catch(() => undefined)
        )?.status;
      try {
        slack.actThenFailNext(1, { status: 502, body: "<html>Bad gateway</html>" }, "/api/chat.postMessage");
        // The first read of the history never answers: the lookup is still running when aborted.
        slack.stallNext(1, "/api/conversations.history");
        const { momentId, runId } = await postUntilResolved();
        const lookup = lookupExecutionName(runId, "notify");
        await waitFor(async () => (await statusOf(lookup)) === "RUNNING", {
          timeoutMs: 20_000,
          description: "the lookup running",
        });
        await sfn.send(
          new StopExecutionCommand({
            executionArn: executionArn(stateMachineArn, lookup),
            cause: "operator",
          }),
        );

        const { run } = await settledExecuted(runId);
        await s.stack.idle();

        expect(run.status).toBe("success");
        expect(await statusOf(lookup)).toBe("ABORTED");
        expect(await statusOf(lookupRedriveName(runId, "notify", 1))).toBe("SUCCEEDED");
        expect(await statusOf(lookupRedriveName(runId, "notify", 2))).toBeUndefined();
        expect(posts()).toHaveLength(1);
        expect(slack.messages).toHaveLength(1);
        const stats = await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId);
        expect(stats.steps.notify).toMatchObject({ executed: 1 });
        expect(stats.steps.notify?.skipped ?? 0).toBe(0);
      } finally {
        sfn.destroy();
      }
    });
  });

  it("records a permanent failure with Slack's error, and the run goes on to its next step", async () => {
    const { accountId, momentId, outcome } = await notifyOnce("case_lost", {
      integrationId: botIntegrationId,
      channel: "C-gone",
      text: TEXT,
    });

    expect(outcome).toEqual({ status: "failed", reason: "slack: channel_not_found" });
    // Refused for good: asked once, not retried.
    expect(posts()).toHaveLength(1);
    expect(slack.messages).toEqual([]);
    await ranNextStep(accountId);
    const stats = await s.stats<{ steps: Record<string, { failed: number; executed: number }> }>(momentId);
    expect(stats.steps).toMatchObject({ notify: { failed: 1 }, after: { executed: 1 } });
  });
});
