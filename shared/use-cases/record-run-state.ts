import type {
  RunContext,
  RunPhase,
  RunStateTaskPayload,
  StepInput,
  StepOutcome,
  WakePayload,
} from "../contracts/workflow.js";
import { asTaskError, WakeFailedError } from "../domain/delivery-errors.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, WorkflowController } from "../ports/runs.js";
import { endRun } from "./end-run.js";
import { type OpenGateDeps, openGate } from "./open-gate.js";
import { pinnedStep, pinnedStepsOf } from "./run-wake.js";
import { pinnedStepOf, recordFailedStep, recordOf, sentMeanwhile } from "./step-doubt.js";

type RunStateDeps = OpenGateDeps & { runs: RunRepository; workflows: WorkflowController; clock: Clock };

/**
 * The steps of a wake-up, with their records: steps run in order and each is recorded before the
 * next starts, so the first without an outcome is the one a failure of the wake-up belongs to.
 */
async function wakeSteps(deps: RunStateDeps, wake: WakePayload) {
  if (!("steps" in wake))
    throw new WakeFailedError(
      `A ${"gate" in wake ? "gate" : "lookup" in wake ? "lookup" : "timeout"} failed for good`,
    );
  const [stored, records] = await Promise.all([
    deps.runs.getRun(wake.run.workspaceId, wake.run.runId),
    deps.runs.listRunSteps(wake.run.workspaceId, wake.run.runId),
  ]);
  if (!stored?.context) throw new WakeFailedError(`Run ${wake.run.runId} not found`);
  const pinned = pinnedStepsOf(stored, wake.phase);
  const byId = new Map(records.map((record) => [record.stepId, record]));
  return {
    run: stored.context,
    phase: wake.phase,
    steps: wake.steps.map((id) => ({ step: pinnedStep(pinned, id, stored.runId), record: byId.get(id) })),
  };
}

/** Steps run in order, each recorded before the next starts: the first without an outcome. */
function firstOpen<T extends { record?: { status: string } | undefined }>(steps: T[]): T | undefined {
  return steps.find(({ record }) => record === undefined || record.status === "claimed");
}

/**
 * The wake-up's step a failure belongs to: the one named (by wake_failed_step, before anything was
 * recorded), else its first step without an outcome.
 */
async function failedStep(
  deps: RunStateDeps,
  wake: WakePayload,
  stepId?: string,
): Promise<{ run: RunContext; step: StepInput; phase: RunPhase }> {
  const { run, phase, steps } = await wakeSteps(deps, wake);
  const named = stepId === undefined ? undefined : steps.find(({ step }) => step.id === stepId);
  if (named) return { run, step: named.step, phase };
  const open = firstOpen(steps);
  // Every step has its outcome: the completion failed (or the timeout check), which no step record takes.
  if (!open) throw new WakeFailedError(`Run ${run.runId}: the wake-up failed after its steps`);
  return { run, step: open.step, phase };
}

/**
 * Writes what the workflow reports: a step that failed for good, a step's outcome its action could
 * not record, or the end of a run. Idempotent, so every failure (DynamoDB throttled, a conflict, Step
 * Functions unavailable) is raised as a transient error for the state machine to retry.
 */
export async function recordRunState(deps: RunStateDeps, payload: RunStateTaskPayload) {
  try {
    return await record(deps, payload);
  } catch (error) {
    throw asTaskError(error);
  }
}

/**
 * What a StepOutcomeUnrecorded error carries: Lambda's Cause is its JSON error, whose message is
 * `{ stepId, outcome }` (or, from a version before steps were named in it, the outcome alone).
 */
function unrecorded(error: { Cause?: string }): { outcome: StepOutcome; stepId?: string; recheck?: string } {
  const cause = JSON.parse(error.Cause ?? "{}") as { errorMessage?: string };
  const message = JSON.parse(cause.errorMessage ?? "") as
    | { stepId?: unknown; outcome?: StepOutcome; recheck?: unknown }
    | StepOutcome;
  if ("outcome" in message && message.outcome && typeof message.stepId === "string")
    return {
      outcome: message.outcome,
      stepId: message.stepId,
      ...(typeof message.recheck === "string" ? { recheck: message.recheck } : {}),
    };
  return { outcome: message as StepOutcome };
}

/**
 * Records an outcome its action could not, then, when it settles a claim as not sent while another
 * attempt's email may have gone out (`recheck`), reads the evidence again as the action would have
 * (see sentMeanwhile): what stands then is what decides the step's policy.
 */
async function recordUnrecorded(
  deps: RunStateDeps,
  run: RunContext,
  step: StepInput,
  { outcome, recheck }: { outcome: StepOutcome; recheck?: string },
  at: string,
) {
  await deps.runs.recordStep(run, step.id, outcome, at);
  let stands = outcome;
  if (recheck !== undefined) {
    // (corrected by this re-read, or by the evidence's own handler first, or recorded by an
    // earlier try of this task: what stands decides)
    await sentMeanwhile(deps, run, step.id, recheck);
    stands = (await recordOf(deps, run, step.id)) ?? outcome;
  }
  return {
    recorded: "step_outcome" as const,
    failRun: stands.status === "failed" && step.onFailure === "fail_run",
  };
}

