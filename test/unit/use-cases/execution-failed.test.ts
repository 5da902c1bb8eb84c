import { beforeEach, describe, expect, it } from "vitest";
import { executionFailedPattern } from "../../../shared/contracts/bus.js";
import {
  type EndSteps,
  lookupExecutionName,
  lookupRedriveName,
  type RunInput,
} from "../../../shared/contracts/workflow.js";
import { matchesEventPattern } from "../../../shared/event-pattern/match.js";
import {
  EXECUTION_FAILED,
  type ExecutionFailedDeps,
  handleExecutionFailed,
  isExecutionStatusChange,
  MAX_REDRIVES,
  MalformedExecutionEventError,
} from "../../../shared/use-cases/execution-failed.js";
import { RUN_ENDED_NOT_FOUND } from "../../../shared/use-cases/step-doubt.js";
import {
  aRun,
  FakePendingStarts,
  FakeRunRepository,
  FakeWorkflows,
  fixedClock,
} from "../../support/fakes.js";

const NOW = "2026-11-22T12:00:00.000Z";
const STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:moments-run";
const run = aRun({ runId: "run_1" });
const endSteps: EndSteps = {
  completion: [],
  exit: [{ id: "sorry", delaySeconds: 0, action: { type: "send_email", templateId: "t_ko" } }],
};
const entry: RunInput = { run, phase: "entry", steps: [], completeWhenStepsDone: true };

/** The event Step Functions publishes on the default bus (the documented shape, trimmed values). */
function statusChange(status: string, input: unknown = entry, included = true) {
  return {
    version: "0",
    id: "7b8d2f3e-0000-4000-8000-000000000000",
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: NOW,
    region: "eu-west-1",
    resources: [`${STATE_MACHINE.replace(":stateMachine:", ":execution:")}:run_1`],
    detail: {
      executionArn: `${STATE_MACHINE.replace(":stateMachine:", ":execution:")}:run_1`,
      stateMachineArn: STATE_MACHINE,
      name: "run_1",
      status,
      startDate: 1_764_000_000_000,
      stopDate: 1_764_000_100_000,
      input: included ? JSON.stringify(input) : null,
      output: null,
      inputDetails: { included },
      outputDetails: null,
      error: "States.TaskFailed",
      cause: "CompleteRun failed after every retry",
    },
  };
}

let runs: FakeRunRepository;
let workflows: FakeWorkflows;
let described: string[];
let pending: FakePendingStarts;
let deps: ExecutionFailedDeps;

beforeEach(async () => {
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  described = [];
  pending = new FakePendingStarts();
  deps = {
    runs,
    workflows,
    pending,
    clock: fixedClock(NOW),
    executions: {
      executionInput: async (arn) => {
        described.push(arn);
        return JSON.stringify(entry);
      },
    },
  };
  await runs.enter(run, endSteps);
});

