import type { Gate, RunPhase, StepInput, StepOutcome, WakePayload } from "../contracts/workflow.js";
import { asTaskError, GateNotDueError } from "../domain/delivery-errors.js";
import type { StoredRun } from "../ports/runs.js";
import { endRun } from "./end-run.js";
import {
  executeStep,
  lookUpEndedRunSteps,
  readTraits,
  type StepDeps,
  type StepKnown,
} from "./execute-step.js";
import { type OpenGateDeps, openGate } from "./open-gate.js";

export type WakeDeps = StepDeps & OpenGateDeps;

export type WakeResult =
  | { steps: Record<string, StepOutcome>; completed?: true }
  | { ended: "timed_out" | "already_ended" }
  | { gate: string }
  | { lookedUp: Record<string, StepOutcome> }
  | { skipped: "run_not_found" };

/**
 * One wake-up of an execution (see Wake): everything due now, in one task. Steps run in order, each
 * exactly once (executeStep's claim), read from the run's pinned steps by id; a run without end
 * rules completes after its last steps; the timeout ends the run; a gate opens its start if it is
 * due. Idempotent, so a retried or resumed wake-up (after a step in doubt, or a failure recorded by
 * the run-state task) goes on from the first step without an outcome.
 *
 * An entry wake-up that runs after the run's timeout (a step retried through a long outage) ends the
 * run on its timeout instead of acting, as the timer would have: no entry step acts after it.
 */
export async function runWake(
  deps: WakeDeps,
  wake: WakePayload,
  /** Told each step's outcome as it is settled (a later step may still fail the wake-up). */
  onStep?: (stepId: string, outcome: StepOutcome) => void,
): Promise<WakeResult> {
  try {
    return await wakeUp(deps, wake, onStep);
  } catch (error) {
    throw asTaskError(error);
  }
}

async function wakeUp(
  deps: WakeDeps,
  wake: WakePayload,
  onStep: ((stepId: string, outcome: StepOutcome) => void) | undefined,
): Promise<WakeResult> {
  if ("gate" in wake) return { gate: await openDueGate(deps, wake.gate) };
  if ("lookup" in wake) return { lookedUp: await lookUpEndedRunSteps(deps, wake) };
  const { workspaceId, momentId, runId, accountId, userId } = wake.run;
  // A wake-up with steps reads the run, its moment and the traits its first step renders from at
  // once: one round trip (the account is on the wake-up; executions started before it was carried
  // read the traits after the run).
  const acting = "steps" in wake && wake.steps.length > 0;
  const [stored, moment, traits] = await Promise.all([
    deps.runs.getRun(workspaceId, runId),
    acting ? deps.moments.getMoment(workspaceId, momentId) : undefined,
    acting && accountId !== undefined ? readTraits(deps, { workspaceId, accountId, userId }) : undefined,
  ]);
  // A run is entered before its execution starts: gone means its workspace was deleted meanwhile.
  if (!stored?.context) return { skipped: "run_not_found" };
  const timedOut =
    wake.phase === "entry" &&
    stored.timeout !== undefined &&
    stored.status === "active" &&
    deps.clock.now().getTime() >= Date.parse(stored.timeout.at);
  if ("timeout" in wake || timedOut) return { ended: await endOnTimeout(deps, stored) };
  const pinned = pinnedStepsOf(stored, wake.phase);
  const outcomes: Record<string, StepOutcome> = {};
  let completed = false;
  for (const [index, stepId] of wake.steps.entries()) {
    const step = pinnedStep(pinned, stepId, stored.runId);
    // The first step goes on what was just read; a later one reads again (an end event may have
    // ended the run meanwhile). The last step of a run that completes with it records both at once.
    const known: StepKnown =
      index === 0
        ? {
            status: stored.status,
            moment: { value: moment },
            ...(traits && stored.context.accountId === accountId && stored.context.userId === userId
              ? { traits }
              : {}),
          }
        : {};
    if (wake.complete && index === wake.steps.length - 1) known.completeRun = true;
    outcomes[stepId] = await executeStep(deps, { run: stored.context, step, phase: wake.phase }, known);
    completed = known.completed === true;
    onStep?.(stepId, outcomes[stepId]);
  }
  if (!wake.complete) return { steps: outcomes };
  // A run stopped or ended meanwhile keeps that outcome.
  if (!completed) await deps.runs.completeRun(stored.context, deps.clock.now().toISOString());
  return { steps: outcomes, completed: true };
}

/** The steps pinned on the run for one phase: its entry steps, or the completion or exit steps of its end. */
export function pinnedStepsOf(
  stored: Pick<StoredRun, "entrySteps" | "endSteps">,
  phase: RunPhase,
): StepInput[] | undefined {
  return phase === "entry"
    ? stored.entrySteps
    : phase === "completion"
      ? stored.endSteps.completion
      : stored.endSteps.exit;
}

export function pinnedStep(pinned: StepInput[] | undefined, stepId: string, runId: string): StepInput {
  const step = pinned?.find((candidate) => candidate.id === stepId);
  if (!step) throw new Error(`Step ${stepId} is not pinned on run ${runId}`);
  return step;
}

async function endOnTimeout(deps: WakeDeps, stored: StoredRun) {
  // Absent only on a run entered without one: its timeout wake-up cannot exist.
  const outcome = stored.timeout?.outcome ?? "failed";
  const result = await endRun(deps, stored, outcome, "timeout", { stopEntry: false, cause: "timeout" });
  return result === "ended" ? ("timed_out" as const) : ("already_ended" as const);
}

/**
 * An abandonment gate woke: the start is opened if it is armed and due, by whichever trigger armed
 * it last. One re-armed by a later trigger since the gate started is not due yet: GateNotDueError
 * makes the same execution wait until the new due time (no new gate per trigger).
 */
async function openDueGate(deps: WakeDeps, gate: Gate): Promise<string> {
  const armed = await deps.pending.current(gate.workspaceId, gate.accountId, gate.momentId, gate.runKey);
  if (!armed) return "not_armed";
  if (Date.parse(armed.dueAt) > deps.clock.now().getTime()) throw new GateNotDueError(armed.dueAt);
  const result = await openGate(deps, { ...gate, token: armed.token, until: armed.dueAt });
  return result === "not_armed" ? "not_armed" : result.decision;
}
