/**
 * create_attio_task on the local stack, against a local fake of Attio's API
 * (test/support/fake-attio.ts) that ATTIO_API_BASE_URL points the action function at: a running
 * moment creates one task per account with its rendered content, deadline, linked record and
 * assignee; a 503 or a long 429 is retried by the state machine and still makes exactly one task;
 * a create Attio took whose answer was lost (the connection dropped, a gateway's 502) is found
 * among the linked record's tasks by the step's marker and recorded executed, one task; a create
 * in doubt that Attio never took is not found, and is created once more, one task; a create in
 * doubt whose run ends during the wait is still looked up and recorded executed; Attio's refusal
 * (unknown record, revoked token) fails the step with Attio's own words — never the token — and
 * the next step still runs.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeAttio, FakeAttioTask } from "../support/fake-attio.js";
import { type RunView, type SharedScenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const TOKEN = "attio_live_0123456789abcdefghijklmn";
const REVOKED_TOKEN = "attio_live_revoked_000000000000000";
const OWNER_ID = randomUUID();
/** The Attio company records the fake knows; any other id is "not found". */
const COMPANY_IDS = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

let s: SharedScenario;
let attio: FakeAttio;
let integrationId = "";
let revokedIntegrationId = "";

beforeAll(async () => {
  // The process's fake Attio (shared-stack.ts), reset for this file.
  s = await startSharedScenario("Attio tests");
  attio = s.attio;
  attio.addWorkspace(TOKEN, { records: { companies: COMPANY_IDS }, members: [OWNER_ID] });
  integrationId = await integration("CRM", TOKEN);
  revokedIntegrationId = await integration("Old CRM token", REVOKED_TOKEN);
});

afterAll(async () => {
  await s?.stop();
});

beforeEach(() => {
  attio.reset();
});

