import type { RunContext, RunOutcome } from "../contracts/workflow.js";
import type { EndCause } from "../domain/report.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, WorkflowController } from "../ports/runs.js";
import { settleDoubtsOfEndedRun } from "./step-doubt.js";

export interface EndRunDeps {
  runs: RunRepository;
  workflows: WorkflowController;
  clock: Clock;
}

/**
 * Ends an active run with an outcome, exactly once, and continues it: the entry execution is stopped
 * (its remaining entry steps never run), an entry step left in doubt is settled (or finished), and the completion steps (on success) or exit steps (on
 * failed) start right away in the run's end execution. Safe to repeat with the same `endedBy` (a
 * redelivered end event, a retried timeout task): it re-drives the same stop and start.
 * `stopEntry: false` when called from inside the entry execution (the timeout ends it itself);
 * `cause`: which kind of end rule ended it, for the report's split by end rule.
 */
export async function endRun(
  deps: EndRunDeps,
  run: Pick<RunContext, "workspaceId" | "momentId" | "accountId" | "runId" | "runKey">,
  outcome: RunOutcome,
  endedBy: string,
  options: { stopEntry: boolean; cause: EndCause },
): Promise<"ended" | "already_ended"> {
  const result = await deps.runs.endRun(run, outcome, endedBy, deps.clock.now().toISOString(), options.cause);
  if (result !== "ended") return result;
  if (options.stopEntry) await deps.workflows.stop(run.runId, `The run ended (${outcome}) by ${endedBy}`);
  const stored = await deps.runs.getRun(run.workspaceId, run.runId);
  // A step left in doubt by the stopped execution is settled here, or finished by the end
  // execution (see step-doubt.ts).
  const finish = await settleDoubtsOfEndedRun(
    deps,
    run,
    [...(stored?.endSteps.completion ?? []), ...(stored?.endSteps.exit ?? [])].map((step) => step.id),
    stored,
  );
  const steps = (outcome === "success" ? stored?.endSteps.completion : stored?.endSteps.exit) ?? [];
  if (stored?.context && (steps.length > 0 || finish.length > 0)) {
    await deps.workflows.start({
      run: stored.context,
      phase: outcome === "success" ? "completion" : "exit",
      steps,
      completeWhenStepsDone: false,
      ...(finish.length > 0 ? { finish } : {}),
    });
  }
  return "ended";
}
