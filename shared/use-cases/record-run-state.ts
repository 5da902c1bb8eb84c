import type { RunStateTaskPayload } from "../contracts/workflow.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, WorkflowController } from "../ports/runs.js";
import { endRun } from "./end-run.js";
import { type OpenGateDeps, openGate } from "./open-gate.js";

/** Writes what the workflow reports: a step that failed for good, or the end of a run. Idempotent. */
export async function recordRunState(
  deps: OpenGateDeps & { runs: RunRepository; workflows: WorkflowController; clock: Clock },
  payload: RunStateTaskPayload,
) {
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
