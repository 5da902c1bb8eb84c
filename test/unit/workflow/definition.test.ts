/**
 * The state-machine definition itself, run by the local Step Functions with scripted task functions:
 * a run is a Map of wake-ups, each a Wait and one action task that runs every step due; a fail_run
 * step that fails ends the run (later steps never run); a failure recorded by run-state resumes the
 * wake-up; a step in doubt waits, then its wake-up runs again; a gate re-armed later waits again.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalStepFunctions, startLocalStepFunctions } from "../../../infra/local/step-functions.js";
import {
  executionInputOf,
  type RunInput,
  type RunStateTaskPayload,
  resolveSubstitutions,
  runWorkflowDefinition,
  type StepInput,
  transientRetry,
  type WakePayload,
} from "../../../shared/contracts/workflow.js";
import {
  GateNotDueError,
  StepFailedRunError,
  StepInDoubtError,
  StepOutcomeUnrecordedError,
  TransientInfrastructureError,
} from "../../../shared/domain/delivery-errors.js";
import { executionLog, instrumentStepFunctions } from "../../bench/state-transitions.js";
import { aRun } from "../../support/fakes.js";
import { waitFor } from "../../support/wait-for.js";

const ACTION = "arn:aws:lambda:us-east-1:000000000000:function:action";
const RUN_STATE = "arn:aws:lambda:us-east-1:000000000000:function:run-state";
const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:runs";

let sfnLocal: LocalStepFunctions;
let sfn: SFNClient;
let actions: string[] = [];
let wakes: WakePayload[] = [];
let recorded = new Set<string>();
let runStates: Array<RunStateTaskPayload | { type: "timeout" | "run_completed" }> = [];
/** The steps' onFailure policies, by step id. */
let policies: Record<string, "fail_run"> = {};
/** The due times a gate finds on its successive wake-ups (re-armed), before it opens. */
let gateDue: string[] = [];
/** What the action function answers per step id (default: executed). */
let outcomes: Record<string, "executed" | "failed" | "throw"> = {};
/** Errors the action throws, per step id, before it answers (one per attempt, in order). */
let throwsFirst: Record<string, Error[]> = {};
/** How many wake_failed records lose their answer after recording (the task is retried). */
let loseRecordAnswers = 0;
/** The step each wake_failed or wake_outcome task recorded, in order. */
let failedRecords: string[] = [];

