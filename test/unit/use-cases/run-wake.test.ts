/**
 * A wake-up's task: the steps it names, read from the run's pinned steps, in order and each once; the
 * run's completion after its last steps; its timeout (also when a late wake-up finds it passed); an
 * abandonment gate that opens only when its start is due. And what run-state records for a wake-up
 * that failed: the failure belongs to its first step without an outcome.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  executionInputOf,
  finishInputOf,
  type StepInput,
  type StepOutcome,
  type WakePayload,
} from "../../../shared/contracts/workflow.js";
import {
  GateNotDueError,
  TransientDeliveryError,
  WakeFailedError,
} from "../../../shared/domain/delivery-errors.js";
import type { PinnedSteps } from "../../../shared/ports/runs.js";
import type { PreparedAction } from "../../../shared/use-cases/actions/action.js";
import { endRun } from "../../../shared/use-cases/end-run.js";
import { recordRunState } from "../../../shared/use-cases/record-run-state.js";
import { runWake, type WakeDeps } from "../../../shared/use-cases/run-wake.js";
import {
  aMoment,
  anEventDetail,
  aRun,
  FakeConfigRepository,
  FakePendingStarts,
  FakeProfiles,
  FakeRunRepository,
  FakeWorkflows,
  fixedClock,
} from "../../support/fakes.js";

const NOW = "2026-11-21T11:00:00.000Z";
const run = aRun();
const ref = { workspaceId: run.workspaceId, momentId: run.momentId, runId: run.runId };
const inApp = (id: string, extra: Partial<StepInput> = {}): StepInput => ({
  id,
  delaySeconds: 0,
  action: { type: "send_notification", title: `Hello from ${id}` } as StepInput["action"],
  ...extra,
});

let runs: FakeRunRepository;
let workflows: FakeWorkflows;
let config: FakeConfigRepository;
let pending: FakePendingStarts;
let performed: string[];
let failing: Set<string>;
let deps: WakeDeps;

beforeEach(async () => {
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  config = new FakeConfigRepository();
  pending = new FakePendingStarts();
  performed = [];
  failing = new Set();
  deps = {
    actions: {
      send_notification: async (ctx): Promise<PreparedAction | StepOutcome> => {
        if (failing.has(ctx.stepId)) return { status: "failed", reason: "refused" };
        return {
          preview: {},
          perform: async () => {
            performed.push(ctx.stepId);
            return { status: "executed" as const };
          },
        };
      },
    },
    profiles: new FakeProfiles(),
    runs,
    moments: config,
    pending,
    workflows,
    clock: fixedClock(NOW),
    timeScale: 1,
  };
  await config.createMoment(
    aMoment({ id: "m_1", status: "running", runningSince: "2026-11-21T09:00:00.000Z" }),
  );
});

async function enter(steps: Partial<PinnedSteps>) {
  await runs.enter(run, { completion: [], exit: [], ...steps });
}

const wake = (
  steps: string[],
  extra: Partial<Extract<WakePayload, { steps: string[] }>> = {},
): WakePayload => ({
  seconds: 0,
  run: ref,
  phase: "entry",
  steps,
  ...extra,
});

describe("runWake", () => {
  it("runs the steps it names from the run's pinned steps, in order, then completes the run", async () => {
    await enter({ entry: [inApp("a"), inApp("b"), inApp("c")] });

    const result = await runWake(deps, wake(["a", "b"], { complete: true }));

    expect(result).toEqual({
      steps: { a: { status: "executed" }, b: { status: "executed" } },
      completed: true,
    });
    expect(performed).toEqual(["a", "b"]);
    expect((await runs.getRun("ws_1", run.runId))?.status).toBe("completed");
  });

  it("reads the run, its moment and the account's profile at once, then claims while preparing", async () => {
    // Each read answers only once every read of its round trip was asked: read one after another,
    // this never settles.
    const together = (names: string[]) => {
      const asked = new Set<string>();
      let all: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        all = resolve;
      });
      return <A extends unknown[], R>(name: string, read: (...args: A) => Promise<R>) =>
        async (...args: A) => {
          asked.add(name);
          if (names.every((n) => asked.has(n))) all();
          await ready;
          return read(...args);
        };
    };
    await enter({ entry: [inApp("a")] });
    const first = together(["run", "moment", "profile"]);
    runs.getRun = first("run", runs.getRun.bind(runs));
    config.getMoment = first("moment", config.getMoment.bind(config));
    const profiles = deps.profiles as FakeProfiles;
    profiles.get = first("profile", profiles.get.bind(profiles));
    const second = together(["claim", "prepare"]);
    runs.claimStep = second("claim", runs.claimStep.bind(runs));
    const perform = deps.actions.send_notification;
    deps.actions.send_notification = second(
      "prepare",
      async (...args: Parameters<NonNullable<typeof perform>>) => perform?.(...args),
    ) as typeof perform;

    const result = await runWake(deps, wake(["a"], { run: { ...ref, accountId: run.accountId } }));

    expect(result).toEqual({ steps: { a: { status: "executed" } } });
  });

  it("records the last step of a run without end rules and completes the run in one write", async () => {
    await enter({ entry: [inApp("a"), inApp("b")] });
    const recorded: Array<{ stepId: string; completeRun?: boolean }> = [];
    const record = runs.recordStep.bind(runs);
    runs.recordStep = async (r, stepId, outcome, at, options) => {
      recorded.push({ stepId, ...(options?.completeRun ? { completeRun: true } : {}) });
      return record(r, stepId, outcome, at, options);
    };
    let completions = 0;
    const complete = runs.completeRun.bind(runs);
    runs.completeRun = async (...args) => {
      completions++;
      return complete(...args);
    };

    const result = await runWake(deps, wake(["a", "b"], { complete: true }));

    expect(result).toMatchObject({ completed: true });
    expect(recorded).toEqual([{ stepId: "a" }, { stepId: "b", completeRun: true }]);
    // Once, by the record (the fake completes as the adapter's transaction does), not again after it.
    expect(completions).toBe(1);
    expect((await runs.getRun("ws_1", run.runId))?.status).toBe("completed");
  });

  it("still completes the run when its last step had been recorded by an earlier attempt", async () => {
    await enter({ entry: [inApp("a")] });
    await runWake(deps, wake(["a"]));

    const result = await runWake(deps, wake(["a"], { complete: true }));

    expect(result).toMatchObject({ completed: true });
    expect((await runs.getRun("ws_1", run.runId))?.status).toBe("completed");
  });

  it("runs again without repeating a step (a resumed or retried wake-up)", async () => {
    await enter({ entry: [inApp("a"), inApp("b")] });
    await runWake(deps, wake(["a"]));

    const result = await runWake(deps, wake(["a", "b"]));

    expect(performed).toEqual(["a", "b"]);
    expect(result).toEqual({
      steps: { a: { status: "skipped", reason: "already_executed" }, b: { status: "executed" } },
    });
  });

  it("runs a completion phase from the run's pinned completion steps", async () => {
    await enter({ completion: [inApp("thanks")] });
    await runs.endRun(run, "success", "msg_end", NOW);

    await runWake(deps, { seconds: 0, run: ref, phase: "completion", steps: ["thanks"] });

    expect(performed).toEqual(["thanks"]);
  });

  it("ends the run on its timeout, and starts its exit steps", async () => {
    await enter({ entry: [inApp("a")], exit: [inApp("sorry")], timeout: { at: NOW, outcome: "failed" } });

    const result = await runWake(deps, { seconds: 0, run: ref, phase: "entry", timeout: true });

    expect(result).toEqual({ ended: "timed_out" });
    expect((await runs.getRun("ws_1", run.runId))?.status).toBe("failed");
    expect(workflows.end(run.runId)).toMatchObject({ phase: "exit", steps: [inApp("sorry")] });
  });

  it("a wake-up that runs after the timeout (retried through an outage) ends the run instead of acting", async () => {
    await enter({ entry: [inApp("a")], timeout: { at: "2026-11-21T10:59:59.000Z", outcome: "success" } });

    const result = await runWake(deps, wake(["a"]));

    expect(result).toEqual({ ended: "timed_out" });
    expect(performed).toEqual([]);
    expect((await runs.getRun("ws_1", run.runId))?.status).toBe("success");
  });

  it("answers a run that no longer exists without acting", async () => {
    expect(await runWake(deps, wake(["a"]))).toEqual({ skipped: "run_not_found" });
  });

  describe("an abandonment gate", () => {
    const gate = { workspaceId: "ws_1", momentId: "m_1", accountId: "acct_1", token: "msg_1", until: NOW };
    const trigger = (messageId: string, dueAt: string) => ({
      workspaceId: "ws_1",
      accountId: "acct_1",
      momentId: "m_1",
      token: messageId,
      dueAt,
      trigger: anEventDetail({ messageId, workspaceId: "ws_1", accountId: "acct_1" }),
    });

    it("waits again when a later trigger re-armed the start", async () => {
      await pending.arm(trigger("msg_2", "2026-11-21T11:30:00.000Z"), NOW);

      await expect(runWake(deps, { seconds: 0, gate })).rejects.toEqual(
        new GateNotDueError("2026-11-21T11:30:00.000Z"),
      );
    });

    it("opens with the latest trigger once due", async () => {
      config = new FakeConfigRepository();
      deps = { ...deps, moments: config };
      await config.createMoment(
        aMoment({
          id: "m_1",
          status: "running",
          runningSince: "2026-11-21T09:00:00.000Z",
          start: { event: "payment_failed", unless: { event: "paid", within: { amount: 1, unit: "hours" } } },
        }),
      );
      await pending.arm(trigger("msg_2", NOW), NOW);

      expect(await runWake(deps, { seconds: 0, gate })).toEqual({ gate: "started" });
      expect(await pending.current("ws_1", "acct_1", "m_1", undefined)).toBeUndefined();
    });

    it("does nothing when the start was cancelled", async () => {
      expect(await runWake(deps, { seconds: 0, gate })).toEqual({ gate: "not_armed" });
    });
  });
});

/**
 * Issue 9's race: a webhook delivered whose answer was lost (the step threw for a retry) while an end
 * event ends the run. Whatever the order, the delivery is recorded (executed, counted once), and
 * every delivery carries the step's one webhook-id (the receiver dedupes on it).
 */