describe("handleExecutionFailed", () => {
  it.each(["FAILED", "TIMED_OUT", "ABORTED"])(
    "%s while the run is active: ends it as failed (execution_failed), releases it, counts it, starts its exit steps",
    async (status) => {
      const result = await handleExecutionFailed(deps, statusChange(status));

      expect(result).toEqual({ outcome: "run_ended", workspaceId: "ws_1", runId: "run_1", status });
      expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "failed", endedBy: EXECUTION_FAILED });
      expect((await runs.getMembership(run))?.status).toBe("failed");
      expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({ entered: 1, failed: 1 });
      expect(workflows.end("run_1")).toMatchObject({ phase: "exit", steps: endSteps.exit });
    },
  );

  it("is idempotent: a redelivered event ends nothing twice and counts once", async () => {
    await handleExecutionFailed(deps, statusChange("FAILED"));
    const again = await handleExecutionFailed(deps, statusChange("FAILED"));

    expect(again).toMatchObject({ outcome: "run_ended" });
    expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({ failed: 1 });
  });

  it("changes nothing when the stop was our own (an end rule ended the run, then aborted its execution)", async () => {
    await runs.endRun(run, "success", "msg_paid", NOW);

    const result = await handleExecutionFailed(deps, statusChange("ABORTED"));

    expect(result).toEqual({ outcome: "ignored", why: "run_already_ended", runId: "run_1" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "success", endedBy: "msg_paid" });
    expect(workflows.end("run_1")).toBeUndefined();
  });

  it("settles a step left in doubt by the failed execution", async () => {
    runs.seedClaim(run, "email", NOW, "attempt-1");
    await runs.markStepInDoubt(run, "email", "attempt-1", NOW);

    await handleExecutionFailed(deps, statusChange("FAILED"));

    expect(runs.step(run, "email")).toMatchObject({ status: "skipped" });
  });

  it("reads the input back when the event left it out (over 248 KB)", async () => {
    await handleExecutionFailed(deps, statusChange("FAILED", entry, false));

    expect(described).toEqual([`${STATE_MACHINE.replace(":stateMachine:", ":execution:")}:run_1`]);
    expect(runs.run("ws_1", "run_1")?.status).toBe("failed");
  });

  it("ignores a completion or exit execution started before wake-ups (whole steps in its input) and a gate of then", async () => {
    expect(
      await handleExecutionFailed(deps, statusChange("FAILED", { ...entry, phase: "exit" })),
    ).toMatchObject({ outcome: "ignored", why: "end_execution" });
    expect(
      await handleExecutionFailed(deps, statusChange("FAILED", { gate: { workspaceId: "ws_1" } })),
    ).toMatchObject({ outcome: "ignored", why: "not_a_run" });
    expect(runs.run("ws_1", "run_1")?.status).toBe("active");
  });

  it("ignores a status that is not a failure, and refuses an event that is not a status change", async () => {
    expect(await handleExecutionFailed(deps, statusChange("SUCCEEDED"))).toEqual({
      outcome: "ignored",
      why: "status_succeeded",
    });
    await expect(handleExecutionFailed(deps, { source: "aws.ses" })).rejects.toBeInstanceOf(
      MalformedExecutionEventError,
    );
  });

  it("the rule's pattern takes this state machine's failures only; the run-state function tells them from its tasks", () => {
    const pattern = executionFailedPattern(STATE_MACHINE);
    expect(matchesEventPattern(pattern, statusChange("FAILED"))).toBe(true);
    expect(matchesEventPattern(pattern, statusChange("SUCCEEDED"))).toBe(false);
    const other = statusChange("FAILED");
    other.detail.stateMachineArn = `${STATE_MACHINE}-other`;
    expect(matchesEventPattern(pattern, other)).toBe(false);
    expect(isExecutionStatusChange(statusChange("FAILED"))).toBe(true);
    expect(isExecutionStatusChange({ type: "run_completed", run })).toBe(false);
  });
});

/** A status change of the execution `name` with this (wake-ups) input, started `startedAgoSeconds` ago. */
function statusChangeOf(name: string, input: unknown, status = "FAILED", startedAgoSeconds = 100) {
  const event = statusChange(status, input);
  const executionArn = `${STATE_MACHINE.replace(":stateMachine:", ":execution:")}:${name}`;
  return {
    ...event,
    resources: [executionArn],
    detail: { ...event.detail, executionArn, name, startDate: Date.parse(NOW) - startedAgoSeconds * 1000 },
  };
}

