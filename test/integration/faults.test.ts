/**
 * Deterministic faults on the local stack, one case at a time, through the fault-injection seam
 * (infra/local/faults.ts: a proxy in front of each emulator, so the functions' real SDK clients meet
 * the faults). Each case pins one promise of issue 9: a lost answer never loses or doubles a send, a
 * send in doubt is reconciled from SES's own Send event, and DynamoDB being briefly unavailable in
 * any task fails no step and no run.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Faults } from "../../infra/local/faults.js";
import { LOCAL_CONFIGURATION_SET } from "../../infra/local/stack.js";
import { transientRetry } from "../../shared/contracts/workflow.js";
import { sentEmails } from "../support/local-api.js";
import { type RunView, type Scenario, startScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const faults = new Faults();
let s: Scenario;
let templateId = "";

beforeAll(async () => {
  // The plan's faults are at DynamoDB, SES and the task invokes (the local Step Functions applies
  // those itself): Step Functions and EventBridge are reached by message, without a proxy.
  s = await startScenario("Fault tests", { faults, faultProxies: ["dynamodb", "ses"] });
  const template = await s.admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Nudge",
    from: "team@acme.example",
    subject: "Hi {first_name}",
    text: "Hello {first_name}",
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.id;
});

afterAll(async () => {
  await s?.stop();
});

afterEach(async () => {
  // Every case's fault fired (a rule that never matched would make its case prove nothing).
  expect(faults.unusedRules()).toEqual([]);
  faults.clear();
  await s.stack.idle();
});

/** A fresh running moment that emails on a fresh event, and an account that triggers it. */
async function emailOnce() {
  const event = unique("nudge");
  const momentId = await s.runningMoment({
    name: unique("Nudge"),
    goal: "convert",
    start: { event },
    steps: [{ id: "email", delay: { amount: 0, unit: "hours" }, action: { type: "send_email", templateId } }],
  });
  const accountId = unique("acct");
  const address = `${accountId}@example.com`;
  return {
    momentId,
    accountId,
    address,
    event,
    go: async () => {
      await s.track({ event, accountId, traits: { first_name: "Ada", email: address } });
      const runId = await s.runId(accountId, momentId);
      return { runId, outcome: await s.stepOutcome(runId, "email") };
    },
  };
}

const emailsTo = async (address: string) =>
  (await sentEmails(s.stack.inboxUrl)).filter((email) =>
    email.destination.to.some((to) => to.includes(address)),
  );

const emailStats = async (momentId: string) =>
  (await s.stats<{ succeeded: number; steps: Record<string, Record<string, number>> }>(momentId)).steps
    .email ?? {};

/**
 * The Reject SES publishes after its message's Send (a virus found, no delivery attempted);
 * `attempt`: the attempt tag of the email it is about (none: an email sent before the tag).
 */
const rejectOf = (runId: string, address: string, messageId: string | undefined, attempt?: string) => ({
  eventType: "Reject",
  mail: {
    timestamp: new Date().toISOString(),
    messageId,
    destination: [address],
    tags: {
      "ses:configuration-set": [LOCAL_CONFIGURATION_SET],
      workspace: [s.stack.workspaceId],
      run: [runId],
      step: ["email"],
      ...(attempt === undefined ? {} : { attempt: [attempt] }),
    },
  },
  reject: { reason: "Bad content" },
});

const rejectedStep = (runId: string) =>
  waitFor(
    async () => {
      const run = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
      const record = run.body.steps.find((candidate) => candidate.stepId === "email");
      return record?.status === "failed" ? record : undefined;
    },
    { timeoutMs: 10_000, description: "the step corrected by the Reject" },
  );