beforeAll(async () => {
  instrumentStepFunctions();
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
      // As runWake does, scripted: steps in order, each once (a recorded step is not run again).
      [ACTION]: async (payload) => {
        const { wake } = payload as { wake: WakePayload };
        wakes.push(wake);
        if ("gate" in wake) {
          const due = gateDue.shift();
          if (due) throw new GateNotDueError(due);
          return { gate: "started" };
        }
        if ("timeout" in wake) {
          runStates.push({ type: "timeout", run: aRun(), outcome: "failed" });
          return { ended: "timed_out" };
        }
        if ("lookup" in wake) return { lookedUp: {} };
        for (const id of wake.steps) {
          if (recorded.has(id)) continue;
          actions.push(id);
          const first = throwsFirst[id]?.shift();
          if (first) throw first;
          const outcome = outcomes[id] ?? "executed";
          if (outcome === "throw")
            throw Object.assign(new Error("provider down"), { name: "PermanentError" });
          recorded.add(id);
          // As executeStep does: a failed fail_run step is recorded, then signalled.
          if (outcome === "failed" && policies[id] === "fail_run") throw new StepFailedRunError("refused");
        }
        if (wake.complete) runStates.push({ type: "run_completed", run: aRun() });
        return { steps: {} };
      },
      [RUN_STATE]: async (payload) => {
        const task = payload as RunStateTaskPayload;
        runStates.push(task);
        if (task.type === "wake_failed_step") {
          const open = "steps" in task.wake ? task.wake.steps.find((s) => !recorded.has(s)) : undefined;
          return { recorded: "nothing", stepId: open ?? null };
        }
        if (task.type === "wake_outcome" || task.type === "wake_failed") {
          // An unrecorded outcome names its step; a failure belongs to the wake-up's first step without one.
          const unrecorded =
            task.type === "wake_outcome"
              ? (JSON.parse(JSON.parse(task.error.Cause ?? "{}").errorMessage) as {
                  stepId: string;
                  outcome: { status: string };
                })
              : undefined;
          const id =
            unrecorded?.stepId ??
            (task.type === "wake_failed" ? task.stepId : undefined) ??
            ("steps" in task.wake ? task.wake.steps.find((s) => !recorded.has(s)) : undefined);
          if (id) recorded.add(id);
          failedRecords.push(id ?? "none");
          // Recorded, then its answer lost (Lambda.Unknown): the state machine retries the task.
          if (task.type === "wake_failed" && loseRecordAnswers > 0) {
            loseRecordAnswers--;
            throw Object.assign(new Error("no answer"), { name: "Lambda.Unknown" });
          }
          const status = unrecorded ? unrecorded.outcome.status : "failed";
          return { recorded: task.type, failRun: status === "failed" && policies[id ?? ""] === "fail_run" };
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
  wakes = [];
  recorded = new Set();
  policies = {};
  gateDue = [];
  runStates = [];
  outcomes = {};
  throwsFirst = {};
  loseRecordAnswers = 0;
  failedRecords = [];
});

const step = (id: string, extra: Partial<StepInput> = {}): StepInput => {
  if (extra.onFailure === "fail_run") policies[id] = "fail_run";
  return { id, delaySeconds: 0, action: { type: "send_email", templateId: "t" }, ...extra };
};

let n = 0;
async function run(input: Omit<RunInput, "run">) {
  return execute(JSON.stringify(executionInputOf({ run: aRun(), ...input })));
}

async function execute(input: string) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: MACHINE, name: `run-${n++}`, input }),
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
  it("costs a Wait and one task per wake-up on the usual path, and the Map once", async () => {
    const definition = runWorkflowDefinition() as {
      StartAt: string;
      States: Record<
        string,
        { ItemProcessor?: { StartAt: string; States: Record<string, Record<string, unknown>> } }
      >;
    };
    const wakeStates = definition.States[definition.StartAt]?.ItemProcessor;
    // Wait -> Act (End): nothing else is entered when a wake-up's steps succeed.
    expect(wakeStates?.StartAt).toBe("Wait");
    expect(wakeStates?.States.Wait?.Next).toBe("Act");
    expect(wakeStates?.States.Act?.End).toBe(true);
    // Three wake-ups (three steps with delays), the last completing the run: 7 states entered.
    const input = executionInputOf({
      run: aRun(),
      phase: "entry",
      steps: [
        step("a", { delaySeconds: 60 }),
        step("b", { delaySeconds: 60 }),
        step("c", { delaySeconds: 60 }),
      ],
      completeWhenStepsDone: true,
    });
    for (const wake of input.wakes) wake.seconds = 0;
    const name = `run-${n}`;
    expect(await execute(JSON.stringify(input))).toBe("SUCCEEDED");
    expect(executionLog.records.find((record) => record.name === name)?.states).toEqual([
      "Wakes",
      "Wait",
      "Act",
      "Wait",
      "Act",
      "Wait",
      "Act",
    ]);
    expect(actions).toEqual(["a", "b", "c"]);
    expect(runStates.map((p) => p.type)).toEqual(["run_completed"]);
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
    expect(runStates.map((p) => p.type)).toEqual(["wake_failed_run"]);
  });

  it("records a step that kept throwing, then applies its fail_run policy", async () => {
    outcomes = { a: "throw" };
    await run({
      phase: "entry",
      steps: [step("a", { onFailure: "fail_run" }), step("b")],
      completeWhenStepsDone: true,
    });
    expect(actions).toEqual(["a"]);
    expect(runStates.map((p) => p.type)).toEqual(["wake_failed_step", "wake_failed", "wake_failed_run"]);
  });

  it("names the failed step before recording it: a retry after the record's answer was lost records that step again, and the next one still runs", async () => {
    outcomes = { a: "throw" };
    loseRecordAnswers = 1;
    expect(
      await run({ phase: "entry", steps: [step("a"), step("b"), step("c")], completeWhenStepsDone: true }),
    ).toBe("SUCCEEDED");
    expect(failedRecords).toEqual(["a", "a"]);
    expect(actions).toEqual(["a", "b", "c"]);
    expect(runStates.map((p) => p.type)).toEqual([
      "wake_failed_step",
      "wake_failed",
      "wake_failed",
      "run_completed",
    ]);
  });

  it("retries transient errors of a step (DynamoDB slow, Lambda.Unknown, a function or task timeout) instead of failing it", async () => {
    throwsFirst = {
      a: [
        new TransientInfrastructureError("ThrottlingException: Rate exceeded"),
        Object.assign(new Error("no answer"), { name: "Lambda.Unknown" }),
        Object.assign(new Error("timed out"), { name: "States.Timeout" }),
        // How Lambda names a function that ran past its own timeout.
        Object.assign(new Error("Task timed out after 30.00 seconds"), { name: "Sandbox.Timedout" }),
        new TransientInfrastructureError("InternalServerError"),
      ],
    };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "a", "a", "a", "a", "a", "b"]);
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
      a: [new StepOutcomeUnrecordedError({ status: "executed", detail: { messageId: "m1" } }, "a")],
    };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["wake_outcome", "run_completed"]);
  });

  it("an unrecorded failed outcome of a fail_run step still fails the run", async () => {
    throwsFirst = { a: [new StepOutcomeUnrecordedError({ status: "failed", reason: "refused" }, "a")] };
    await run({
      phase: "entry",
      steps: [step("a", { onFailure: "fail_run" }), step("b")],
      completeWhenStepsDone: true,
    });
    expect(actions).toEqual(["a"]);
    expect(runStates.map((p) => p.type)).toEqual(["wake_outcome", "wake_failed_run"]);
  });

  it("a step in doubt waits (a Wait state), then runs again; nothing is recorded as failed", async () => {
    throwsFirst = { a: [new StepInDoubtError("no evidence yet"), new StepInDoubtError("no evidence yet")] };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "a", "a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["run_completed"]);
  });

  it("ends a run on its timeout; steps due at or after it never run", async () => {
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

  it("goes on with the rest of a wake-up after a step failure it recorded", async () => {
    outcomes = { a: "throw" };
    expect(await run({ phase: "entry", steps: [step("a"), step("b")], completeWhenStepsDone: true })).toBe(
      "SUCCEEDED",
    );
    expect(actions).toEqual(["a", "b"]);
    expect(runStates.map((p) => p.type)).toEqual(["wake_failed_step", "wake_failed", "run_completed"]);
  });

  it("a gate whose start was re-armed to a later time waits again in the same execution", async () => {
    const later = new Date(Date.now() + 500).toISOString();
    gateDue = [later];
    const gate = {
      workspaceId: "ws_1",
      momentId: "m_1",
      accountId: "acct_1",
      token: "msg_1",
      until: new Date().toISOString(),
    };
    expect(await execute(JSON.stringify({ wakes: [{ seconds: 0, gate }] }))).toBe("SUCCEEDED");
    expect(wakes).toHaveLength(2);
  });
});