describe("handleExecutionFailed: an end execution (completion or exit steps) is re-driven", () => {
  const ref = { workspaceId: "ws_1", momentId: "m_1", runId: "run_1" };
  // Exit steps: "sorry" at once, "survey" 600 s later; the execution started 100 s ago.
  const exitInput = {
    wakes: [
      { seconds: 0, run: ref, phase: "exit", steps: ["sorry"] },
      { seconds: 600, run: ref, phase: "exit", steps: ["survey"] },
    ],
  };

  beforeEach(async () => {
    await runs.endRun(run, "failed", "msg_churned", NOW);
  });

  it("starts what it left in a fresh execution, each step when it was due; steps recorded are not run again", async () => {
    runs.seedClaim(run, "sorry");
    await runs.recordStep(run, "sorry", { status: "executed" }, NOW);

    const result = await handleExecutionFailed(deps, statusChangeOf("run_1-end", exitInput, "TIMED_OUT"));

    expect(result).toEqual({
      outcome: "redriven",
      kind: "end",
      workspaceId: "ws_1",
      runId: "run_1",
      name: "run_1-end-r1",
      attempt: 1,
      started: "started",
    });
    expect(workflows.restarts.get("run_1-end-r1")).toEqual({
      wakes: [{ seconds: 500, run: ref, phase: "exit", steps: ["survey"] }],
    });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "failed", endedBy: "msg_churned" });
  });

  it("a step not done yet (or left in doubt) runs again, at once when it is past due", async () => {
    runs.seedClaim(run, "sorry");

    await handleExecutionFailed(deps, statusChangeOf("run_1-end", exitInput, "ABORTED", 3600));

    expect(workflows.restarts.get("run_1-end-r1")).toEqual({
      wakes: [
        { seconds: 0, run: ref, phase: "exit", steps: ["sorry"] },
        { seconds: 0, run: ref, phase: "exit", steps: ["survey"] },
      ],
    });
  });

  it("a second delivery of the same event starts nothing more (the fresh execution's name is derived)", async () => {
    await handleExecutionFailed(deps, statusChangeOf("run_1-end", exitInput));
    const again = await handleExecutionFailed(deps, statusChangeOf("run_1-end", exitInput));

    expect(again).toMatchObject({ outcome: "redriven", name: "run_1-end-r1", started: "already_started" });
    expect([...workflows.restarts.keys()]).toEqual(["run_1-end-r1"]);
  });

  it("a re-driven execution that fails too is re-driven again, under the next name", async () => {
    const result = await handleExecutionFailed(deps, statusChangeOf("run_1-end-r1", exitInput));

    expect(result).toMatchObject({ outcome: "redriven", name: "run_1-end-r2", attempt: 2 });
  });

  it(`after ${MAX_REDRIVES} re-drives it gives up visibly: the steps left are recorded failed, nothing restarts`, async () => {
    runs.seedClaim(run, "sorry");
    await runs.recordStep(run, "sorry", { status: "executed" }, NOW);

    const result = await handleExecutionFailed(deps, statusChangeOf(`run_1-end-r${MAX_REDRIVES}`, exitInput));

    expect(result).toEqual({
      outcome: "gave_up",
      kind: "end",
      workspaceId: "ws_1",
      runId: "run_1",
      name: `run_1-end-r${MAX_REDRIVES}`,
      failedSteps: ["survey"],
    });
    expect(workflows.restarts.size).toBe(0);
    expect(runs.step(run, "survey")).toMatchObject({
      status: "failed",
      outcome: {
        reason: expect.stringMatching(
          /^execution_failed: the run's exit steps failed to run through 3 re-drives \(FAILED: States.TaskFailed\)/,
        ),
      },
    });
    expect(runs.step(run, "sorry")).toMatchObject({ status: "executed" });
  });

  it("giving up, an exit email left claimed (its attempt died mid-send) is settled as a doubt, which its Send event still corrects", async () => {
    runs.seedClaim(run, "sorry", NOW, "died");

    await handleExecutionFailed(deps, statusChangeOf(`run_1-end-r${MAX_REDRIVES}`, exitInput));

    expect(runs.step(run, "sorry")).toMatchObject({
      status: "failed",
      doubtSince: NOW,
      outcome: {
        reason: expect.stringMatching(/^send_in_doubt: .*\(execution_failed: the run's exit steps/),
      },
    });
    expect(await runs.isStepFinal("ws_1", "run_1", "sorry", "sent")).toBe(false);
  });

  it("every step done already (it failed after its last step): nothing to re-drive", async () => {
    for (const id of ["sorry", "survey"]) {
      runs.seedClaim(run, id);
      await runs.recordStep(run, id, { status: "executed" }, NOW);
    }

    expect(await handleExecutionFailed(deps, statusChangeOf("run_1-end", exitInput))).toEqual({
      outcome: "ignored",
      why: "nothing_left",
      runId: "run_1",
    });
    expect(workflows.restarts.size).toBe(0);
  });

  it("an end execution finishing an entry step (its wake-up names the entry phase) is still an end execution", async () => {
    const finishing = { wakes: [{ seconds: 0, run: ref, phase: "entry", steps: ["hook"] }] };

    const result = await handleExecutionFailed(deps, statusChangeOf("run_1-end", finishing));

    expect(result).toMatchObject({ outcome: "redriven", name: "run_1-end-r1" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "failed", endedBy: "msg_churned" });
  });

  it("an entry execution with wake-ups (named by its run) still ends its active run", async () => {
    const other = aRun({ runId: "run_2" });
    await runs.enter(other, endSteps);
    const ref2 = { workspaceId: "ws_1", momentId: "m_1", runId: "run_2" };

    const result = await handleExecutionFailed(
      deps,
      statusChangeOf("run_2", { wakes: [{ seconds: 0, run: ref2, phase: "entry", steps: ["a"] }] }),
    );

    expect(result).toMatchObject({ outcome: "run_ended", runId: "run_2" });
    expect(workflows.restarts.size).toBe(0);
  });
});

