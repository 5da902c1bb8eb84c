/**
 * Steps in doubt whose execution will not come back. A step whose send is in doubt (SES may have
 * taken the email, with no clear answer) normally waits in its execution for SES's evidence and
 * settles on it (see executeStep). But an end rule, a timeout or a stopped moment may end the run
 * during that wait, and stopping the execution leaves the step claimed for ever. So:
 *
 * - when a run ends, each of its steps still in doubt is settled at once: from its evidence if SES's
 *   Send or Reject event came already, else as skipped (`run_not_active`: its run ended, and nothing
 *   proves it was sent);
 * - the evidence, whenever it arrives (ses-feedback), settles a step still in doubt, and corrects a
 *   step recorded skipped while in doubt (the run ended before the Send event came), its counters
 *   moved with it. So the record and the stats end up telling what SES actually did.
 */
import type { RunContext, StepOutcome } from "../contracts/workflow.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, StepEvidence } from "../ports/runs.js";

/** What a provider's evidence proves about a step's send. */
export function evidenceOutcome(evidence: StepEvidence): StepOutcome {
  if (evidence.kind === "sent")
    return {
      status: "executed",
      detail: { ...(evidence.messageId ? { messageId: evidence.messageId } : {}), reconciled: "send_event" },
    };
  return { status: "failed", reason: `rejected: ${evidence.reason ?? "the provider rejected the message"}` };
}

/** A step whose run ended while it was in doubt, with no evidence of a send (yet). */
export const RUN_ENDED_IN_DOUBT: StepOutcome = {
  status: "skipped",
  reason: "run_not_active: the run ended while the send was in doubt, and no Send event had come",
};

export interface EndedRunDoubtDeps {
  runs: Pick<RunRepository, "listStepsInDoubt" | "getStepEvidence" | "settleStepInDoubt">;
  clock: Clock;
}

/**
 * Settles the steps of an ended run that are still in doubt (none, almost always: one Query). Steps
 * of `running` (the completion or exit steps, whose own execution is alive) are left to it.
 */
export async function settleDoubtsOfEndedRun(
  deps: EndedRunDoubtDeps,
  run: Pick<RunContext, "workspaceId" | "runId">,
  running: readonly string[] = [],
): Promise<number> {
  const inDoubt = (await deps.runs.listStepsInDoubt(run.workspaceId, run.runId)).filter(
    (stepId) => !running.includes(stepId),
  );
  let settled = 0;
  for (const stepId of inDoubt) {
    const evidence = await deps.runs.getStepEvidence(run.workspaceId, run.runId, stepId);
    const outcome = evidence ? evidenceOutcome(evidence) : RUN_ENDED_IN_DOUBT;
    const at = deps.clock.now().toISOString();
    if ((await deps.runs.settleStepInDoubt(run.workspaceId, run.runId, stepId, outcome, at)) === "settled")
      settled++;
  }
  return settled;
}