describe("a webhook in doubt when an end event ends the run", () => {
  const hook: StepInput = {
    id: "hook",
    delaySeconds: 0,
    action: { type: "send_webhook", method: "POST", url: "https://hooks.example/in" },
  };
  let deliveries: string[];
  let answersLost: number;
  /** Runs once a delivery whose answer is lost went out, before the step hears of it. */
  let meanwhile: (() => Promise<void>) | undefined;
  const endEvent = () =>
    endRun(deps, { ...ref, accountId: run.accountId }, "success", "msg_paid", {
      stopEntry: true,
      cause: "event:paid",
    });
  /**
   * The run's finish execution, as the state machine would run it: its one wake-up, retried (with
   * backoff) while it fails for now.
   */
  async function runFinishExecution() {
    const steps = workflows.finishes.get(run.runId);
    const end = workflows.end(run.runId);
    const wakes = [
      ...(end ? executionInputOf(end).wakes : []),
      ...(steps ? finishInputOf(run, steps).wakes : []),
    ];
    for (const w of wakes) {
      for (let attempt = 0; ; attempt++) {
        try {
          await runWake(deps, w);
          break;
        } catch (error) {
          if (!(error instanceof TransientDeliveryError) || attempt >= 5) throw error;
        }
      }
    }
  }

  beforeEach(async () => {
    deliveries = [];
    answersLost = 0;
    meanwhile = undefined;
    deps.actions.send_webhook = async (ctx) => ({
      preview: {},
      perform: async () => {
        deliveries.push(ctx.idempotencyKey);
        if (answersLost === 0) return { status: "executed" as const };
        answersLost--;
        await meanwhile?.();
        throw new TransientDeliveryError("webhook: hooks.example: socket hang up");
      },
    });
    await enter({ entry: [hook] });
    await workflows.start({ run, phase: "entry", steps: [hook], completeWhenStepsDone: false });
  });

  it("ended between the lost answer and the retry (the retry never comes): the run's end finishes it", async () => {
    answersLost = 1;
    await expect(runWake(deps, wake(["hook"]))).rejects.toBeInstanceOf(TransientDeliveryError);

    await endEvent();
    expect(workflows.stopped.has(run.runId)).toBe(true);
    // The end found it in doubt: its end execution finishes it first.
    expect(workflows.end(run.runId)?.finish).toEqual(["hook"]);
    await runFinishExecution();

    expect(runs.step(run, "hook")).toMatchObject({ status: "executed" });
    expect(deliveries).toEqual([`${run.runId}:hook`, `${run.runId}:hook`]);
    expect(runs.statsOf("ws_1", "m_1")["steps.hook.executed"]).toBe(1);
  });

  it("ended while the delivery was on its way (the end saw no doubt yet): the step starts the finish itself", async () => {
    answersLost = 1;
    meanwhile = async () => {
      await endEvent();
    };

    await expect(runWake(deps, wake(["hook"]))).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(workflows.finishes.get(run.runId)).toEqual(["hook"]);
    await runFinishExecution();

    expect(runs.step(run, "hook")).toMatchObject({ status: "executed" });
    expect(new Set(deliveries)).toEqual(new Set([`${run.runId}:hook`]));
    expect(runs.statsOf("ws_1", "m_1")["steps.hook.executed"]).toBe(1);
  });

  it("ended before a retry that still comes (its execution not stopped yet): the retry finishes it, not skips it", async () => {
    answersLost = 1;
    await expect(runWake(deps, wake(["hook"]))).rejects.toBeInstanceOf(TransientDeliveryError);
    await runs.endRun(run, "success", "msg_paid", NOW);

    const result = await runWake(deps, wake(["hook"]));

    expect(result).toEqual({ steps: { hook: { status: "executed" } } });
    expect(runs.statsOf("ws_1", "m_1")["steps.hook.executed"]).toBe(1);
  });

  it("two finishers of one step in doubt: the one that loses the take-over records nothing over the winner's claim", async () => {
    runs.seedClaim(run, "hook", NOW, "attempt-a");
    await runs.markStepInDoubt(run, "hook", "attempt-a", NOW);
    await runs.endRun(run, "success", "msg_paid", NOW);
    const takeOver = runs.takeOverStep.bind(runs);
    let raced = false;
    runs.takeOverStep = async (r, stepId, from, to, at) => {
      // The other finisher takes it over between this one's read and its write.
      if (!raced) {
        raced = true;
        await takeOver(r, stepId, from, "attempt-b", at);
      }
      return takeOver(r, stepId, from, to, at);
    };

    const result = await runWake(deps, wake(["hook"]));

    expect(result).toEqual({ steps: { hook: { status: "skipped", reason: "already_executed" } } });
    // Still the winner's to record: what it delivers is what the record will say.
    expect(runs.step(run, "hook")).toMatchObject({ status: "claimed", attempt: "attempt-b" });
    expect(deliveries).toEqual([]);
  });

  it("still skips a webhook that had not begun when the run ended, sending nothing", async () => {
    await endEvent();

    const result = await runWake(deps, wake(["hook"]));

    expect(workflows.finishes.has(run.runId)).toBe(false);
    expect(workflows.end(run.runId)).toBeUndefined();
    expect(result).toEqual({ steps: { hook: { status: "skipped", reason: "run_not_active" } } });
    expect(deliveries).toEqual([]);
  });

  it("the finish execution retries while the receiver still fails, then records the delivery once", async () => {
    answersLost = 3;
    meanwhile = async () => {
      if (answersLost === 2) await endEvent();
    };

    await expect(runWake(deps, wake(["hook"]))).rejects.toBeInstanceOf(TransientDeliveryError);
    await runFinishExecution();

    expect(runs.step(run, "hook")).toMatchObject({ status: "executed" });
    expect(deliveries).toHaveLength(4);
    expect(new Set(deliveries)).toEqual(new Set([`${run.runId}:hook`]));
    expect(runs.statsOf("ws_1", "m_1")["steps.hook.executed"]).toBe(1);
  });
});