describe("handleExecutionFailed: a lookup execution that fails outright is re-driven", () => {
  const ref = { workspaceId: "ws_1", momentId: "m_1", runId: "run_1" };
  const lookupOf = (stepId: string) => ({
    wakes: [{ seconds: 0, run: ref, phase: "entry", lookup: [stepId] }],
  });

  beforeEach(async () => {
    // A Slack post in doubt when its run ended: recorded skipped at once, its lookup started.
    runs.seedClaim(run, "post", "2026-11-22T11:50:00.000Z", "attempt-1");
    await runs.markStepInDoubt(run, "post", "attempt-1", "2026-11-22T11:50:00.000Z");
    await runs.endRun(run, "failed", "msg_churned", NOW);
    await runs.settleStepInDoubt("ws_1", "run_1", "post", RUN_ENDED_NOT_FOUND, NOW);
  });

  it.each(["FAILED", "ABORTED", "TIMED_OUT"])(
    "%s: its step, still recorded skipped, is looked up again in <name>-r1, at once",
    async (status) => {
      const result = await handleExecutionFailed(
        deps,
        statusChangeOf("run_1-lookup-post", lookupOf("post"), status),
      );

      expect(result).toEqual({
        outcome: "redriven",
        kind: "lookup",
        workspaceId: "ws_1",
        runId: "run_1",
        name: "run_1-lookup-post-r1",
        attempt: 1,
        started: "started",
      });
      expect(workflows.restarts.get("run_1-lookup-post-r1")).toEqual(lookupOf("post"));
    },
  );

  it("a step still claimed (the end failed before recording it) is looked up again too", async () => {
    runs.seedClaim(run, "card", "2026-11-22T11:50:00.000Z", "attempt-1");
    await runs.markStepInDoubt(run, "card", "attempt-1", "2026-11-22T11:50:00.000Z");

    const result = await handleExecutionFailed(deps, statusChangeOf("run_1-lookup-card", lookupOf("card")));

    expect(result).toMatchObject({ outcome: "redriven", name: "run_1-lookup-card-r1" });
  });

  it("a redelivered event starts nothing more; the next failure goes on to -r2", async () => {
    await handleExecutionFailed(deps, statusChangeOf("run_1-lookup-post", lookupOf("post")));
    const again = await handleExecutionFailed(deps, statusChangeOf("run_1-lookup-post", lookupOf("post")));
    const next = await handleExecutionFailed(deps, statusChangeOf("run_1-lookup-post-r1", lookupOf("post")));

    expect(again).toMatchObject({
      outcome: "redriven",
      name: "run_1-lookup-post-r1",
      started: "already_started",
    });
    expect(next).toMatchObject({ outcome: "redriven", name: "run_1-lookup-post-r2", attempt: 2 });
    expect([...workflows.restarts.keys()]).toEqual(["run_1-lookup-post-r1", "run_1-lookup-post-r2"]);
  });

  it("a step whose id ends like a re-drive is counted from its own name", async () => {
    runs.seedClaim(run, "post-r2", "2026-11-22T11:50:00.000Z", "attempt-1");
    await runs.markStepInDoubt(run, "post-r2", "attempt-1", "2026-11-22T11:50:00.000Z");

    const result = await handleExecutionFailed(
      deps,
      statusChangeOf("run_1-lookup-post-r2", lookupOf("post-r2")),
    );

    expect(result).toMatchObject({ outcome: "redriven", name: "run_1-lookup-post-r2-r1", attempt: 1 });
  });

  it("a step id too long for an execution name is re-driven under its hash, within 80 characters", async () => {
    const stepId = `post_${"x".repeat(60)}`;
    runs.seedClaim(run, stepId, "2026-11-22T11:50:00.000Z", "attempt-1");
    await runs.markStepInDoubt(run, stepId, "attempt-1", "2026-11-22T11:50:00.000Z");
    const first = lookupExecutionName("run_1", stepId);

    const result = await handleExecutionFailed(deps, statusChangeOf(first, lookupOf(stepId)));
    const next = await handleExecutionFailed(
      deps,
      statusChangeOf(lookupRedriveName("run_1", stepId, 1), lookupOf(stepId)),
    );

    // The lookup's own name fits (78 characters); with "-r1" it would not, so the step is hashed.
    expect(first).toBe(`run_1-lookup-${stepId}`);
    expect(result).toMatchObject({
      outcome: "redriven",
      attempt: 1,
      name: lookupRedriveName("run_1", stepId, 1),
    });
    expect(next).toMatchObject({
      outcome: "redriven",
      attempt: 2,
      name: lookupRedriveName("run_1", stepId, 2),
    });
    expect(lookupRedriveName("run_1", stepId, 2)).toMatch(/^run_1-lookup-[0-9a-f]{16}-r2$/);
    expect(lookupRedriveName("run_1", stepId, 1)).not.toBe(lookupRedriveName("run_1", "other", 1));
  });

  it(`after ${MAX_REDRIVES} re-drives its step is recorded failed outcome_unknown, not left skipped`, async () => {
    const result = await handleExecutionFailed(
      deps,
      statusChangeOf(`run_1-lookup-post-r${MAX_REDRIVES}`, lookupOf("post"), "ABORTED"),
    );

    expect(result).toEqual({
      outcome: "gave_up",
      kind: "lookup",
      workspaceId: "ws_1",
      runId: "run_1",
      name: `run_1-lookup-post-r${MAX_REDRIVES}`,
      failedSteps: ["post"],
    });
    expect(runs.step(run, "post")).toMatchObject({
      status: "failed",
      outcome: {
        reason: expect.stringMatching(/^outcome_unknown: .*lookup failed through 3 re-drives \(ABORTED/),
      },
    });
    expect(runs.statsOf("ws_1", "m_1")).toMatchObject({ "steps.post.failed": 1, "steps.post.skipped": 0 });
    expect(workflows.restarts.size).toBe(0);
  });

  it("a step settled meanwhile (found, or recorded outcome_unknown by the lookup itself) needs nothing", async () => {
    await runs.settleStepInDoubt("ws_1", "run_1", "post", { status: "executed" }, NOW);

    const result = await handleExecutionFailed(deps, statusChangeOf("run_1-lookup-post", lookupOf("post")));

    expect(result).toEqual({ outcome: "ignored", why: "nothing_left", runId: "run_1" });
    expect(workflows.restarts.size).toBe(0);
  });
});

describe("handleExecutionFailed: an abandonment gate is re-armed", () => {
  const DUE = "2026-11-22T12:30:00.000Z";
  const gate = { workspaceId: "ws_1", momentId: "m_9", accountId: "acct_1", token: "msg_cart", until: DUE };
  const gateInput = { wakes: [{ seconds: 1800, gate }] };
  const arm = (token: string, dueAt: string) =>
    pending.arm(
      {
        workspaceId: "ws_1",
        accountId: "acct_1",
        momentId: "m_9",
        token,
        dueAt,
        trigger: {
          workspaceId: "ws_1",
          accountId: "acct_1",
          messageId: token,
          event: "cart_updated",
          timestamp: NOW,
          properties: {},
        } as never,
        gate: "gate-run_9",
      },
      NOW,
    );

  it("failed before opening: a fresh gate waits for the same due time", async () => {
    await arm("msg_cart", DUE);

    const result = await handleExecutionFailed(deps, statusChangeOf("gate-run_9", gateInput));

    expect(result).toEqual({
      outcome: "redriven",
      kind: "gate",
      workspaceId: "ws_1",
      name: "gate-run_9-r1",
      attempt: 1,
      started: "started",
    });
    expect(workflows.gates.get("gate-run_9-r1")).toEqual(gate);
  });

  it("re-armed by a later trigger meanwhile: the fresh gate waits for the start as armed now", async () => {
    await arm("msg_cart2", "2026-11-22T13:00:00.000Z");

    await handleExecutionFailed(deps, statusChangeOf("gate-run_9", gateInput));

    expect(workflows.gates.get("gate-run_9-r1")).toEqual({
      ...gate,
      token: "msg_cart2",
      until: "2026-11-22T13:00:00.000Z",
    });
  });

  it("opened already (or cancelled): nothing to do", async () => {
    expect(await handleExecutionFailed(deps, statusChangeOf("gate-run_9", gateInput))).toEqual({
      outcome: "ignored",
      why: "gate_not_armed",
    });
    expect(workflows.gates.size).toBe(0);
  });

  it("a second delivery of the same event starts no second gate", async () => {
    await arm("msg_cart", DUE);

    await handleExecutionFailed(deps, statusChangeOf("gate-run_9", gateInput));
    const again = await handleExecutionFailed(deps, statusChangeOf("gate-run_9", gateInput));

    expect(again).toMatchObject({ outcome: "redriven", started: "already_started" });
    expect([...workflows.gates.keys()]).toEqual(["gate-run_9-r1"]);
  });

  it(`after ${MAX_REDRIVES} re-drives it gives up visibly, starting nothing`, async () => {
    await arm("msg_cart", DUE);

    const result = await handleExecutionFailed(
      deps,
      statusChangeOf(`gate-run_9-r${MAX_REDRIVES}`, gateInput),
    );

    expect(result).toEqual({
      outcome: "gave_up",
      kind: "gate",
      workspaceId: "ws_1",
      name: `gate-run_9-r${MAX_REDRIVES}`,
      failedSteps: [],
    });
    expect(workflows.gates.size).toBe(0);
  });
});
