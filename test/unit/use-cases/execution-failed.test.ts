import { beforeEach, describe, expect, it } from "vitest";
import { executionFailedPattern } from "../../../shared/contracts/bus.js";
import type { EndSteps, RunInput } from "../../../shared/contracts/workflow.js";
import { matchesEventPattern } from "../../../shared/event-pattern/match.js";
import {
  EXECUTION_FAILED,
  type ExecutionFailedDeps,
  handleExecutionFailed,
  isExecutionStatusChange,
  MalformedExecutionEventError,
} from "../../../shared/use-cases/execution-failed.js";
import { aRun, FakeRunRepository, FakeWorkflows, fixedClock } from "../../support/fakes.js";

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
let deps: ExecutionFailedDeps;

beforeEach(async () => {
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  described = [];
  deps = {
    runs,
    workflows,
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

  it("ignores a completion or exit execution (its run ended already) and an abandonment gate", async () => {
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