describe("faults at the SES layer", () => {
  it("an answer lost after SES took the email: reconciled from the Send event, one email, executed", async () => {
    const { address, go } = await emailOnce();
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "drop" });

    const { outcome } = await go();

    expect(outcome).toMatchObject({ status: "executed", detail: { reconciled: "send_event" } });
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it("a 500 before SES took it: no Send event within the window, so it is sent again, once", async () => {
    const { address, go } = await emailOnce();
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "500" });

    const { outcome } = await go();

    expect(outcome).toMatchObject({ status: "executed" });
    expect(outcome).not.toMatchObject({ detail: { reconciled: expect.anything() } });
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it("settled executed from the Send event, then SES's Reject of that email comes: the Reject prevails (failed, rejected), counted once", async () => {
    const { momentId, address, go } = await emailOnce();
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "drop" });
    const { runId, outcome } = await go();
    expect(outcome).toMatchObject({ status: "executed", detail: { reconciled: "send_event" } });
    const messageId = outcome.status === "executed" ? outcome.detail?.messageId : undefined;

    await s.stack.publishSesEvent("Email Rejected", rejectOf(runId, address, messageId));
    await s.stack.idle();

    const step = await rejectedStep(runId);
    expect(step.outcome).toMatchObject({ reason: "rejected: Bad content" });
    expect(await emailStats(momentId)).toMatchObject({ failed: 1, executed: 0 });
  });

  it("recorded executed from SES's answer (nothing lost), then SES's Reject of that email comes: failed, rejected, counted once, the run's end unchanged", async () => {
    const { momentId, address, go } = await emailOnce();
    const { runId, outcome } = await go();
    expect(outcome.status).toBe("executed");
    expect(outcome).not.toMatchObject({ detail: { reconciled: "send_event" } });
    const messageId = outcome.status === "executed" ? outcome.detail?.messageId : undefined;
    const before = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);

    // Delivered twice, as EventBridge may.
    await s.stack.publishSesEvent("Email Rejected", rejectOf(runId, address, messageId));
    await s.stack.publishSesEvent("Email Rejected", rejectOf(runId, address, messageId));
    await s.stack.idle();

    const step = await rejectedStep(runId);
    expect(step.outcome).toMatchObject({ reason: "rejected: Bad content" });
    expect(await emailStats(momentId)).toMatchObject({ failed: 1, executed: 0 });
    // The run moved on with the step executed: the correction does not end it again.
    const after = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
    expect(after.body.status).toBe(before.body.status);
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it("a send in doubt (a 500: SES did not take it) meets the late Reject of another attempt's email: its claim is not settled by it, and after the wait it is sent once, executed", async () => {
    const { momentId, accountId, address, event } = await emailOnce();
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "500" });
    await s.track({ event, accountId, traits: { first_name: "Ada", email: address } });
    const runId = await s.runId(accountId, momentId);
    await waitFor(
      async () => {
        const run = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
        return run.body.steps.find((step) => step.stepId === "email")?.status === "claimed";
      },
      { timeoutMs: 20_000, description: "the email step claimed" },
    );

    // SES's Reject of an email an earlier attempt sent (as after a take-over), while this one is in doubt.
    await s.stack.publishSesEvent(
      "Email Rejected",
      rejectOf(runId, address, "ses-earlier", "an-earlier-attempt"),
    );

    const outcome = await s.stepOutcome(runId, "email");
    expect(outcome).toMatchObject({ status: "executed" });
    expect(await emailsTo(address)).toHaveLength(1);
    expect(await emailStats(momentId)).toMatchObject({ executed: 1 });
    expect((await emailStats(momentId)).failed ?? 0).toBe(0);
  });

  it("throttling (SES did not take it) is retried by the state machine: one email", async () => {
    const { address, go } = await emailOnce();
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "throttle", times: 2 });

    expect((await go()).outcome).toMatchObject({ status: "executed" });
    expect(await emailsTo(address)).toHaveLength(1);
  });
});

describe("an end rule matching while an email step waits for SES's evidence", () => {
  /** A moment whose run stays active until `end`; its first step emails. */
  async function emailUntilPaid() {
    const event = unique("trial");
    const end = unique("paid");
    const momentId = await s.runningMoment({
      name: unique("Until paid"),
      goal: "convert",
      start: { event },
      end: [{ outcome: "success", event: end }],
      steps: [
        { id: "email", delay: { amount: 0, unit: "hours" }, action: { type: "send_email", templateId } },
      ],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await s.track({ event, accountId, traits: { first_name: "Ada", email: address } });
    const runId = await s.runId(accountId, momentId);
    return { momentId, accountId, address, runId, end: () => s.track({ event: end, accountId }) };
  }

  const stepOf = async (runId: string) => {
    const view = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
    return view.body.steps.find((step) => step.stepId === "email");
  };
  it("SES took it (its answer lost): the Send event settles the step executed, one email, counted once", async () => {
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "drop" });
    const { momentId, address, runId, end } = await emailUntilPaid();
    // SES has the email; the step is in doubt (or just settling): end the run now.
    await waitFor(async () => (await emailsTo(address)).length === 1, {
      timeoutMs: 20_000,
      description: "the email SES took",
    });
    await end();
    await s.stack.idle();

    expect(await stepOf(runId)).toMatchObject({ status: "executed" });
    expect(await emailsTo(address)).toHaveLength(1);
    expect(await emailStats(momentId)).toMatchObject({ executed: 1 });
    expect((await emailStats(momentId)).skipped ?? 0).toBe(0);
  });

  it("SES did not take it (a 500): the step is never left claimed, and its record matches what was sent", async () => {
    faults.once({ service: "ses", operation: "SendRawEmail", fault: "500" });
    const { momentId, address, runId, end } = await emailUntilPaid();
    // Claimed, and (a moment later) in doubt after SES's 500: end the run during the wait.
    await waitFor(async () => (await stepOf(runId))?.status === "claimed", {
      timeoutMs: 20_000,
      description: "the email step claimed",
    });
    await end();
    await s.stack.idle();

    const step = await stepOf(runId);
    const sent = (await emailsTo(address)).length;
    // Usually the end wins the wait (skipped, nothing sent); if the retry came first, it sent once.
    expect(
      step?.status === "skipped" ? sent === 0 : step?.status === "executed" && sent === 1,
      `${JSON.stringify(step)}, ${sent} email(s)`,
    ).toBe(true);
    const stats = await emailStats(momentId);
    expect((stats.executed ?? 0) + (stats.skipped ?? 0)).toBe(1);
    expect(stats.executed ?? 0).toBe(sent);
  });
});

