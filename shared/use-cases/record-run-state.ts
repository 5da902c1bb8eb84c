import type { RunStateTaskPayload, StepOutcome } from "../contracts/workflow.js";
import { asTaskError } from "../domain/delivery-errors.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, WorkflowController } from "../ports/runs.js";
import { endRun } from "./end-run.js";
import { type OpenGateDeps, openGate } from "./open-gate.js";

type RunStateDeps = OpenGateDeps & { runs: RunRepository; workflows: WorkflowController; clock: Clock };

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

/** The outcome a StepOutcomeUnrecorded error carries: Lambda's Cause is its JSON error, whose message is the outcome. */
function unrecordedOutcome(error: { Cause?: string }): StepOutcome {
  const cause = JSON.parse(error.Cause ?? "{}") as { errorMessage?: string };
  return JSON.parse(cause.errorMessage ?? "") as StepOutcome;
}

async function record(deps: RunStateDeps, payload: RunStateTaskPayload) {
  const at = deps.clock.now().toISOString();
  switch (payload.type) {
    case "step_failed": {
      const reason = [payload.error.Error, payload.error.Cause].filter(Boolean).join(": ").slice(0, 1000);
      await deps.runs.recordStep(
        payload.run,
        payload.step.id,
        { status: "failed", reason: reason || "unknown error" },
        at,
      );
      return { recorded: "step_failed" as const };
    }
    case "step_outcome": {
      // The action performed the step, then failed to record it: record what it reported.
      const outcome = unrecordedOutcome(payload.error);
      await deps.runs.recordStep(payload.run, payload.step.id, outcome, at);
      return {
        recorded: "step_outcome" as const,
        failRun: outcome.status === "failed" && payload.step.onFailure === "fail_run",
      };
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
