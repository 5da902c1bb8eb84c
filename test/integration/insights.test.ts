/**
 * Insights on the local stack: stats summed over their shards, the account view answering "why
 * didn't this account enter?", observed events with the moments using them, promoting one to a
 * draft, and none of it visible to another workspace.
 *
 * Decisions, recent events, observed events and stats are seeded through the DynamoDB adapters,
 * against the stack's own table (what the matcher and run engine write through them); everything
 * is read back over HTTP. The account's run comes from a real event through the pipeline.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoInsightsRepository } from "../../shared/adapters/dynamodb/insights-repository.js";
import { DynamoStatsRepository } from "../../shared/adapters/dynamodb/stats-repository.js";
import { STATS_SHARDS } from "../../shared/contracts/table.js";
import { describeCondition, MAX_SAMPLE_PROPERTIES } from "../../shared/domain/insights.js";
import { apiClient } from "../support/local-api.js";
import { type SharedStack, sharedLocalStack } from "../support/shared-stack.js";
import { waitFor } from "../support/wait-for.js";

const TABLE = "moments";

let stack: SharedStack;
let api: ReturnType<typeof apiClient>;
let db: DynamoDBDocumentClient;
let insights: DynamoInsightsRepository;
let stats: DynamoStatsRepository;
let ws = "";
let momentId = "";
let writeKey = "";
let keyB = "";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

beforeAll(async () => {
  stack = await sharedLocalStack();
  api = apiClient(stack.apiUrl);
  ws = stack.workspaceId;
  // The stack pointed the SDK at its DynamoDB (AWS_ENDPOINT_URL_DYNAMODB): these write into its table.
  db = documentClient();
  insights = new DynamoInsightsRepository(db, TABLE);
  stats = new DynamoStatsRepository(db, TABLE);

  const source = await api<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
    key: stack.adminKey,
    body: { name: "Billing" },
  });
  expect(source.status).toBe(201);
  writeKey = source.body.writeKey;
  const moment = await api<{ id: string }>("POST", "/v1/admin/moments", {
    key: stack.adminKey,
    body: {
      name: "Dunning",
      goal: "recover",
      sourceIds: [source.body.id],
      start: { event: "payment_failed", where: [{ field: "account.plan", op: "eq", value: "pro" }] },
      end: [{ outcome: "success", event: "invoice_paid" }],
      steps: [],
    },
  });
  expect(moment.status).toBe(201);
  momentId = moment.body.id;
  const running = await api("POST", `/v1/admin/moments/${momentId}/status`, {
    key: stack.adminKey,
    body: { status: "running" },
  });
  expect(running.status).toBe(200);

  const workspaceB = await api<{ adminKey: string }>("POST", "/v1/admin/workspaces", {
    key: stack.operatorKey,
    body: { name: "Tenant B" },
  });
  expect(workspaceB.status).toBe(201);
  keyB = workspaceB.body.adminKey;
});

afterAll(async () => {
  await stack?.stop();
});

describe("moment stats", () => {
  it("sums the counters of every shard", async () => {
    // Prepare: one entry per shard; two successes, one failure, on different shards
    for (let shard = 0; shard < STATS_SHARDS; shard++) {
      await stats.increment(ws, momentId, shard, { entered: 1, "steps.s1.executed": 1 });
    }
    await stats.increment(ws, momentId, 1, { success: 1, "feedback.positive": 2 });
    await stats.increment(ws, momentId, 6, { success: 1 });
    await stats.increment(ws, momentId, 3, { failed: 1, "steps.s1.executed": -1, "steps.s1.failed": 1 });

    // Act
    const response = await api("GET", `/v1/admin/moments/${momentId}/stats`, { key: stack.adminKey });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      momentId,
      entered: STATS_SHARDS,
      active: STATS_SHARDS - 3,
      succeeded: 2,
      failed: 1,
      stopped: 0,
      completed: 0,
      successRate: 66.7,
      failedRate: 33.3,
      steps: { s1: { executed: STATS_SHARDS - 1, skipped: 0, failed: 1 } },
      feedback: { positive: 2, neutral: 0, frustrated: 0 },
    });
  });

  it("is 404 for an unknown moment, and for another workspace's", async () => {
    expect((await api("GET", "/v1/admin/moments/nope/stats", { key: stack.adminKey })).status).toBe(404);
    const other = await api("GET", `/v1/admin/moments/${momentId}/stats`, { key: keyB });
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain("Dunning");
  });
});

describe("the account view", () => {
  it("shows traits, recent events, runs and the decisions that explain them, newest first", async () => {
    // Prepare: a real event enters the account in the moment
    const sent = await api("POST", "/v1/events", {
      key: writeKey,
      body: {
        event: "payment_failed",
        accountId: "acct_42",
        messageId: "msg-42-2",
        properties: { amount: 40 },
        traits: { plan: "pro", first_name: "Ada" },
      },
    });
    expect(sent.status).toBe(202);
    // ... and the log of what the matcher decided, written as the matcher writes it
    const earlier = ago(30);
    await insights.recordAccountEvent(ws, "acct_42", {
      messageId: "msg-42-1",
      event: "payment_failed",
      timestamp: earlier,
      receivedAt: earlier,
      propertyNames: ["amount"],
      sourceId: "src_billing",
    });
    await insights.recordDecisions({
      workspaceId: ws,
      accountId: "acct_42",
      messageId: "msg-42-1",
      event: "payment_failed",
      at: earlier,
      decisions: [
        {
          momentId,
          momentName: "Dunning",
          reason: "filter_failed",
          condition: describeCondition({ field: "account.plan", op: "eq", value: "pro" }),
        },
      ],
    });
    await insights.recordDecisions({
      workspaceId: ws,
      accountId: "acct_42",
      messageId: "msg-42-2",
      event: "payment_failed",
      at: ago(1),
      decisions: [{ momentId, momentName: "Dunning", reason: "started", runId: "run-42" }],
    });

    // Act: the run shows up once the pipeline has entered the account
    const view = await waitFor(
      async () => {
        const response = await api<{ runs: { momentId: string }[] }>("GET", "/v1/admin/accounts/acct_42", {
          key: stack.adminKey,
        });
        return response.status === 200 && response.body.runs.length > 0 ? response.body : undefined;
      },
      { timeoutMs: 10_000, description: "the account's run in the account view" },
    );

    // Assess
    expect(view).toMatchObject({
      accountId: "acct_42",
      traits: { plan: "pro", first_name: "Ada" },
      runs: [{ momentId, momentName: "Dunning", status: "active" }],
    });
    const decisions = (view as unknown as { decisions: Record<string, unknown>[] }).decisions;
    const seeded = decisions.filter((d) => d.messageId === "msg-42-1" || d.runId === "run-42");
    expect(seeded.map((d) => [d.messageId, d.outcome, d.message])).toEqual([
      ["msg-42-2", "started", "Started run run-42"],
      ["msg-42-1", "skipped", 'Not started: a condition did not hold: account.plan eq "pro"'],
    ]);
    // Newest first across the whole log, whoever wrote it.
    const times = decisions.map((d) => String(d.at));
    expect([...times].sort().reverse()).toEqual(times);
    const events = (view as unknown as { recentEvents: Record<string, unknown>[] }).recentEvents;
    expect(events).toContainEqual({
      messageId: "msg-42-1",
      event: "payment_failed",
      timestamp: earlier,
      receivedAt: earlier,
      propertyNames: ["amount"],
      sourceId: "src_billing",
    });
    expect(seeded[1]?.at).toBe(earlier);
  });

  it("is 404 for an account never seen, and for another workspace", async () => {
    expect((await api("GET", "/v1/admin/accounts/acct_never", { key: stack.adminKey })).status).toBe(404);
    expect((await api("GET", "/v1/admin/accounts/acct_42", { key: keyB })).status).toBe(404);
  });
});

describe("observed events", () => {
  it("lists each event name with its counts, sample and the moments using it", async () => {
    // Prepare
    const first = ago(20);
    const last = ago(5);
    await insights.observeEvent(ws, "invoice_paid", ["amount", "currency"], first, 1);
    await insights.observeEvent(ws, "invoice_paid", ["amount", "invoice_id"], ago(10), 5);
    await insights.observeEvent(ws, "invoice_paid", ["amount"], last, 5);
    for (let i = 0; i < 4; i++) {
      const names = Array.from({ length: 20 }, (_, j) => `p${String(i * 20 + j).padStart(2, "0")}`);
      await insights.observeEvent(ws, "wide event", names, ago(4), 2);
    }
    await insights.observeEvent(ws, "Page Viewed", [], ago(3), 7);

    // Act
    const response = await api<{ items: Record<string, unknown>[] }>("GET", "/v1/admin/observed-events", {
      key: stack.adminKey,
    });

    // Assess
    expect(response.status).toBe(200);
    const byName = new Map(response.body.items.map((item) => [item.name, item]));
    expect(byName.get("invoice_paid")).toEqual({
      name: "invoice_paid",
      count: 3,
      firstSeenAt: first,
      lastSeenAt: last,
      // "amount" was sampled by both shards: it leads.
      sampleProperties: ["amount", "currency", "invoice_id"],
      usedBy: [{ momentId, name: "Dunning", status: "running" }],
    });
    // Every event counted, but the sample stops growing at its cap (DynamoDB's size() condition).
    const wide = byName.get("wide event");
    expect(wide?.count).toBe(4);
    const sampled = (wide?.sampleProperties ?? []) as string[];
    expect(sampled.length).toBeLessThanOrEqual(MAX_SAMPLE_PROPERTIES);
    expect(sampled.length).toBeGreaterThanOrEqual(40);
    expect(byName.get("Page Viewed")).toMatchObject({ count: 1, usedBy: [] });
    const counts = response.body.items.map((item) => Number(item.count));
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });

  it("promotes an observed event to a draft moment, and 404s one never observed", async () => {
    // Prepare
    await insights.observeEvent(ws, "Trial 50% Used", ["plan"], ago(2), 0);

    // Act
    const promoted = await api<{ id: string }>(
      "POST",
      `/v1/admin/observed-events/${encodeURIComponent("Trial 50% Used")}/promote`,
      { key: stack.adminKey },
    );

    // Assess
    expect(promoted.status).toBe(201);
    const moment = await api("GET", `/v1/admin/moments/${promoted.body.id}`, { key: stack.adminKey });
    expect(moment.body).toMatchObject({
      name: "Trial 50% Used moment",
      goal: "other",
      status: "draft",
      start: { event: "Trial 50% Used" },
      steps: [],
    });
    const never = await api("POST", "/v1/admin/observed-events/never_seen/promote", { key: stack.adminKey });
    expect(never.status).toBe(404);
    // Another workspace never observed it.
    const other = await api("POST", `/v1/admin/observed-events/invoice_paid/promote`, { key: keyB });
    expect(other.status).toBe(404);
  });

  it("shows another workspace none of these events", async () => {
    const response = await api<{ items: { name: string }[] }>("GET", "/v1/admin/observed-events", {
      key: keyB,
    });
    expect(response.status).toBe(200);
    expect(response.body.items.map((item) => item.name)).not.toContain("invoice_paid");
  });
});