async function integration(name: string, accessToken: string) {
  const created = await s.admin<{ id: string }>("POST", "/v1/admin/integrations", {
    kind: "attio",
    name,
    accessToken,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

const taskStep = (overrides: Record<string, unknown> = {}) => ({
  id: "task",
  delay: { amount: 0, unit: "hours" },
  action: {
    type: "create_attio_task",
    integrationId,
    content: "Call {account.name}: their payment of {event.amount} failed",
    deadline: { amount: 2, unit: "days" },
    linkedRecord: { object: "companies", recordId: "{account.attio_record_id}" },
    assigneeId: "{account.owner_attio_id}",
  },
  ...overrides,
});

const runningMoment = (event: string, steps: unknown[]) =>
  s.runningMoment({ name: "Payment failed: tell the CSM", goal: "recover", start: { event }, steps });

async function track(event: string, accountId: string, recordId: string) {
  await s.track({
    event,
    accountId,
    traits: { name: `Acme ${accountId}`, attio_record_id: recordId, owner_attio_id: OWNER_ID },
    properties: { amount: "€49" },
  });
}

const tasksFor = (accountId: string): FakeAttioTask[] =>
  attio.tasks.filter((task) => task.content.includes(`Acme ${accountId}`));

const creates = () => attio.requests.filter((r) => r.method === "POST");
const lookups = () => attio.requests.filter((r) => r.method === "GET");

/** A step's outcome once recorded, as the run view shows it. */
const recorded = async (momentId: string, accountId: string, stepId: string) =>
  s.stepOutcome(await s.runId(accountId, momentId), stepId);

describe("create_attio_task", () => {
  it("creates one task with the rendered content, a deadline two days out, the account's record and owner", async () => {
    const event = unique("payment_failed");
    const momentId = await runningMoment(event, [taskStep()]);
    const accountId = unique("acct");
    const [recordId = ""] = COMPANY_IDS;
    const sentAt = Date.now();

    await track(event, accountId, recordId);

    const outcome = await recorded(momentId, accountId, "task");
    await s.stack.idle();
    const tasks = tasksFor(accountId);
    expect(tasks).toHaveLength(1);
    const [task] = tasks;
    expect(task?.content).toMatch(
      new RegExp(`^Call Acme ${accountId}: their payment of €49 failed\n\nmoments:[0-9a-f]{16}$`),
    );
    expect(task).toMatchObject({
      isCompleted: false,
      linkedRecords: [{ target_object: "companies", target_record_id: recordId }],
      assignees: [{ referenced_actor_type: "workspace-member", referenced_actor_id: OWNER_ID }],
    });
    const twoDays = 2 * 86_400_000;
    const deadline = Date.parse(task?.deadlineAt ?? "");
    expect(deadline).toBeGreaterThanOrEqual(sentAt + twoDays - 1_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + twoDays);
    expect(outcome).toEqual({ status: "executed", detail: { taskId: task?.taskId } });
    expect(attio.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it.each([
    ["retries after a 503 and creates exactly one task", () => attio.failNext(1, { status: 503 }), 1],
    [
      "hands a long Retry-After to the state machine's retries and still creates one task",
      () => attio.rateLimitNext(1, 60),
      2,
    ],
  ] as const)("%s", async (_behaviour, failFirstRequest, record) => {
    const event = unique("payment_failed");
    const momentId = await runningMoment(event, [taskStep()]);
    const accountId = unique("acct");
    failFirstRequest();

    await track(event, accountId, COMPANY_IDS[record] ?? "");

    expect(await recorded(momentId, accountId, "task")).toMatchObject({ status: "executed" });
    await s.stack.idle();
    expect(attio.requests).toHaveLength(2);
    expect(tasksFor(accountId)).toHaveLength(1);
  });

  it.each([
    ["the connection dropped after Attio created the task", () => attio.actThenDropNext(1)],
    ["a gateway answered 502 after Attio created the task", () => attio.actThenFailNext(1, { status: 502 })],
  ])(
    "finds the task among the record's tasks when %s: executed, one task, not created again",
    async (_what, loseTheAnswer) => {
      const event = unique("payment_failed");
      const momentId = await runningMoment(event, [
        taskStep(),
        {
          id: "after",
          delay: { amount: 0, unit: "hours" },
          action: { type: "update_attribute", scope: "account", attribute: "attio_step_passed", value: true },
        },
      ]);
      const accountId = unique("acct");
      const recordId = COMPANY_IDS[2] ?? "";
      loseTheAnswer();

      await track(event, accountId, recordId);

      const outcome = await recorded(momentId, accountId, "task");
      await s.traitSet(accountId, "attio_step_passed", true);
      await s.stack.idle();
      const tasks = tasksFor(accountId);
      expect(tasks).toHaveLength(1);
      expect(outcome).toEqual({
        status: "executed",
        detail: { taskId: tasks[0]?.taskId, reconciled: "task_list" },
      });
      expect(creates()).toHaveLength(1);
      const [lookup] = lookups();
      expect(lookup).toMatchObject({ path: "/v2/tasks", authorization: `Bearer ${TOKEN}` });
      expect(Object.fromEntries(new URL(lookup?.url ?? "", attio.baseUrl).searchParams)).toMatchObject({
        sort: "created_at:desc",
        linked_object: "companies",
        linked_record_id: recordId,
      });
      const stats = await s.stats<{ steps: Record<string, { failed: number; executed: number }> }>(momentId);
      expect(stats.steps).toMatchObject({ task: { executed: 1, failed: 0 } });
    },
  );

  it("creates the task once more when the create in doubt never reached Attio: exactly one task", async () => {
    const event = unique("payment_failed");
    const momentId = await runningMoment(event, [taskStep()]);
    const accountId = unique("acct");
    // A gateway's 502 before Attio acted: in doubt all the same, and the lookup finds nothing.
    attio.failNext(1, { status: 502, body: "<html>Bad gateway</html>" });

    await track(event, accountId, COMPANY_IDS[1] ?? "");

    const outcome = await recorded(momentId, accountId, "task");
    await s.stack.idle();
    const tasks = tasksFor(accountId);
    expect(tasks).toHaveLength(1);
    expect(outcome).toEqual({ status: "executed", detail: { taskId: tasks[0]?.taskId } });
    expect(creates()).toHaveLength(2);
    expect(lookups().length).toBeGreaterThan(0);
  });

  it("a create in doubt whose run ends during the wait is still looked up: executed, one task, not created again", async () => {
    const event = unique("payment_failed");
    const end = unique("payment_recovered");
    const momentId = await s.runningMoment({
      name: unique("Tell the CSM until recovered"),
      goal: "recover",
      start: { event },
      end: [{ outcome: "success", event: end }],
      steps: [taskStep()],
    });
    const accountId = unique("acct");
    attio.actThenDropNext(1);
    await track(event, accountId, COMPANY_IDS[0] ?? "");
    const runId = await s.runId(accountId, momentId);
    // Attio has the task, its answer lost: end the run while the step waits to look it up.
    await waitFor(async () => tasksFor(accountId).length === 1, {
      timeoutMs: 20_000,
      description: "the task",
    });
    await s.track({ event: end, accountId });

    const { run, task: step } = await waitFor(
      async () => {
        const run = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
        const task = run.body.steps.find((record) => record.stepId === "task");
        return run.body.status === "success" && task?.status === "executed"
          ? { run: run.body, task }
          : undefined;
      },
      { timeoutMs: 30_000, description: "the task step recorded executed after its run ended" },
    );
    await s.stack.idle();

    // Settled by the lookup after the run ended, not before it.
    expect(Date.parse("recordedAt" in step ? step.recordedAt : "")).toBeGreaterThanOrEqual(
      Date.parse(run.endedAt ?? ""),
    );
    expect(step.outcome).toEqual({
      status: "executed",
      detail: { taskId: tasksFor(accountId)[0]?.taskId, reconciled: "task_list" },
    });
    expect(tasksFor(accountId)).toHaveLength(1);
    expect(creates()).toHaveLength(1);
    const stats = await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId);
    expect(stats.steps.task).toMatchObject({ executed: 1 });
    expect(stats.steps.task?.skipped ?? 0).toBe(0);
  });

  it("fails the step with Attio's message when the record does not exist, and runs the next step", async () => {
    const event = unique("payment_failed");
    const momentId = await runningMoment(event, [
      taskStep({ onFailure: "continue" }),
      taskStep({
        id: "fallback",
        action: {
          type: "create_attio_task",
          integrationId,
          content: "{account.name}: link the company to Attio",
        },
      }),
    ]);
    const accountId = unique("acct");
    const unknownRecord = randomUUID();

    await track(event, accountId, unknownRecord);

    expect(await recorded(momentId, accountId, "task")).toEqual({
      status: "failed",
      reason: `attio: not_found: Record with ID "${unknownRecord}" not found.`,
    });
    expect(await recorded(momentId, accountId, "fallback")).toMatchObject({ status: "executed" });
    await s.stack.idle();
    expect(tasksFor(accountId).map((task) => task.content.split("\n")[0])).toEqual([
      `Acme ${accountId}: link the company to Attio`,
    ]);
    // A refusal is not retried.
    expect(attio.requests).toHaveLength(2);
  });

  it("fails the step on a revoked token without ever recording the token", async () => {
    const event = unique("payment_failed");
    const step = taskStep();
    const momentId = await runningMoment(event, [
      { ...step, action: { ...step.action, integrationId: revokedIntegrationId } },
    ]);
    const accountId = unique("acct");

    await track(event, accountId, COMPANY_IDS[3] ?? "");

    const outcome = await recorded(momentId, accountId, "task");
    expect(outcome).toEqual({
      status: "failed",
      reason: "attio: invalid_api_key: Invalid API key. (check the integration's access token)",
    });
    expect(JSON.stringify(outcome)).not.toContain(REVOKED_TOKEN);
    expect(attio.requests).toHaveLength(1);
    expect(attio.tasks).toHaveLength(0);
  });
});
