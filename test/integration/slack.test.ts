/**
 * send_slack on the local stack against a local fake of Slack (test/support/fake-slack.ts), which
 * checks method, path, auth, content type and body as Slack does. Integrations are created over
 * HTTP; moments run the action for real: a bot-token post with a real mention, an incoming-webhook
 * post, a transient failure then success (one message, not two), and a permanent failure recorded
 * with Slack's error while the run carries on to its next step.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { documentClient } from "../../shared/adapters/clients.js";
import { Env } from "../../shared/contracts/functions.js";
import { keys } from "../../shared/contracts/table.js";
import type { StepOutcome } from "../../shared/contracts/workflow.js";
import { runIdFor } from "../../shared/domain/ids.js";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack.js";
import { apiClient } from "../support/local-api.js";
import { waitFor } from "../support/wait-for.js";

const BOT_TOKEN = "xoxb-100000000001-200000000002-integrationTest";
const HOOK_PATH = "/services/T00000001/B00000001/incomingHookSecretPath";
const WEBHOOK_URL = `https://hooks.slack.com${HOOK_PATH}`;

let stack: LocalStack;
let slack: FakeSlack;
let api: ReturnType<typeof apiClient>;
let writeKey = "";
let sourceId = "";
let botIntegrationId = "";
let hookIntegrationId = "";

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.addWorkspace(
    BOT_TOKEN,
    [
      { id: "C100", name: "cs-alerts", is_member: true },
      { id: "C200", name: "sales", is_member: false },
    ],
    { users: [{ id: "U0OWNER", email: "owner@acme.com" }] },
  );
  slack.addWebhook(HOOK_PATH, { id: "C300", name: "renewals", is_member: true });
  stack = await startLocalStack({
    port: 0,
    timeScale: 0,
    logLevel: "CRITICAL",
    env: { [Env.slackApiBaseUrl]: slack.baseUrl, [Env.slackWebhookBaseUrl]: slack.webhookBaseUrl },
  });
  api = apiClient(stack.apiUrl);
  const source = await api<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
    key: stack.adminKey,
    body: { name: "Slack tests" },
  });
  expect(source.status).toBe(201);
  writeKey = source.body.writeKey;
  sourceId = source.body.id;
  const bot = await api<{ id: string }>("POST", "/v1/admin/integrations", {
    key: stack.adminKey,
    body: { kind: "slack", name: "CS bot", botToken: BOT_TOKEN },
  });
  const hook = await api<{ id: string }>("POST", "/v1/admin/integrations", {
    key: stack.adminKey,
    body: { kind: "slack", name: "Renewals channel", webhookUrl: WEBHOOK_URL },
  });
  expect([bot.status, hook.status]).toEqual([201, 201]);
  botIntegrationId = bot.body.id;
  hookIntegrationId = hook.body.id;
});

afterAll(async () => {
  await stack?.stop();
  await slack?.stop();
});

beforeEach(() => {
  slack.reset();
});

afterEach(async () => {
  // Nothing of one test may still be in flight when the next one resets the fake.
  await stack.idle();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

const TEXT = "Case for {company}: @{case_owner_email} please look";

/** A running moment: the Slack step, then an attribute update showing the run went on. */
async function slackMoment(event: string, slackAction: Record<string, unknown>) {
  const created = await api<{ id: string }>("POST", "/v1/admin/moments", {
    key: stack.adminKey,
    body: {
      name: "Tell CS on Slack",
      goal: "recover",
      sourceIds: [sourceId],
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
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const running = await api("POST", `/v1/admin/moments/${created.body.id}/status`, {
    key: stack.adminKey,
    body: { status: "running" },
  });
  expect(running.status).toBe(200);
  return created.body.id;
}

/** Sends the start event; answers the run's id (derived from the event, as the engine does). */
async function track(event: string, momentId: string, accountId: string) {
  const messageId = unique("msg");
  const response = await api("POST", "/v1/events", {
    key: writeKey,
    body: {
      event,
      accountId,
      messageId,
      traits: { company: "Acme <!channel>", case_owner_email: "owner@acme.com" },
    },
  });
  expect(response.status).toBe(202);
  return runIdFor(stack.workspaceId, momentId, accountId, messageId);
}

/** The step's record as the engine wrote it, once it has an outcome. */
async function stepOutcome(runId: string, stepId: string): Promise<StepOutcome> {
  const db = documentClient();
  return waitFor(
    async () => {
      const { Item } = await db.send(
        new GetCommand({
          TableName: "moments",
          Key: keys.runStep(stack.workspaceId, runId, stepId),
          ConsistentRead: true,
        }),
      );
      return (Item?.outcome as StepOutcome | undefined) ?? false;
    },
    { timeoutMs: 15_000, description: `step ${stepId} recorded` },
  );
}

/** Whether the run went on to its next step (it sets an account trait). */
async function ranNextStep(accountId: string) {
  return waitFor(
    async () => {
      const view = await api<{ traits: Record<string, unknown> }>("GET", `/v1/admin/accounts/${accountId}`, {
        key: stack.adminKey,
      });
      return view.body.traits?.slack_step_passed === true;
    },
    { timeoutMs: 15_000, description: "the step after the Slack step" },
  );
}

const posts = () => slack.requests.filter((r) => r.path === "/api/chat.postMessage");

describe("send_slack on the local stack", () => {
  it("posts through the bot token with a real mention, the values escaped", async () => {
    const event = unique("case_opened");
    const momentId = await slackMoment(event, {
      integrationId: botIntegrationId,
      channel: "cs-alerts",
      text: TEXT,
    });
    const accountId = unique("acct");
    const runId = await track(event, momentId, accountId);

    const outcome = await stepOutcome(runId, "notify");

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
    const event = unique("renewal_due");
    const momentId = await slackMoment(event, { integrationId: hookIntegrationId, text: TEXT });
    const accountId = unique("acct");
    const runId = await track(event, momentId, accountId);

    const outcome = await stepOutcome(runId, "notify");

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
        mentionFallbacks: "owner@acme.com",
        mentionFallbackReasons: "incoming_webhook",
      },
    });
  });

  it("retries a post Slack answered 503, and posts exactly one message", async () => {
    slack.failNext(1, { status: 503, body: "service unavailable" }, "/api/chat.postMessage");
    const event = unique("case_escalated");
    const momentId = await slackMoment(event, {
      integrationId: botIntegrationId,
      channel: "C100",
      text: TEXT,
    });
    const runId = await track(event, momentId, unique("acct"));

    const outcome = await stepOutcome(runId, "notify");

    expect(outcome).toMatchObject({ status: "executed" });
    expect(posts()).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
  });

  it("leaves a long Retry-After to the state machine's retry, and posts exactly one message", async () => {
    // Longer than the action waits inline (5 s): the step is retried with backoff instead.
    slack.rateLimitNext(1, 60);
    const event = unique("renewal_soon");
    const momentId = await slackMoment(event, {
      integrationId: hookIntegrationId,
      text: "Renewal for {company}",
    });
    const runId = await track(event, momentId, unique("acct"));

    const outcome = await stepOutcome(runId, "notify");

    expect(outcome).toMatchObject({ status: "executed" });
    expect(slack.requests.filter((r) => r.path === HOOK_PATH)).toHaveLength(2);
    expect(slack.messages).toEqual([expect.objectContaining({ text: "Renewal for Acme &lt;!channel&gt;" })]);
  });

  it("records a permanent failure with Slack's error, and the run goes on to its next step", async () => {
    const event = unique("case_lost");
    const momentId = await slackMoment(event, {
      integrationId: botIntegrationId,
      channel: "C-gone",
      text: TEXT,
    });
    const accountId = unique("acct");
    const runId = await track(event, momentId, accountId);

    const outcome = await stepOutcome(runId, "notify");

    expect(outcome).toEqual({ status: "failed", reason: "slack: channel_not_found" });
    // Refused for good: asked once, not retried.
    expect(posts()).toHaveLength(1);
    expect(slack.messages).toEqual([]);
    await ranNextStep(accountId);
    const stats = await api<{ steps: Record<string, { failed: number; executed: number }> }>(
      "GET",
      `/v1/admin/moments/${momentId}/stats`,
      { key: stack.adminKey },
    );
    expect(stats.body.steps).toMatchObject({ notify: { failed: 1 }, after: { executed: 1 } });
  });
});