describe("the execution input", () => {
  const webhook = {
    type: "send_webhook",
    url: "https://hooks.example.com/secret-path",
    headers: { authorization: "Bearer sk_live_secret" },
  } as unknown as StepInput["action"];

  it("names the run, its account and its steps, and carries no step content", () => {
    const input = executionInputOf({
      run: aRun({ trigger: { ...aRun().trigger, properties: { card: "4242" } } }),
      phase: "entry",
      steps: [step("hook", { action: webhook })],
      completeWhenStepsDone: true,
    });
    const text = JSON.stringify(input);
    expect(text).not.toMatch(/hooks\.example|sk_live|4242|send_webhook|templateId|properties/);
    expect(input.wakes).toEqual([
      {
        seconds: 0,
        // The account (and user): the step's profile is read alongside the run.
        run: {
          workspaceId: "ws_1",
          momentId: aRun().momentId,
          runId: aRun().runId,
          accountId: aRun().accountId,
        },
        phase: "entry",
        steps: ["hook"],
        complete: true,
      },
    ]);
  });

  it("groups consecutive zero-delay steps into one wake-up", () => {
    const input = executionInputOf({
      run: aRun(),
      phase: "completion",
      steps: [
        step("a"),
        step("b"),
        step("c", { delaySeconds: 30 }),
        step("d"),
        step("e", { delaySeconds: 5 }),
      ],
      completeWhenStepsDone: false,
    });
    expect(input.wakes.map((wake) => [wake.seconds, "steps" in wake ? wake.steps : []])).toEqual([
      [0, ["a", "b"]],
      [30, ["c", "d"]],
      [5, ["e"]],
    ]);
  });

  it("ends with the timeout, after the steps due before it only", () => {
    const input = executionInputOf({
      run: aRun(),
      phase: "entry",
      steps: [
        step("a", { delaySeconds: 10 }),
        step("b", { delaySeconds: 20 }),
        step("c", { delaySeconds: 30 }),
      ],
      timeout: { seconds: 45, outcome: "success" },
      completeWhenStepsDone: false,
    });
    expect(input.wakes.map((wake) => [wake.seconds, "steps" in wake ? wake.steps : "timeout"])).toEqual([
      [10, ["a"]],
      [20, ["b"]],
      [15, "timeout"],
    ]);
  });

  it("completes a run without steps and without end rules in one empty wake-up", () => {
    expect(
      executionInputOf({ run: aRun(), phase: "entry", steps: [], completeWhenStepsDone: true }).wakes,
    ).toEqual([expect.objectContaining({ seconds: 0, steps: [], complete: true })]);
  });
});