function failureReason(error: { Error?: string; Cause?: string }): string {
  return [error.Error, error.Cause].filter(Boolean).join(": ").slice(0, 1000) || "unknown error";
}

async function record(deps: RunStateDeps, payload: RunStateTaskPayload) {
  const at = deps.clock.now().toISOString();
  switch (payload.type) {
    case "wake_failed_step": {
      // Read only: the step RecordFailure will record (null: none takes the failure, which
      // wake_failed then handles as it does unnamed: a lookup, a gate, a timeout, a completion).
      if (!("steps" in payload.wake)) return { recorded: "nothing" as const, stepId: null };
      const { steps } = await wakeSteps(deps, payload.wake);
      return { recorded: "nothing" as const, stepId: firstOpen(steps)?.step.id ?? null };
    }
    case "wake_failed": {
      if ("lookup" in payload.wake) {
        // The lookup kept failing through every retry: what Slack did cannot be known. Recorded as
        // such (not left claimed, nor as "not sent"), so the wake-up, run again, finds nothing to do.
        const { run, lookup } = payload.wake;
        const reason = `outcome_unknown: the send was in doubt, and looking it up failed (${failureReason(payload.error)})`;
        for (const stepId of lookup)
          await deps.runs.settleStepInDoubt(
            run.workspaceId,
            run.runId,
            stepId,
            { status: "failed", reason },
            at,
            // (a step the run's end found plainly claimed and could not settle: see step-doubt.ts)
            { plainClaim: true },
          );
        return { recorded: "lookup_failed" as const, failRun: false };
      }
      // Its claim, if any, is settled as a doubt (the evidence, a lookup): never overwritten. The
      // step named before: a retry whose first try recorded it (answer lost) finds it recorded.
      const { run, step, phase } = await failedStep(deps, payload.wake, payload.stepId ?? undefined);
      const outcome = await recordFailedStep(deps, run, step, phase, failureReason(payload.error));
      // The outcome that stands decides (a live attempt's record, SES's evidence, may have won).
      return {
        recorded: "step_failed" as const,
        failRun: outcome.status === "failed" && step.onFailure === "fail_run",
      };
    }
    case "wake_outcome": {
      // The action performed the step, then failed to record it: record what it reported, on the
      // step it names. Its record may have gone in with the answer lost: the first step without an
      // outcome is then the next one, which must not take it (it would never be performed).
      const reported = unrecorded(payload.error);
      const { run, step } = await failedStep(deps, payload.wake, reported.stepId);
      return { ...(await recordUnrecorded(deps, run, step, reported, at)) };
    }
    case "wake_failed_run": {
      // A fail_run step failed for good: the run ends as failed and its exit steps start. The
      // execution ends itself (RunEnded) once this returns.
      const { run, steps } = await wakeSteps(deps, payload.wake);
      const failed =
        steps.find(({ step, record }) => record?.status === "failed" && step.onFailure === "fail_run") ??
        steps.find(({ record }) => record?.status === "failed");
      const result = await endRun(deps, run, "failed", `step:${failed?.step.id ?? "unknown"}`, {
        stopEntry: false,
        cause: "step_failed",
      });
      return { recorded: result === "ended" ? ("failed_by_step" as const) : ("already_ended" as const) };
    }
    case "step_failed": {
      // (an execution from before wake-ups: its step failed for good, settled the same way)
      const stored = await deps.runs.getRun(payload.run.workspaceId, payload.run.runId);
      const phase = pinnedStepOf(stored, payload.step.id)?.phase ?? "entry";
      await recordFailedStep(deps, payload.run, payload.step, phase, failureReason(payload.error));
      return { recorded: "step_failed" as const };
    }
    case "step_outcome": {
      // The action performed the step, then failed to record it: record what it reported.
      return { ...(await recordUnrecorded(deps, payload.run, payload.step, unrecorded(payload.error), at)) };
    }
    case "run_completed":
      await deps.runs.completeRun(payload.run, at);
      return { recorded: "run_completed" as const };
    case "open_gate": {
      const result = await openGate(deps, payload.gate);
      return {
        recorded: result === "not_armed" ? ("gate_not_armed" as const) : (`gate_${result.decision}` as const),
      };
    }
    case "step_failed_run": {
      // A fail_run step failed for good: the run ends as failed and its exit steps start. Called
      // from inside the execution, which ends itself (RunEnded) once this returns.
      const result = await endRun(deps, payload.run, "failed", `step:${payload.stepId}`, {
        stopEntry: false,
        cause: "step_failed",
      });
      return { recorded: result === "ended" ? ("failed_by_step" as const) : ("already_ended" as const) };
    }
    case "timeout": {
      // Called from inside the entry execution, which ends itself (RunEnded) once this returns.
      const result = await endRun(deps, payload.run, payload.outcome, "timeout", {
        stopEntry: false,
        cause: "timeout",
      });
      return { recorded: result === "ended" ? ("timed_out" as const) : ("already_ended" as const) };
    }
  }
}
