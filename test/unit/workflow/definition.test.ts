/**
 * The state-machine definition itself, run by the local Step Functions with scripted task functions:
 * the steps run in order, a fail_run step that fails ends the run (later steps never run), a timeout
 * ends it from its timer branch, and a run without end rules completes.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalStepFunctions, startLocalStepFunctions } from "../../../infra/local/step-functions.js";
import {
  type ActionTaskPayload,
  type RunInput,
  type RunStateTaskPayload,
  resolveSubstitutions,
  runWorkflowDefinition,
  type StepInput,
  transientRetry,
} from "../../../shared/contracts/workflow.js";
import {
  StepFailedRunError,
  StepInDoubtError,
  StepOutcomeUnrecordedError,
  TransientInfrastructureError,
} from "../../../shared/domain/delivery-errors.js";
import { aRun } from "../../support/fakes.js";
import { waitFor } from "../../support/wait-for.js";

const ACTION = "arn:aws:lambda:us-east-1:000000000000:function:action";
const RUN_STATE = "arn:aws:lambda:us-east-1:000000000000:function:run-state";
const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:runs";

let sfnLocal: LocalStepFunctions;
let sfn: SFNClient;
let actions: string[] = [];
let runStates: RunStateTaskPayload[] = [];
/** What the action function answers per step id (default: executed). */
let outcomes: Record<string, "executed" | "failed" | "throw"> = {};
/** Errors the action throws, per step id, before it answers (one per attempt, in order). */
let throwsFirst: Record<string, Error[]> = {};

beforeAll(async () => {
  sfnLocal = await startLocalStepFunctions({
    stateMachines: [
      {
        arn: MACHINE,
        definition: resolveSubstitutions(runWorkflowDefinition(), {
          ActionFunctionArn: ACTION,
          RunStateFunctionArn: RUN_STATE,
        }),
      },
    ],
    lambdas: {
      [ACTION]: async (payload) => {
        const { step } = payload as ActionTaskPayload;
        actions.push(step.id);
        const first = throwsFirst[step.id]?.shift();
        if (first) throw first;
        const outcome = outcomes[step.id] ?? "executed";
        if (outcome === "throw") throw Object.assign(new Error("provider down"), { name: "PermanentError" });
        // As executeStep does: a failed fail_run step is recorded, then signalled.
        if (outcome === "failed" && step.onFailure === "fail_run") throw new StepFailedRunError("refused");
        return outcome === "failed" ? { status: "failed", reason: "refused" } : { status: "executed" };
      },
      [RUN_STATE]: async (payload) => {
        const task = payload as RunStateTaskPayload;
        runStates.push(task);
        if (task.type === "step_outcome") {
          const outcome = JSON.parse(JSON.parse(task.error.Cause ?? "{}").errorMessage) as { status: string };
          return {
            recorded: "step_outcome",
            failRun: outcome.status === "failed" && task.step.onFailure === "fail_run",
          };
        }
        return { recorded: "ok" };
      },
    },
    retryIntervalMs: 1,
    fixedWaitMs: () => 0,
  });
  sfn = new SFNClient({
    endpoint: sfnLocal.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  await sfnLocal?.stop();
});

beforeEach(() => {
  actions = [];
  runStates = [];
  outcomes = {};
  throwsFirst = {};
});

const step = (id: string, extra: Partial<StepInput> = {}): StepInput => ({
  id,
  delaySeconds: 0,
  action: { type: "send_email", templateId: "t" },
  ...extra,
});

let n = 0;
async function run(input: Omit<RunInput, "run">) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: MACHINE,
      name: `run-${n++}`,
      input: JSON.stringify({ run: aRun(), ...input }),
    }),
  );
  return waitFor(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status !== "RUNNING" && execution.status;
    },
    { description: "the execution to finish" },
  );
}

