import type { ActionTaskPayload, StepInput, StepOutcome } from "../contracts/workflow.js";
import {
  PermanentDeliveryError,
  StepFailedRunError,
  TransientDeliveryError,
} from "../domain/delivery-errors.js";
import { type Action, runIsLive } from "../domain/moment.js";
import {
  createRenderer,
  MissingValueError,
  type OnMissing,
  type RenderData,
  type Renderer,
  UnsafeValueError,
} from "../domain/render.js";
import type { Clock } from "../ports/clock.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { RunRepository } from "../ports/runs.js";
import {
  type ActionContext,
  type ActionPerformer,
  type ActionPerformers,
  isPrepared,
  type PreparedAction,
  type Run,
} from "./actions/action.js";

export interface StepDeps {
  /** Performers by action type; a type without one is recorded as skipped (not available). */
  actions: ActionPerformers;
  profiles: Pick<ProfileRepository, "get" | "getUser">;
  runs: RunRepository;
  /** Read before every step: a stopped or archived moment's runs do nothing more. */
  moments: Pick<MomentRepository, "getMoment">;
  clock: Clock;
}

/**
 * Runs one step of a run, at most once. The step is claimed with a conditional write before its side
 * effect; a retried task that finds the claim done does nothing, and one that finds a claim left by
 * an attempt that died mid-send records the step as failed rather than risk a duplicate send.
 * Transient delivery errors give the claim back and are rethrown for the state machine to retry.
 *
 * Before acting, the step re-checks that its moment is still running (and that the run belongs to
 * the current running period). Stopping a moment stops its runs' executions, but that sweep may not
 * reach every run of a very large moment: a run it missed ends here, as stopped, at its next step.
 */
const REQUIRED_RUN_STATUS = { entry: "active", completion: "success", exit: "failed" } as const;

export async function executeStep(
  deps: StepDeps,
  { run, step, phase = "entry" }: ActionTaskPayload,
): Promise<StepOutcome> {
  const now = () => deps.clock.now().toISOString();
  const runStatus = await deps.runs.getRunStatus(run.workspaceId, run.runId);
  // Entry steps run while the run is active; completion steps once it succeeded, exit steps once it
  // failed. An entry step reached after an end rule matched (a race with the stop) does nothing.
  if (runStatus !== REQUIRED_RUN_STATUS[phase]) {
    const outcome: StepOutcome = {
      status: "skipped",
      reason: phase === "entry" ? "run_not_active" : `run_not_${REQUIRED_RUN_STATUS[phase]}`,
    };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  const moment = await deps.moments.getMoment(run.workspaceId, run.momentId);
  if (!runIsLive(moment, run)) {
    await deps.runs.stopRun(run, now());
    const outcome: StepOutcome = { status: "skipped", reason: "moment_stopped" };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  if (!run.actionsEnabled) {
    const outcome: StepOutcome = { status: "skipped", reason: "actions_disabled" };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  const claim = await deps.runs.claimStep(run, step.id, now());
  if (claim === "already_done") return { status: "skipped", reason: "already_executed" };
  if (claim === "in_doubt") {
    const outcome: StepOutcome = {
      status: "failed",
      reason: "outcome_unknown: an earlier attempt stopped mid-action",
    };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  let outcome: StepOutcome;
  try {
    const ctx = await actionContext(deps, run, step, false);
    outcome = await performAction(deps.actions, ctx, step.action);
  } catch (error) {
    const settled = settledOutcomeOf(error);
    if (settled) {
      outcome = settled;
    } else {
      // Transient delivery errors, and anything that failed before the provider was called (a
      // throttled read, say), had no side effect: give the claim back and let the state machine
      // retry with backoff, rather than leave a claim that would read as "in doubt".
      await deps.runs.releaseStep(run, step.id);
      if (error instanceof TransientDeliveryError) throw error;
      throw new TransientDeliveryError(
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
    }
  }
  await deps.runs.recordStep(run, step.id, outcome, now());
  if (outcome.status === "failed" && step.onFailure === "fail_run")
    throw new StepFailedRunError(outcome.reason);
  return outcome;
}

/**
 * The outcome of an error that settles the step for good, with nothing sent: a missing value under
 * `onMissing: skip|fail`, an unsafe value, a delivery the provider refused. Undefined for any other
 * error (a transient one: the caller decides what a retry means).
 */
export function settledOutcomeOf(error: unknown): StepOutcome | undefined {
  if (error instanceof MissingValueError)
    return { status: error.policy === "skip" ? "skipped" : "failed", reason: error.message };
  if (error instanceof UnsafeValueError || error instanceof PermanentDeliveryError)
    return { status: "failed", reason: error.message };
  return undefined;
}

/** The run's profile and event, and a renderer with the step's `onMissing` policy. */
export async function actionContext(
  deps: Pick<StepDeps, "profiles" | "clock">,
  run: Run,
  step: Pick<StepInput, "id" | "onMissing">,
  test: boolean,
): Promise<ActionContext> {
  const [profile, user] = await Promise.all([
    deps.profiles.get(run.workspaceId, run.accountId),
    run.userId ? deps.profiles.getUser(run.workspaceId, run.userId) : undefined,
  ]);
  const data: RenderData = {
    traits: profile?.traits ?? {},
    user: user?.traits ?? {},
    event: run.trigger.properties,
  };
  return contextFor(run, step, data, test, deps.clock.now());
}

/** A performer's context for a step of a run, over this data (a renderer with the step's policy by default). */
export function contextFor(
  run: Run,
  step: { id: string; onMissing?: OnMissing | undefined },
  data: RenderData,
  test: boolean,
  now: Date,
  render: Renderer = createRenderer(data, step.onMissing ?? "empty"),
): ActionContext {
  return { run, stepId: step.id, idempotencyKey: `${run.runId}:${step.id}`, data, render, test, now };
}

/** Renders and checks an action with its performer, without performing it. */
export async function prepareAction(
  performers: ActionPerformers,
  ctx: ActionContext,
  action: Action,
): Promise<PreparedAction | StepOutcome> {
  const performer = performers[action.type] as ActionPerformer | undefined;
  if (!performer) return { status: "skipped", reason: `action_not_available: ${action.type}` };
  return performer(ctx, action);
}

/** Prepares and performs one action (settled and transient errors are the caller's). */
async function performAction(
  performers: ActionPerformers,
  ctx: ActionContext,
  action: Action,
): Promise<StepOutcome> {
  const prepared = await prepareAction(performers, ctx, action);
  return isPrepared(prepared) ? prepared.perform() : prepared;
}