describe("recordRunState for a wake-up", () => {
  const error = { Error: "TransientActionError", Cause: "Lambda timed out" };
  const stateDeps = () => ({ ...deps, pending, moments: config });

  it("records the failure on the wake-up's first step without an outcome, and tells its policy", async () => {
    await enter({ entry: [inApp("a"), inApp("b", { onFailure: "fail_run" })] });
    await runWake(deps, wake(["a"]));

    const result = await recordRunState(stateDeps(), { type: "wake_failed", wake: wake(["a", "b"]), error });

    expect(result).toEqual({ recorded: "step_failed", failRun: true });
    expect(runs.step(run, "b")).toMatchObject({ status: "failed" });
  });

  it("names the failed step first: a record retried after its answer was lost records that step again, not the next", async () => {
    await enter({ entry: [inApp("a"), inApp("b"), inApp("c")] });
    await runWake(deps, wake(["a"]));

    const named = await recordRunState(stateDeps(), {
      type: "wake_failed_step",
      wake: wake(["a", "b", "c"]),
    });
    const failed = { type: "wake_failed" as const, wake: wake(["a", "b", "c"]), error, stepId: named.stepId };
    const first = await recordRunState(stateDeps(), failed);
    const retried = await recordRunState(stateDeps(), failed);

    expect(named).toMatchObject({ stepId: "b" });
    expect(first).toEqual({ recorded: "step_failed", failRun: false });
    expect(retried).toEqual(first);
    expect(runs.step(run, "b")).toMatchObject({ status: "failed" });
    // Never tried: left for the wake-up, which runs on after the record.
    expect(runs.step(run, "c")).toBeUndefined();
    expect(runs.statsOf("ws_1", "m_1")["steps.b.failed"]).toBe(1);
  });

  it("names no step when none takes the failure (every step has its outcome, or a gate)", async () => {
    await enter({ entry: [inApp("a")] });
    await runWake(deps, wake(["a"]));

    expect(
      await recordRunState(stateDeps(), { type: "wake_failed_step", wake: wake(["a"], { complete: true }) }),
    ).toMatchObject({ stepId: null });
  });

  it("ends the run as failed by the fail_run step that failed", async () => {
    failing.add("b");
    await enter({ entry: [inApp("a"), inApp("b", { onFailure: "fail_run" })], exit: [inApp("sorry")] });
    await expect(runWake(deps, wake(["a", "b"]))).rejects.toMatchObject({ name: "StepFailedRun" });

    const result = await recordRunState(stateDeps(), { type: "wake_failed_run", wake: wake(["a", "b"]) });

    expect(result).toEqual({ recorded: "failed_by_step" });
    expect((await runs.getRun("ws_1", run.runId))?.endedBy).toBe("step:b");
    expect(workflows.end(run.runId)).toMatchObject({ phase: "exit" });
  });

  it("ends the run as failed, not completed, when the step that would complete it fails with fail_run", async () => {
    failing.add("b");
    await enter({ entry: [inApp("a"), inApp("b", { onFailure: "fail_run" })], exit: [inApp("sorry")] });
    await expect(runWake(deps, wake(["a", "b"], { complete: true }))).rejects.toMatchObject({
      name: "StepFailedRun",
    });
    expect((await runs.getRun("ws_1", run.runId))?.status).toBe("active");

    const result = await recordRunState(stateDeps(), {
      type: "wake_failed_run",
      wake: wake(["a", "b"], { complete: true }),
    });

    expect(result).toEqual({ recorded: "failed_by_step" });
    expect(await runs.getRun("ws_1", run.runId)).toMatchObject({ status: "failed", endedBy: "step:b" });
    expect(workflows.end(run.runId)).toMatchObject({ phase: "exit" });
  });

  it("fails the execution for good when a gate or a completion failed (no step record takes it)", async () => {
    await enter({ entry: [inApp("a")] });
    await runWake(deps, wake(["a"]));

    await expect(
      recordRunState(stateDeps(), { type: "wake_failed", wake: wake(["a"], { complete: true }), error }),
    ).rejects.toBeInstanceOf(WakeFailedError);
  });
});