describe("the run workflow definition", () => {
  it("costs two state transitions per step on the usual path", () => {
    const definition = runWorkflowDefinition() as {
      States: Record<
        string,
        { ItemProcessor?: { States: Record<string, { Type: string; End?: boolean; Next?: string }> } }
      >;
    };
    const steps = definition.States.RunSteps?.ItemProcessor?.States ?? {};
    // WaitForDelay -> RunAction (End): nothing else is entered when a step succeeds.
    expect(steps.WaitForDelay?.Next).toBe("RunAction");
    expect(steps.RunAction?.End).toBe(true);
  });

  it("runs the steps in order, then completes a run without end rules", async () => {
    expect(
      await run({ phase: "entry", steps: [step("a"), step("b"), step("c")], completeWhenStepsDone: true }),
    ).toBe("SUCCEEDED");
    expect(actions).toEqual(["a", "b", "c"]);
    expect(runStates.map((p) => p.type)).toEqual(["run_completed"]);
  });

  it("leaves a run with end rules active after its steps (an end rule will end it)", async () => {
    await run({ phase: "entry", steps: [step("a")], completeWhenStepsDone: false });
    expect(runStates).toEqual([]);
  });

  it("goes on after a failed step whose policy is continue", async () => {
    outcomes = { a: "failed" };
    await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true });
    expect(actions).toEqual(["a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["run_completed"]);
  });

  it("ends the run when a fail_run step fails: later steps never run", async () => {
    outcomes = { b: "failed" };
    const status = await run({
      phase: "entry",
      steps: [step("a"), step("b", { onFailure: "fail_run" }), step("c")],
      completeWhenStepsDone: true,
    });
    expect(status).toBe("SUCCEEDED");
    expect(actions).toEqual(["a", "b"]);
    expect(runStates).toEqual([expect.objectContaining({ type: "step_failed_run", stepId: "b" })]);
  });

  it("records a step that kept throwing, then applies its fail_run policy", async () => {
    outcomes = { a: "throw" };
    await run({
      phase: "entry",
      steps: [step("a", { onFailure: "fail_run" }), step("b")],
      completeWhenStepsDone: true,
    });
    expect(actions).toEqual(["a"]);
    expect(runStates.map((p) => p.type)).toEqual(["step_failed", "step_failed_run"]);
  });

  it("retries transient errors of a step (DynamoDB slow, Lambda.Unknown, a task timeout) instead of failing it", async () => {
    throwsFirst = {
      a: [
        new TransientInfrastructureError("ThrottlingException: Rate exceeded"),
        Object.assign(new Error("no answer"), { name: "Lambda.Unknown" }),
        Object.assign(new Error("timed out"), { name: "States.Timeout" }),
        new TransientInfrastructureError("InternalServerError"),
      ],
    };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "a", "a", "a", "a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["run_completed"]);
  });

  it("retries a transient error over a window of at least 30 minutes", () => {
    // The sum of the backoff intervals without jitter; with full jitter about half of it on average.
    const { IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds } = transientRetry;
    let total = 0;
    for (let i = 0; i < MaxAttempts; i++)
      total += Math.min(IntervalSeconds * BackoffRate ** i, MaxDelaySeconds);
    expect(total / 2).toBeGreaterThan(30 * 60 * 2);
    expect(transientRetry.ErrorEquals).toEqual(
      expect.arrayContaining([
        "TransientActionError",
        "Lambda.Unknown",
        "Lambda.ServiceException",
        "States.Timeout",
      ]),
    );
  });

  it("records an outcome the action could not record, from its error, then goes on", async () => {
    throwsFirst = {
      a: [new StepOutcomeUnrecordedError({ status: "executed", detail: { messageId: "m1" } })],
    };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["step_outcome", "run_completed"]);
  });

  it("an unrecorded failed outcome of a fail_run step still fails the run", async () => {
    throwsFirst = { a: [new StepOutcomeUnrecordedError({ status: "failed", reason: "refused" })] };
    await run({
      phase: "entry",
      steps: [step("a", { onFailure: "fail_run" }), step("b")],
      completeWhenStepsDone: true,
    });
    expect(actions).toEqual(["a"]);
    expect(runStates.map((p) => p.type)).toEqual(["step_outcome", "step_failed_run"]);
  });

  it("a step in doubt waits (a Wait state), then runs again; nothing is recorded as failed", async () => {
    throwsFirst = { a: [new StepInDoubtError("no evidence yet"), new StepInDoubtError("no evidence yet")] };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "a", "a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["run_completed"]);
  });

  it("ends a run on its timeout from the timer branch, stopping steps still waiting", async () => {
    const status = await run({
      phase: "entry",
      steps: [step("a"), step("late", { delaySeconds: 3600 })],
      timeout: { seconds: 0, outcome: "failed" },
      completeWhenStepsDone: false,
    });
    expect(status).toBe("SUCCEEDED");
    expect(actions).not.toContain("late");
    expect(runStates).toEqual([expect.objectContaining({ type: "timeout", outcome: "failed" })]);
  });
});