describe("an execution that fails outside the engine", () => {
  it("completing the run fails through every retry: the execution fails, and its status change ends the run as failed, exit steps run", async () => {
    const event = unique("signup");
    const momentId = await s.runningMoment({
      name: unique("Dies"),
      goal: "convert",
      start: { event },
      steps: [
        { id: "email", delay: { amount: 0, unit: "hours" }, action: { type: "send_email", templateId } },
        {
          id: "sorry",
          phase: "exit",
          delay: { amount: 0, unit: "hours" },
          action: { type: "send_notification", title: "Sorry", body: "Something went wrong" },
        },
      ],
    });
    // Every attempt of the CompleteRun task (1 + its retries, each with the SDK's own retries) fails.
    const before = faults.stats().dynamodb["500"];
    faults.once({
      service: "dynamodb",
      operation: "TransactWriteItems",
      bodyIncludes: '"steps_done"',
      fault: "500",
      times: 1_000,
    });
    const accountId = unique("acct");
    await s.track({ event, accountId, traits: { first_name: "Ada", email: `${accountId}@example.com` } });
    const runId = await s.runId(accountId, momentId);

    const run = await s.recordedRun(runId, ["email", "sorry"]);
    // The task was retried through its whole policy before the execution failed.
    expect(faults.stats().dynamodb["500"] - before).toBeGreaterThan(transientRetry.MaxAttempts);
    faults.clear();
    expect(run).toMatchObject({ status: "failed", endedBy: "execution_failed" });
    expect(run.steps.find((step) => step.stepId === "sorry")).toMatchObject({ status: "executed" });
    const memberships = await s.admin<{ items: Array<{ accountId: string; status: string }> }>(
      "GET",
      `/v1/admin/moments/${momentId}/accounts?status=all`,
    );
    expect(memberships.body.items.find((m) => m.accountId === accountId)?.status).toBe("failed");
    expect(await s.stats(momentId)).toMatchObject({ entered: 1, active: 0, failed: 1, completed: 0 });
  });
});

describe("an SES event the ses-feedback function fails on", () => {
  it("Lambda's three attempts fail: the event is in FeedbackDeadLetterQueue, Lambda's record with the event and the error, and the address is not suppressed", async () => {
    const address = `${unique("bounced")}@example.com`;
    // The table refuses every write of this address's suppression (each attempt's SDK retries included).
    faults.once({
      service: "dynamodb",
      operation: "PutItem",
      bodyIncludes: address,
      fault: "500",
      times: 1_000,
    });
    const before = s.stack.invocationDeadLetters("FeedbackDeadLetterQueue").length;

    await s.stack.publishSesEvent("Email Bounced", {
      eventType: "Bounce",
      bounce: {
        bounceType: "Permanent",
        bounceSubType: "General",
        bouncedRecipients: [{ emailAddress: address }],
        timestamp: new Date().toISOString(),
      },
      mail: {
        timestamp: new Date().toISOString(),
        messageId: unique("ses"),
        destination: [address],
        tags: { "ses:configuration-set": [LOCAL_CONFIGURATION_SET], workspace: [s.stack.workspaceId] },
      },
    });
    const letters = await waitFor(
      () => {
        const all = s.stack.invocationDeadLetters("FeedbackDeadLetterQueue").slice(before);
        return all.length > 0 && all;
      },
      { description: "the dead letter" },
    );
    faults.clear();
    await s.stack.idle();

    expect(letters).toHaveLength(1);
    const record = JSON.parse(letters[0]?.body ?? "{}");
    expect(record).toMatchObject({
      requestContext: {
        functionArn: expect.stringMatching(/:function:moments-ses-feedback:\$LATEST$/),
        condition: "RetriesExhausted",
        approximateInvokeCount: 3,
      },
      requestPayload: {
        source: "aws.ses",
        "detail-type": "Email Bounced",
        detail: { bounce: { bouncedRecipients: [{ emailAddress: address }] } },
      },
      responseContext: { functionError: "Unhandled" },
      responsePayload: { errorMessage: expect.any(String) },
    });
    // Nothing else went there, and the other queue is untouched by it.
    expect(s.stack.invocationDeadLetters("FeedbackDeadLetterQueue").slice(before)).toHaveLength(1);
    const suppressions = await s.admin<{ items: Array<{ address: string }> }>(
      "GET",
      "/v1/admin/suppressions",
    );
    expect(suppressions.status).toBe(200);
    expect(suppressions.body.items.filter((item) => item.address === address)).toEqual([]);
  });
});

