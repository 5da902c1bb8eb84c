import { beforeEach, describe, expect, it } from "vitest";
import type { EndSteps } from "../../../shared/contracts/workflow.js";
import { recordRunState } from "../../../shared/use-cases/record-run-state.js";
import { recordSesFeedback } from "../../../shared/use-cases/ses-feedback.js";
import { FakeSuppressionList } from "../../support/fake-suppressions.js";
import {
  aRun,
  FakeConfigRepository,
  FakePendingStarts,
  FakeRunRepository,
  FakeWorkflows,
  fixedClock,
  sesStepEvent,
} from "../../support/fakes.js";

const NOW = "2026-11-23T08:00:00.000Z";
const run = aRun({ runId: "run_1", momentId: "m_1", accountId: "acct_1" });
const step = { id: "s1", delaySeconds: 0, action: { type: "send_email" as const, templateId: "t_1" } };

const endSteps: EndSteps = {
  completion: [{ id: "thanks", delaySeconds: 0, action: { type: "send_email", templateId: "t_ok" } }],
  exit: [
    { id: "sorry", delaySeconds: 60, action: { type: "send_email", templateId: "t_ko" } },
    { id: "survey", delaySeconds: 3600, action: { type: "send_email", templateId: "t_survey" } },
  ],
};

let runs: FakeRunRepository;
let workflows: FakeWorkflows;
const clock = fixedClock(NOW);
/** What the run-state function passes: gates (open_gate) need the pending starts and moments too. */
const deps = () => ({
  runs,
  workflows,
  clock,
  pending: new FakePendingStarts(),
  moments: new FakeConfigRepository(),
  timeScale: 1,
});

beforeEach(async () => {
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  await runs.enter(run, endSteps);
  await workflows.start({ run, phase: "entry", steps: [step], completeWhenStepsDone: false });
});

describe("recordRunState", () => {
  it("records a step that failed for good with the error and its cause", async () => {
    // Act
    const result = await recordRunState(deps(), {
      type: "step_failed",
      run,
      step,
      error: { Error: "TransientActionError", Cause: "SES Throttling" },
    });

    // Assess
    expect(result).toEqual({ recorded: "step_failed" });
    expect(runs.step(run, "s1")).toEqual({
      status: "failed",
      outcome: { status: "failed", reason: "TransientActionError: SES Throttling" },
      recordedAt: NOW,
    });
  });

  it("uses whichever of Error and Cause is present", async () => {
    await recordRunState(deps(), { type: "step_failed", run, step, error: { Error: "States.Timeout" } });

    expect(runs.step(run, "s1")).toMatchObject({ outcome: { reason: "States.Timeout" } });
  });

  it("records 'unknown error' when the workflow reports neither", async () => {
    await recordRunState(deps(), { type: "step_failed", run, step, error: {} });

    expect(runs.step(run, "s1")).toMatchObject({ outcome: { reason: "unknown error" } });
  });

  it("bounds the reason to 1000 characters", async () => {
    await recordRunState(deps(), {
      type: "step_failed",
      run,
      step,
      error: { Error: "E", Cause: "c".repeat(5000) },
    });

    const stored = runs.step(run, "s1");
    const reason =
      stored && "outcome" in stored && stored.outcome.status === "failed" ? stored.outcome.reason : "";
    expect(reason).toHaveLength(1000);
    expect(reason).toMatch(/^E: c+$/);
  });

  it("completes the run and releases the account's membership", async () => {
    // Act
    const result = await recordRunState(deps(), { type: "run_completed", run });

    // Assess
    expect(result).toEqual({ recorded: "run_completed" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).not.toHaveProperty("activeRunId");
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1, completed: 1 });
  });

  it("is idempotent: a repeated completion changes nothing", async () => {
    await recordRunState(deps(), { type: "run_completed", run });
    const later = fixedClock("2026-11-24T00:00:00.000Z");

    await recordRunState({ ...deps(), clock: later }, { type: "run_completed", run });

    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1, completed: 1 });
  });

  it("keeps the outcome of a run that an end rule ended before its steps were done", async () => {
    await runs.endRun(run, "success", "msg_end", "2026-11-22T00:00:00.000Z");

    await recordRunState(deps(), { type: "run_completed", run });

    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "success", endedBy: "msg_end" });
    expect(runs.statsOf("ws_1", "m_1")).not.toHaveProperty("completed");
  });
});

