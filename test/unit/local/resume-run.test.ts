import { describe, expect, it } from "vitest";
import { resumeRunInput, runTaskCheckpoint } from "../../../infra/local/resume-run.js";
import type { PersistedExecution } from "../../../infra/local/step-functions.js";

const step = (id: string, delaySeconds: number) => ({
  id,
  delaySeconds,
  action: { type: "send_email", templateId: "t" },
});
const execution = (
  input: unknown,
  checkpoints: PersistedExecution["checkpoints"] = [],
): PersistedExecution => ({
  executionArn: "arn:aws:states:us-east-1:000000000000:execution:moments-run:r1",
  stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:moments-run",
  name: "r1",
  input: JSON.stringify(input),
  startMs: 1_000_000,
  checkpoints,
});

describe("resuming a run's execution after a restart", () => {
  it("remembers the steps an action task finished, not the run-state tasks", () => {
    expect(runTaskCheckpoint("RunAction", { run: {}, step: step("a", 0), phase: "entry" })).toEqual({
      stepIds: ["a"],
    });
    expect(
      runTaskCheckpoint("RecordStepFailure", { type: "step_failed", step: step("a", 0) }),
    ).toBeUndefined();
    expect(runTaskCheckpoint("CompleteRun", { type: "run_completed" })).toBeUndefined();
  });

  it("runs the steps not done, the first after what is left of its delay, the next with theirs", () => {
    const input = {
      run: { runId: "r1" },
      phase: "entry",
      steps: [step("a", 60), step("b", 600), step("c", 30)],
    };
    // a finished 60 s after the start; we restart 100 s after that: b has 500 s left.
    const resumed = JSON.parse(
      resumeRunInput(execution(input, [{ at: 1_060_000, value: { stepIds: ["a"] } }]), 1_160_000),
    );
    expect(resumed.steps).toEqual([step("b", 500), step("c", 30)]);
    expect(resumed.run).toEqual({ runId: "r1" });
  });

  it("runs an overdue step at once, and the first step after what is left since the start", () => {
    const input = { run: {}, phase: "entry", steps: [step("a", 60), step("b", 10)] };
    expect(JSON.parse(resumeRunInput(execution(input), 1_045_000)).steps).toEqual([
      step("a", 15),
      step("b", 10),
    ]);
    expect(JSON.parse(resumeRunInput(execution(input), 9_000_000)).steps).toEqual([
      step("a", 0),
      step("b", 10),
    ]);
  });

  it("fires a timeout at its original due time, at once if it passed while stopped", () => {
    const input = { run: {}, phase: "entry", steps: [], timeout: { seconds: 3600, outcome: "failed" } };
    expect(JSON.parse(resumeRunInput(execution(input), 1_600_000)).timeout).toEqual({
      seconds: 3000,
      outcome: "failed",
    });
    expect(JSON.parse(resumeRunInput(execution(input), 99_000_000)).timeout.seconds).toBe(0);
  });

  it("leaves a gate's input alone: it waits until its absolute due time", () => {
    const gate = { gate: { workspaceId: "w", until: "2026-12-06T18:00:00.000Z", token: "m1" } };
    expect(resumeRunInput(execution(gate), 5_000_000)).toBe(JSON.stringify(gate));
  });
});

describe("resuming a wake-up execution after a restart", () => {
  const run = { workspaceId: "w", momentId: "m", runId: "r1" };
  const wakes = [
    { seconds: 60, run, phase: "entry", steps: ["a"] },
    { seconds: 600, run, phase: "entry", steps: ["b", "c"] },
    { seconds: 30, run, phase: "entry", timeout: true },
  ];

  it("remembers a wake-up done, not the run-state tasks", () => {
    expect(runTaskCheckpoint("Act", { wake: wakes[0] })).toEqual({ wake: true });
    expect(runTaskCheckpoint("RecordFailure", { type: "wake_failed", wake: wakes[0] })).toBeUndefined();
  });

  it("runs the wake-ups not done, the first after what is left of its wait, the next with theirs", () => {
    // The first finished 60 s after the start; we restart 100 s after that: 500 s are left.
    const resumed = JSON.parse(
      resumeRunInput(execution({ wakes }, [{ at: 1_060_000, value: { wake: true } }]), 1_160_000),
    );
    expect(resumed.wakes).toEqual([{ ...wakes[1], seconds: 500 }, wakes[2]]);
  });

  it("runs an overdue wake-up at once", () => {
    expect(JSON.parse(resumeRunInput(execution({ wakes }), 9_000_000)).wakes[0]).toEqual({
      ...wakes[0],
      seconds: 0,
    });
  });

  it("a gate waits until its absolute due time", () => {
    const gate = {
      workspaceId: "w",
      momentId: "m",
      accountId: "a",
      token: "m1",
      until: new Date(1_300_000).toISOString(),
    };
    expect(JSON.parse(resumeRunInput(execution({ wakes: [{ seconds: 300, gate }] }), 1_100_000))).toEqual({
      wakes: [{ seconds: 200, gate }],
    });
  });
});