describe("faults at the DynamoDB layer", () => {
  it("the claim's answer lost (the SDK's retry meets its own claim): the email still goes, once", async () => {
    const { address, go } = await emailOnce();
    faults.once({ service: "dynamodb", operation: "PutItem", bodyIncludes: '"claimed"', fault: "drop" });

    expect((await go()).outcome).toMatchObject({ status: "executed" });
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it("DynamoDB unavailable when the outcome is recorded after the send: recorded executed, not failed, one email", async () => {
    const { address, go } = await emailOnce();
    // Three 503s exhaust the SDK's attempts of the record's transaction; the state machine records it.
    faults.once({
      service: "dynamodb",
      operation: "TransactWriteItems",
      bodyIncludes: '"executed"',
      fault: "503",
      times: 3,
    });

    expect((await go()).outcome).toMatchObject({
      status: "executed",
      detail: { messageId: expect.any(String) },
    });
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it("DynamoDB throttling the run read of every attempt for a while: the step waits, then runs", async () => {
    const { address, go } = await emailOnce();
    faults.once({
      service: "dynamodb",
      operation: "GetItem",
      // The wake-up's read of the run (its status and pinned steps).
      bodyIncludes: '"sk":{"S":"RUN"}',
      fault: "throttle",
      times: 6,
    });

    expect((await go()).outcome).toMatchObject({ status: "executed" });
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it("completing the run fails for a while: the run still completes (never left active)", async () => {
    const { go, momentId, accountId } = await emailOnce();
    faults.once({
      service: "dynamodb",
      operation: "TransactWriteItems",
      bodyIncludes: '"steps_done"',
      fault: "500",
      times: 5,
    });

    await go();

    await s.stack.idle();
    const memberships = await s.admin<{ items: Array<{ accountId: string; status: string }> }>(
      "GET",
      `/v1/admin/moments/${momentId}/accounts?status=all`,
    );
    expect(memberships.body.items.find((m) => m.accountId === accountId)?.status).toBe("completed");
  });
});

describe("a wake-up's step that failed for good, its record's answer lost", () => {
  it("the record's retry records the same step again (a no-op): the next zero-delay step still runs, once", async () => {
    const event = unique("signup");
    const momentId = await s.runningMoment({
      name: unique("Two at once"),
      goal: "activate",
      start: { event },
      steps: [
        {
          id: "first",
          delay: { amount: 0, unit: "hours" },
          action: { type: "send_notification", title: "One", body: "First" },
        },
        {
          id: "second",
          delay: { amount: 0, unit: "hours" },
          action: { type: "send_notification", title: "Two", body: "Second" },
        },
      ],
    });
    // The wake-up's task fails through every retry before it acts (Lambda throttled it 17 times).
    faults.once({
      service: "lambda",
      operation: "moments-action",
      bodyIncludes: momentId,
      fault: "throttle",
      times: transientRetry.MaxAttempts + 1,
    });
    // The run-state function records the failure, and its answer is lost: the task is retried.
    faults.once({
      service: "lambda",
      operation: "moments-run-state",
      bodyIncludes: '"type":"wake_failed"',
      fault: "drop",
    });
    const accountId = unique("acct");
    await s.track({ event, accountId });
    const runId = await s.runId(accountId, momentId);

    const run = await waitFor(
      async () => {
        const view = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
        return view.body.status === "active" ? undefined : view.body;
      },
      { timeoutMs: 20_000, description: "the run completed" },
    );

    expect(run.status).toBe("completed");
    expect(run.steps.find((step) => step.stepId === "first")).toMatchObject({ status: "failed" });
    // Never recorded failed untried by the retry: performed by the wake-up run on after the record.
    expect(run.steps.find((step) => step.stepId === "second")).toMatchObject({ status: "executed" });
    expect((await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId)).steps).toMatchObject({
      first: { failed: 1 },
      second: { executed: 1 },
    });
  });
});