describe("recordRunState: timeout", () => {
  it("ends the run as failed and starts its pinned exit steps, without stopping the entry execution", async () => {
    // Act
    const result = await recordRunState(deps(), { type: "timeout", run, outcome: "failed" });

    // Assess
    expect(result).toEqual({ recorded: "timed_out" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "failed", endedAt: NOW, endedBy: "timeout" });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({ status: "failed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).not.toHaveProperty("activeRunId");
    expect(await runs.listActiveRuns("ws_1", "acct_1")).toEqual([]);
    expect(runs.statsOf("ws_1", "m_1")).toMatchObject({ entered: 1, failed: 1 });
    expect(workflows.end("run_1")).toEqual({
      run,
      phase: "exit",
      steps: endSteps.exit,
      completeWhenStepsDone: false,
    });
    // The timer fires inside the entry execution, which ends itself (RunEnded) once this returns.
    expect(workflows.stopCalls).toEqual([]);
  });

  it("ends the run as success and starts its completion steps when the timeout's outcome is success", async () => {
    const result = await recordRunState(deps(), { type: "timeout", run, outcome: "success" });

    expect(result).toEqual({ recorded: "timed_out" });
    expect(runs.run("ws_1", "run_1")?.status).toBe("success");
    expect(workflows.end("run_1")).toMatchObject({ phase: "completion", steps: endSteps.completion });
    expect(workflows.stopCalls).toEqual([]);
  });

  it("starts no end execution when the outcome has no steps", async () => {
    runs = new FakeRunRepository();
    await runs.enter(run, { completion: [], exit: [] });

    await recordRunState(deps(), { type: "timeout", run, outcome: "failed" });

    expect(runs.run("ws_1", "run_1")?.status).toBe("failed");
    expect(workflows.end("run_1")).toBeUndefined();
  });

  it("re-drives the same end when the timeout task is retried: one outcome, one end execution", async () => {
    // Prepare: the first attempt ended the run, then died before (or after) starting the exit steps.
    await recordRunState(deps(), { type: "timeout", run, outcome: "failed" });
    const later = fixedClock("2026-11-23T08:05:00.000Z");

    // Act
    const retried = await recordRunState(
      { ...deps(), clock: later },
      { type: "timeout", run, outcome: "failed" },
    );

    // Assess
    expect(retried).toEqual({ recorded: "timed_out" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "failed", endedAt: NOW });
    expect(runs.statsOf("ws_1", "m_1")).toMatchObject({ failed: 1 });
    expect(workflows.startCalls.filter((c) => c.phase === "exit")).toHaveLength(2);
    expect([...workflows.executions.keys()]).toEqual(["run_1", "run_1-end"]);
  });

  it("answers already_ended, starting nothing, when an end event ended the run first", async () => {
    // Prepare
    await runs.endRun(run, "success", "msg_end", "2026-11-23T07:00:00.000Z");

    // Act
    const result = await recordRunState(deps(), { type: "timeout", run, outcome: "failed" });

    // Assess
    expect(result).toEqual({ recorded: "already_ended" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "success", endedBy: "msg_end" });
    expect(workflows.end("run_1")).toBeUndefined();
    expect(runs.statsOf("ws_1", "m_1")).not.toHaveProperty("failed");
  });

  it("answers already_ended for a run its moment's stop ended first", async () => {
    await runs.stopRun(run, "2026-11-23T07:00:00.000Z");

    const result = await recordRunState(deps(), { type: "timeout", run, outcome: "failed" });

    expect(result).toEqual({ recorded: "already_ended" });
    expect(runs.run("ws_1", "run_1")?.status).toBe("stopped");
    expect(workflows.end("run_1")).toBeUndefined();
  });
});

describe("recordRunState under faults", () => {
  const unrecorded = (outcome: object) => ({
    Error: "StepOutcomeUnrecorded",
    // As Step Functions passes a Lambda error: its JSON, whose message is the outcome.
    Cause: JSON.stringify({
      errorType: "StepOutcomeUnrecorded",
      errorMessage: JSON.stringify(outcome),
      trace: [],
    }),
  });

  it("records the outcome a step performed but could not record (from its error), once", async () => {
    const payload = {
      type: "step_outcome" as const,
      run,
      step,
      error: unrecorded({ status: "executed", detail: { messageId: "ses-1" } }),
    };
    expect(await recordRunState(deps(), payload)).toEqual({ recorded: "step_outcome", failRun: false });
    expect(await recordRunState(deps(), payload)).toEqual({ recorded: "step_outcome", failRun: false });
    expect(runs.step(run, "s1")).toMatchObject({
      status: "executed",
      outcome: { detail: { messageId: "ses-1" } },
    });
    // Counted once, however often the state machine retried the record.
    expect([...runs.stats.values()].map((counters) => counters["steps.s1.executed"])).toEqual([1]);
  });

  it("asks for the run to fail when the unrecorded outcome is a failed fail_run step", async () => {
    const result = await recordRunState(deps(), {
      type: "step_outcome",
      run,
      step: { ...step, onFailure: "fail_run" as const },
      error: unrecorded({ status: "failed", reason: "refused" }),
    });
    expect(result).toEqual({ recorded: "step_outcome", failRun: true });
  });

  it("raises every storage failure as a transient error for the state machine to retry", async () => {
    runs.completeRun = async () => {
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    };
    await expect(recordRunState(deps(), { type: "run_completed", run })).rejects.toMatchObject({
      name: "TransientActionError",
      message: "ThrottlingException: Rate exceeded",
    });
  });
});

describe("recordRunState: a wake-up's step performed whose record failed", () => {
  const hook = {
    id: "hook",
    delaySeconds: 0,
    action: { type: "send_webhook" as const, method: "POST" as const, url: "https://example.com/h" },
  };
  const wake = {
    seconds: 0,
    run: { workspaceId: "ws_1", momentId: "m_1", runId: "run_1" },
    phase: "entry" as const,
    steps: ["s1", "hook"],
  };
  const unrecorded = (message: object) => ({
    Error: "StepOutcomeUnrecorded",
    Cause: JSON.stringify({
      errorType: "StepOutcomeUnrecorded",
      errorMessage: JSON.stringify(message),
      trace: [],
    }),
  });
  const sent = { status: "executed" as const, detail: { messageId: "ses-1" } };

  beforeEach(() => {
    const stored = runs.runs.get(JSON.stringify(["ws_1", "run_1"]));
    if (stored) stored.entrySteps = [step, hook];
  });

  it("records the outcome on the step it names, even when that step's record went in with its answer lost", async () => {
    // The email's record went in; its answer was lost, so the action reported it unrecorded.
    await runs.recordStep(run, "s1", sent, NOW);

    const result = await recordRunState(deps(), {
      type: "wake_outcome",
      wake,
      error: unrecorded({ stepId: "s1", outcome: sent }),
    });

    // The webhook is not recorded with the email's outcome: the wake-up, run again, performs it.
    expect(result).toEqual({ recorded: "step_outcome", failRun: false });
    expect(runs.step(run, "hook")).toBeUndefined();
    expect(runs.step(run, "s1")).toMatchObject({ status: "executed", outcome: sent });
  });

  it("reads an error from a version that named no step (the outcome alone): the first step without one", async () => {
    await recordRunState(deps(), { type: "wake_outcome", wake, error: unrecorded(sent) });

    expect(runs.step(run, "s1")).toMatchObject({ status: "executed", outcome: sent });
    expect(runs.step(run, "hook")).toBeUndefined();
  });
});

describe("recordRunState: a lookup wake-up that failed for good", () => {
  const wake = {
    seconds: 0,
    run: { workspaceId: "ws_1", momentId: "m_1", runId: "run_1" },
    phase: "entry" as const,
    lookup: ["post"],
  };
  const error = { Error: "TransientActionError", Cause: "Slack answered HTTP 500" };

  beforeEach(async () => {
    runs.seedClaim(run, "post", NOW, "attempt-1");
    await runs.markStepInDoubt(run, "post", "attempt-1", NOW);
    await runs.endRun(run, "success", "msg_paid", NOW);
    await runs.settleStepInDoubt(
      "ws_1",
      "run_1",
      "post",
      { status: "skipped", reason: "run_not_active" },
      NOW,
    );
  });

  it("records the step outcome_unknown (what Slack did cannot be known), so the wake-up run again finds nothing", async () => {
    const result = await recordRunState(deps(), { type: "wake_failed", wake, error });

    expect(result).toEqual({ recorded: "lookup_failed", failRun: false });
    expect(runs.step(run, "post")).toMatchObject({
      status: "failed",
      outcome: {
        reason: expect.stringMatching(
          /^outcome_unknown: .*looking it up failed \(TransientActionError: Slack answered HTTP 500\)/,
        ),
      },
    });
    expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({
      "steps.post.skipped": 0,
      "steps.post.failed": 1,
    });
  });

  it("a second delivery changes nothing", async () => {
    await recordRunState(deps(), { type: "wake_failed", wake, error });
    await recordRunState(deps(), { type: "wake_failed", wake, error: { Error: "other" } });

    expect(runs.step(run, "post")).toMatchObject({
      outcome: { reason: expect.stringContaining("Slack answered") },
    });
    expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({ "steps.post.failed": 1 });
  });
});

describe("recordRunState: a wake-up's step that failed for good while claimed", () => {
  const CLAIMED = "2026-11-23T07:29:00.000Z";
  const email = { ...step, onFailure: "fail_run" as const };
  const post = {
    id: "post",
    delaySeconds: 0,
    action: { type: "send_slack" as const, integrationId: "int_1", channel: "C1", text: "hi" },
  };
  const hook = {
    id: "hook",
    delaySeconds: 0,
    action: { type: "send_webhook" as const, method: "POST" as const, url: "https://example.com/h" },
  };
  const wakeOf = (...steps: string[]) => ({
    seconds: 0,
    run: { workspaceId: "ws_1", momentId: "m_1", runId: "run_1" },
    phase: "entry" as const,
    steps,
  });
  const error = { Error: "TransientActionError", Cause: "SES answered HTTP 500" };
  const stats = () => runs.stats.get(JSON.stringify(["ws_1", "m_1"]));
  const sesFeedback = (type: "Email Sent" | "Email Rejected") =>
    recordSesFeedback(
      { suppressions: new FakeSuppressionList(), runs, clock },
      sesStepEvent(type, { messageId: "ses-late", timestamp: NOW, stepId: "s1" }),
    );

  beforeEach(() => {
    const stored = runs.runs.get(JSON.stringify(["ws_1", "run_1"]));
    if (stored) stored.entrySteps = [email, post, hook];
  });

  it("an email in doubt with no evidence yet: failed `send_in_doubt` (its fail_run ends the run), and a later Send event corrects the step", async () => {
    // Prepare: SES's answer was lost (in doubt), then the wake-up kept failing for 30 minutes.
    runs.seedClaim(run, "s1", CLAIMED, "attempt-1");
    await runs.markStepInDoubt(run, "s1", "attempt-1", CLAIMED);

    // Act
    const result = await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("s1"), error });

    // Assess: failed for the run's flow, yet still open to SES's evidence.
    expect(result).toEqual({ recorded: "step_failed", failRun: true });
    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      doubtSince: CLAIMED,
      outcome: {
        reason: expect.stringMatching(
          /^send_in_doubt: .*no Send event had come .*\(TransientActionError: SES answered HTTP 500\)$/,
        ),
      },
    });
    expect(await runs.isStepFinal("ws_1", "run_1", "s1", "sent")).toBe(false);

    const feedback = await sesFeedback("Email Sent");

    expect(feedback).toMatchObject({ outcome: "evidence", settled: true, kept: true });
    expect(runs.step(run, "s1")).toMatchObject({
      status: "executed",
      outcome: { detail: { messageId: "ses-late", reconciled: "send_event" } },
    });
    expect(stats()).toMatchObject({ "steps.s1.executed": 1, "steps.s1.failed": 0 });
    // (open to SES's Reject of that email still, which would prevail over its Send)
    expect(await runs.isStepFinal("ws_1", "run_1", "s1", "rejected")).toBe(false);
    await sesFeedback("Email Rejected");
    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      outcome: { reason: "rejected: Bad content" },
    });
    expect(await runs.isStepFinal("ws_1", "run_1", "s1", "sent")).toBe(true);
  });

  it("an email plainly claimed (its attempt died mid-send) is settled so too, in doubt since its claim; a later Reject makes the failure final", async () => {
    runs.seedClaim(run, "s1", CLAIMED, "died");

    await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("s1"), error });
    await sesFeedback("Email Rejected");
    await sesFeedback("Email Sent");

    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      doubtSince: CLAIMED,
      outcome: { reason: "rejected: Bad content" },
    });
    expect(stats()).toMatchObject({ "steps.s1.failed": 1 });
    expect(stats()).not.toHaveProperty("steps.s1.executed");
  });

  it("an email whose Send event came already: executed from it, and its fail_run does not end the run", async () => {
    runs.seedClaim(run, "s1", CLAIMED, "attempt-1");
    await runs.markStepInDoubt(run, "s1", "attempt-1", CLAIMED);
    await sesFeedback("Email Sent");
    // (a plain claim is never settled by the event itself while its run is active)
    runs.seedClaim(run, "s1", CLAIMED, "died");

    const result = await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("s1"), error });

    expect(result).toEqual({ recorded: "step_failed", failRun: false });
    expect(runs.step(run, "s1")).toMatchObject({
      status: "executed",
      outcome: { detail: { messageId: "ses-late", reconciled: "send_event" } },
    });
  });

  it("a Slack post claimed: its lookup starts before the step is recorded failed `send_in_doubt`", async () => {
    runs.seedClaim(run, "post", CLAIMED, "died");

    const result = await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("post"), error });

    expect(result).toEqual({ recorded: "step_failed", failRun: false });
    expect([...workflows.lookups.values()]).toEqual([{ runId: "run_1", phase: "entry", stepId: "post" }]);
    expect(runs.step(run, "post")).toMatchObject({
      status: "failed",
      doubtSince: CLAIMED,
      outcome: { reason: expect.stringMatching(/^send_in_doubt: .*provider's records are looked up/) },
    });
  });

  it("a Slack post whose lookup cannot start yet keeps its claim, for the task's retry", async () => {
    runs.seedClaim(run, "post", CLAIMED, "died");
    workflows.startLookup = async () => {
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    };

    const failure = await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("post"), error }).catch(
      (e: unknown) => e,
    );

    expect(failure).toMatchObject({ name: "TransientActionError" });
    expect(runs.step(run, "post")).toMatchObject({ status: "claimed" });
  });

  it("a webhook claimed (it repeats safely) is recorded failed, final, as before", async () => {
    runs.seedClaim(run, "hook", CLAIMED, "died");

    await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("hook"), error });

    expect(runs.step(run, "hook")).toMatchObject({
      status: "failed",
      outcome: { reason: "TransientActionError: SES answered HTTP 500" },
    });
    expect(await runs.isStepFinal("ws_1", "run_1", "hook", "sent")).toBe(true);
    expect(workflows.lookups.size).toBe(0);
  });

  it("a step never claimed (nothing sent) is recorded failed, final; its fail_run ends the run", async () => {
    const result = await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("s1", "post"), error });

    expect(result).toEqual({ recorded: "step_failed", failRun: true });
    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      outcome: { reason: "TransientActionError: SES answered HTTP 500" },
    });
    expect(await runs.isStepFinal("ws_1", "run_1", "s1", "sent")).toBe(true);
    expect(runs.step(run, "post")).toBeUndefined();
  });

  it("a late live attempt's own record wins the race, and decides fail_run", async () => {
    runs.seedClaim(run, "s1", CLAIMED, "attempt-1");
    await runs.markStepInDoubt(run, "s1", "attempt-1", CLAIMED);
    const readEvidence = runs.listStepEvidence.bind(runs);
    runs.listStepEvidence = async (...args) => {
      // The attempt still alive records its send just as the failure is being settled.
      await runs.recordStep(run, "s1", { status: "executed", detail: { messageId: "live" } }, NOW);
      return readEvidence(...args);
    };

    const result = await recordRunState(deps(), { type: "wake_failed", wake: wakeOf("s1"), error });

    expect(result).toEqual({ recorded: "step_failed", failRun: false });
    expect(runs.step(run, "s1")).toMatchObject({
      status: "executed",
      outcome: { detail: { messageId: "live" } },
    });
    expect(stats()).toMatchObject({ "steps.s1.executed": 1 });
    expect(stats()).not.toHaveProperty("steps.s1.failed");
  });

  it("an old execution's step_failed settles a claim the same way", async () => {
    runs.seedClaim(run, "s1", CLAIMED, "died");

    await recordRunState(deps(), { type: "step_failed", run, step: email, error });

    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      outcome: { reason: expect.stringMatching(/^send_in_doubt: /) },
    });
  });
});
