/**
 * Steps in doubt whose execution will not come back. A step whose send is in doubt (SES may have
 * taken the email, with no clear answer) normally waits in its execution for SES's evidence and
 * settles on it (see executeStep). But an end rule, a timeout or a stopped moment may end the run
 * during that wait, and stopping the execution leaves the step claimed for ever. So:
 *
 * - when a run ends, each of its steps still in doubt is settled at once: from its evidence if SES's
 *   Send or Reject event came already, else as skipped (`run_not_active`: its run ended, and nothing
 *   proves it was sent);
 * - except a step that repeats safely (DOUBT_POLICY `repeat`: a webhook whose answer was lost, say):
 *   nothing would ever correct a skip, and it may well have acted, so it is finished instead, by the
 *   run's end execution (performed once more: its receiver dedupes), and recorded as it went;
 * - the evidence, whenever it arrives (ses-feedback), settles a step still in doubt, and corrects a
 *   step recorded skipped while in doubt (the run ended before the Send event came), its counters
 *   moved with it. So the record and the stats end up telling what SES actually did;
 * - a step whose provider publishes nothing but can be looked up (DOUBT_POLICY `lookup`: a Slack
 *   post by its metadata, an Attio task by its marker) gets a lookup execution of its own
 *   (startLookup), started before the step is recorded skipped: once the evidence window has passed,
 *   it looks the send up and corrects the record to executed when found (or to failed,
 *   `outcome_unknown`, when the provider cannot tell or the lookup keeps failing). So a post that
 *   went out is never left recorded as not sent.
 *
 * A step still claimed when its wake-up fails for good (its action task failed through every
 * retry) is settled the same way by the run-state task, as failed rather than skipped: see
 * recordFailedStep.
 *
 * A step still plainly claimed when its run ends (no doubt mark: its attempt is alive, or died
 * mid-action, a Lambda timeout, and its retry will not come once the execution is stopped) is in
 * doubt since its claim, and settled exactly so, kind by kind. Each settlement is conditional on the
 * claim's attempt and on nothing recorded yet, so the live attempt's own record wins, or, written
 * after, is ignored while the evidence or the lookup agrees with it.
 */
import {
  REJECTED_CODE,
  type RunContext,
  type RunPhase,
  SEND_EVENT_RECONCILED,
  SEND_IN_DOUBT_CODE,
  type StepInput,
  type StepOutcome,
} from "../contracts/workflow.js";
import type { Action } from "../domain/actions.js";
import { TransientInfrastructureError } from "../domain/delivery-errors.js";
import { settlingEvidence } from "../domain/step-evidence.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, StepEvidence, StoredRun, WorkflowController } from "../ports/runs.js";

/**
 * How a step whose claim another attempt left unrecorded (it may have acted, then died or lost its
 * answer) is settled:
 * - `repeat`: performing it again cannot duplicate anything (the inbox item's id and the attribute
 *   change's messageId derive from the step; webhook receivers dedupe on `webhook-id`);
 * - `evidence`: the provider reports what it took (SES publishes a Send event tagged with the step):
 *   wait for it, bounded, then send again only if none came;
 * - `lookup`: the provider's records can be searched for the request (a Slack message posted with a
 *   bot token carries its run and step as metadata; an Attio task ends with the step's marker, found
 *   among the linked record's newest tasks): after the same bounded wait, look; found -> executed,
 *   absent -> send again; no lookup for this step (an incoming webhook, a test send) ->
 *   `outcome_unknown`;
 * - `unknown`: no way to find out: recorded as failed, `outcome_unknown`, rather than risk a second
 *   send (no action has this policy today; it stays for one whose provider cannot be asked).
 */
export const DOUBT_POLICY: Record<Action["type"], "repeat" | "evidence" | "lookup" | "unknown"> = {
  send_email: "evidence",
  send_notification: "repeat",
  feedback_prompt: "repeat",
  update_attribute: "repeat",
  send_webhook: "repeat",
  send_slack: "lookup",
  create_attio_task: "lookup",
};

/** What a provider's evidence proves about a step's send. */
export function evidenceOutcome(evidence: StepEvidence): StepOutcome {
  if (evidence.kind === "sent")
    return {
      status: "executed",
      detail: {
        ...(evidence.messageId ? { messageId: evidence.messageId } : {}),
        reconciled: SEND_EVENT_RECONCILED,
      },
    };
  return {
    status: "failed",
    reason: `${REJECTED_CODE}: ${evidence.reason ?? "the provider rejected the message"}`,
  };
}

/** A step whose run ended while it was in doubt, with no evidence of a send (yet). */
export const RUN_ENDED_IN_DOUBT: StepOutcome = {
  status: "skipped",
  reason: "run_not_active: the run ended while the send was in doubt, and no Send event had come",
};

/**
 * A step whose run ended while it was in doubt, which a lookup settles (it stays so when the
 * provider's records do not have the send).
 */
export const RUN_ENDED_NOT_FOUND: StepOutcome = {
  status: "skipped",
  reason:
    "run_not_active: the run ended while the send was in doubt, and the provider's records do not show it",
};

/** How a step of a run that ended while its send was in doubt is recorded at once. */
export function runEndedInDoubt(action: Action["type"] | undefined): StepOutcome {
  return action && DOUBT_POLICY[action] === "lookup" ? RUN_ENDED_NOT_FOUND : RUN_ENDED_IN_DOUBT;
}

/**
 * How a step whose wake-up failed for good while its send was in doubt (an email or a lookup kind,
 * claimed, no evidence yet) is recorded: failed, `send_in_doubt`, which the provider's evidence or
 * the step's lookup still corrects (see isOpenToEvidence). `failure`: what the workflow reported.
 */
export function failedInDoubt(action: Action["type"], failure: string): StepOutcome {
  const later =
    DOUBT_POLICY[action] === "lookup"
      ? "its provider's records are looked up, and a send found there corrects this"
      : "no Send event had come (one arriving later corrects this)";
  return {
    status: "failed",
    reason:
      `${SEND_IN_DOUBT_CODE}: the step failed for good while its send was in doubt, and ${later} (${failure})`.slice(
        0,
        1000,
      ),
  };
}

/**
 * What a lookup that does not find the send records over a step recorded failed `send_in_doubt`:
 * the failure stands, and is no longer in doubt (a skip, what the lookup of an ended run's step
 * records, would not replace a failure).
 */
export const FAILED_NOT_FOUND: StepOutcome = {
  status: "failed",
  reason:
    "not_sent: the step failed for good while its send was in doubt, and the provider's records do not show it",
};

/** A pinned step of the run, with its phase (undefined when not pinned: a run from before pinning). */
export function pinnedStepOf(
  stored: Pick<StoredRun, "entrySteps" | "endSteps"> | undefined,
  stepId: string,
): { step: StepInput; phase: RunPhase } | undefined {
  const phases: Array<[RunPhase, StepInput[] | undefined]> = [
    ["entry", stored?.entrySteps],
    ["completion", stored?.endSteps.completion],
    ["exit", stored?.endSteps.exit],
  ];
  for (const [phase, steps] of phases) {
    const step = steps?.find((candidate) => candidate.id === stepId);
    if (step) return { step, phase };
  }
  return undefined;
}

/**
 * After a step was recorded executed from another attempt's Send (`accepted`: see
 * acceptedElsewhere), that attempt's Reject may have come while it was decided: its handler read
 * the step before the record (a claim or a record of another attempt, which it does not speak
 * for) and settled nothing, and would leave the record telling an email went out that SES
 * rejected. The record is written before this read, and the Reject's evidence before its
 * handler's read of the step, so one side always sees the other: read again, and a Reject of that
 * attempt corrects the record, which names its message (see settleStepInDoubt). One read, off the
 * usual path (a step recorded from another attempt's Send only).
 */
export async function retractedMeanwhile(
  deps: { runs: Pick<RunRepository, "getStepEvidence" | "settleStepInDoubt">; clock: Clock },
  run: Pick<RunContext, "workspaceId" | "runId">,
  stepId: string,
  accepted: StepEvidence,
): Promise<boolean> {
  if (accepted.attempt === undefined) return false;
  const evidence = await deps.runs.getStepEvidence(run.workspaceId, run.runId, stepId, accepted.attempt);
  if (evidence?.kind !== "rejected") return false;
  // (true: this Reject corrected the record, here rather than in its own handler)
  return (await settleWithEvidence(deps, run, stepId, evidence, accepted.attempt)) === "settled";
}

/**
 * Settles a step in doubt as `evidence` decides, naming its message and its attempt (`attempt`:
 * the one it was read for) for the repository's conditions (see settleStepInDoubt).
 */
export function settleWithEvidence(
  deps: { runs: Pick<RunRepository, "settleStepInDoubt">; clock: Clock },
  run: Pick<RunContext, "workspaceId" | "runId">,
  stepId: string,
  evidence: StepEvidence,
  attempt = evidence.attempt,
) {
  return deps.runs.settleStepInDoubt(
    run.workspaceId,
    run.runId,
    stepId,
    evidenceOutcome(evidence),
    deps.clock.now().toISOString(),
    {
      ...(evidence.messageId === undefined ? {} : { messageId: evidence.messageId }),
      ...(attempt === undefined ? {} : { attempt }),
    },
  );
}

/**
 * When `evidence` settling a claim of `attempt` is another attempt's Send (see acceptedElsewhere),
 * what the claim is recorded as without it (`notSent`), kept with the record for that Send's
 * Reject to restore (see settleStepInDoubt): that attempt's Send and Reject together settle
 * nothing of this claim, so the record is the same whichever of them comes first.
 */
export function replacingIfElsewhere(
  evidence: StepEvidence | undefined,
  attempt: string,
  notSent: StepOutcome,
): { replacing?: StepOutcome } {
  return evidence?.kind === "sent" && evidence.attempt !== undefined && evidence.attempt !== attempt
    ? { replacing: notSent }
    : {};
}

/** What reading a step's evidence again and settling its claim from it needs. */
type EvidenceRereadDeps = {
  runs: Pick<RunRepository, "listStepEvidence" | "getStepEvidence" | "settleStepInDoubt">;
  clock: Clock;
};

/**
 * After a claim of `attempt` was recorded as not sent (skipped, or failed `send_in_doubt`) by a side
 * nobody retries (the run's end, a failed wake-up, an attempt that found its run ended), evidence
 * may have come while it was decided: its handler read the step before the record (a claim of
 * another attempt, which it does not speak for, or its own attempt's plain claim, which a Send does
 * not settle) and settled nothing, and would leave the step recorded not sent though SES took its
 * email. The record is written before this read, and the evidence before its handler's read of
 * the step, so one side always sees the other: read again, and what settles the claim (see
 * settlingEvidence) corrects the record. One read, off the usual path (an email step recorded so
 * only). The evidence's own handler may have corrected it first, and a Reject of that attempt may
 * correct it once more: read the record back (recordOf) for what stands.
 */
export async function sentMeanwhile(
  deps: EvidenceRereadDeps,
  run: Pick<RunContext, "workspaceId" | "runId">,
  stepId: string,
  attempt: string,
): Promise<void> {
  await settleClaimFrom(
    deps,
    run,
    stepId,
    await deps.runs.listStepEvidence(run.workspaceId, run.runId, stepId),
    attempt,
  );
}

/**
 * After SES's Reject of one attempt's email settled the step (`rejected`: that evidence). When it
 * restored a record made in doubt that this attempt's Send had corrected (see settleStepInDoubt),
 * evidence of the claim's own attempt may have come while the record stood on that Send, and
 * settled nothing then (an execution is corrected only by its own message's Reject): read the
 * step's evidence again and settle every other attempt's claim with what settles it, as
 * sentMeanwhile does. A record that was not restored is left as it is (final, or another
 * attempt's). One read, after a settled Reject only (rare).
 */
export async function othersMeanwhile(
  deps: EvidenceRereadDeps,
  run: Pick<RunContext, "workspaceId" | "runId">,
  stepId: string,
  rejected: StepEvidence,
): Promise<void> {
  const pieces = await deps.runs.listStepEvidence(run.workspaceId, run.runId, stepId);
  const others = new Set(
    pieces.flatMap((piece) =>
      piece.attempt !== undefined && piece.attempt !== rejected.attempt ? [piece.attempt] : [],
    ),
  );
  // The record's claim may be a third attempt's, which a Send of one of these corrects: that Send's
  // Reject may come meanwhile, its handler reading the restored record and settling nothing, so
  // every Send settled here is read again (see retractedMeanwhile).
  for (const attempt of others)
    await settleClaimFrom(deps, run, stepId, pieces, attempt, { recheckSend: true });
}

/** Settles a claim of `attempt` with what settles it among `pieces` (see settlingEvidence), if any. */
async function settleClaimFrom(
  deps: EvidenceRereadDeps,
  run: Pick<RunContext, "workspaceId" | "runId">,
  stepId: string,
  pieces: readonly StepEvidence[],
  attempt: string,
  /** Read a settling Send's attempt again even when it is `attempt` (not known to hold the claim). */
  { recheckSend = false }: { recheckSend?: boolean } = {},
): Promise<void> {
  const evidence = settlingEvidence(pieces, attempt);
  if (!evidence) return;
  const settled = await settleWithEvidence(deps, run, stepId, evidence);
  const recheck = recheckSend ? evidence.kind === "sent" : evidence.attempt !== attempt;
  if (settled === "settled" && evidence.attempt !== undefined && recheck)
    await retractedMeanwhile(deps, run, stepId, evidence);
}

/** The step's recorded outcome (one read), or undefined while it is claimed. */
export async function recordOf(
  deps: { runs: Pick<RunRepository, "listRunSteps"> },
  run: Pick<RunContext, "workspaceId" | "runId">,
  stepId: string,
): Promise<StepOutcome | undefined> {
  const record = (await deps.runs.listRunSteps(run.workspaceId, run.runId)).find(
    (candidate) => candidate.stepId === stepId,
  );
  return record && record.status !== "claimed" ? record.outcome : undefined;
}

export interface EndedRunDoubtDeps {
  runs: Pick<
    RunRepository,
    "listStepsInDoubt" | "listStepEvidence" | "getStepEvidence" | "settleStepInDoubt" | "listRunSteps"
  >;
  workflows: Pick<WorkflowController, "startLookup">;
  clock: Clock;
}

/**
 * Settles the steps of an ended run that are still in doubt or plainly claimed (none, almost always: one Query). Steps
 * of `running` (the completion or exit steps, whose own execution is alive) are left to it. Answers
 * the entry steps to finish (see above): the caller starts the run's end execution with them.
 * `stored`: the run as read, whose pinned steps tell each step's action.
 */
export async function settleDoubtsOfEndedRun(
  deps: EndedRunDoubtDeps,
  run: Pick<RunContext, "workspaceId" | "momentId" | "runId">,
  running: readonly string[],
  stored: Pick<StoredRun, "entrySteps" | "endSteps"> | undefined,
): Promise<string[]> {
  const inDoubt = (await deps.runs.listStepsInDoubt(run.workspaceId, run.runId)).filter(
    ({ stepId }) => !running.includes(stepId),
  );
  const repeats = ({ stepId }: { stepId: string }) => {
    const action = stored?.entrySteps?.find((step) => step.id === stepId)?.action;
    return action !== undefined && DOUBT_POLICY[action.type] === "repeat";
  };
  const finish = inDoubt.filter(repeats).map(({ stepId }) => stepId);
  for (const { stepId, attempt } of inDoubt.filter((claimed) => !repeats(claimed)))
    await settleClaimOfEndedRun(deps, run, stepId, attempt, pinnedStepOf(stored, stepId));
  return finish;
}

/**
 * Settles one claim (of `attempt`) of a step that does not repeat safely, its run ended: from its
 * evidence, else skipped (a lookup started first for a post or a task), then read again (see
 * sentMeanwhile). The run's end does it for each step it finds claimed; so does an attempt that
 * finds its run ended over a claim the end did not find (see skipUnlessBegun in execute-step.ts).
 * `pinned`: the step and its phase (undefined: a run from before pinning). Answers the outcome that
 * stands once it recorded (corrected by its re-read, if that found evidence), or undefined when the
 * claim was settled or recorded by someone else first.
 */
export async function settleClaimOfEndedRun(
  deps: EndedRunDoubtDeps,
  run: Pick<RunContext, "workspaceId" | "momentId" | "runId">,
  stepId: string,
  attempt: string,
  pinned: { step: StepInput; phase: RunPhase } | undefined,
): Promise<StepOutcome | undefined> {
  // The evidence of the claim's own attempt (or untagged), else an earlier attempt's Send that
  // no Reject of it retracts: the step's email went out (see settlingEvidence).
  const evidence = settlingEvidence(
    await deps.runs.listStepEvidence(run.workspaceId, run.runId, stepId),
    attempt,
  );
  const notSent = runEndedInDoubt(pinned?.step.action.type);
  const outcome = evidence ? evidenceOutcome(evidence) : notSent;
  // Started before the record: a failure here leaves the step in doubt, for a retry to find.
  if (!evidence && pinned && DOUBT_POLICY[pinned.step.action.type] === "lookup")
    await deps.workflows.startLookup(run, pinned.phase, stepId);
  const at = deps.clock.now().toISOString();
  const settled = await deps.runs.settleStepInDoubt(run.workspaceId, run.runId, stepId, outcome, at, {
    plainClaim: true,
    attempt,
    ...replacingIfElsewhere(evidence, attempt, notSent),
  });
  if (settled !== "settled") return undefined;
  if (evidence?.attempt !== undefined && evidence.attempt !== attempt) {
    // (restored by this re-read when that Send's Reject came meanwhile, or by the Reject's own
    // handler first: what stands)
    await retractedMeanwhile(deps, run, stepId, evidence);
    return (await recordOf(deps, run, stepId)) ?? outcome;
  }
  if (
    !evidence &&
    // (a step not pinned, of a run from before pinning, may be an email)
    (!pinned || DOUBT_POLICY[pinned.step.action.type] === "evidence")
  ) {
    // (corrected by this re-read, or by the evidence's own handler first: what stands)
    await sentMeanwhile(deps, run, stepId, attempt);
    return (await recordOf(deps, run, stepId)) ?? outcome;
  }
  return outcome;
}

export interface FailedStepDeps {
  runs: Pick<
    RunRepository,
    | "recordStep"
    | "listStepEvidence"
    | "getStepEvidence"
    | "settleStepInDoubt"
    | "listRunSteps"
    | "listStepsInDoubt"
  >;
  workflows: Pick<WorkflowController, "startLookup">;
  clock: Clock;
}

/**
 * Records a step whose wake-up failed for good (its action task failed through every retry, some 30
 * minutes of them) and answers the outcome that stands. The task will not run again, so a claim it
 * left (in doubt, or plain: an attempt that died mid-action) is settled as the run's end settles
 * one, kind by kind, rather than written over with a final failure, which nothing would correct:
 * - not claimed: nothing was sent; failed;
 * - an email: from SES's evidence when it came already; else failed `send_in_doubt` (see
 *   failedInDoubt), which its Send or Reject event, whenever it comes, corrects, counters moved.
 *   Failed, not skipped: the step did fail to be performed, as far as anything can tell now (after
 *   30 minutes, a message SES took has almost always published its Send event), so a fail_run step
 *   ends its run as failed, and a later Send event corrects the step's record and counters, not the
 *   run's end, exactly as it corrects a skip whose run had ended;
 * - a Slack post or an Attio task: its lookup execution is started first (a failure leaves the claim
 *   for the retry), and the step recorded failed `send_in_doubt` until it looks: found -> executed,
 *   absent -> failed (FAILED_NOT_FOUND), the provider cannot tell -> failed `outcome_unknown`;
 * - a kind that repeats safely (a webhook, an in-app message): failed. It could be performed once
 *   more, but it has just failed through 30 minutes of retries, and the run moves on.
 * Each settlement is conditional on the claim's attempt and on nothing recorded yet: a late live
 * attempt's own record (or the evidence's) stands, and is answered. What is answered is what the
 * record says, read back: a claim SES's Reject marked is recorded as that rejection, not as the
 * outcome computed here, and the run's fail_run decision follows the record.
 */
export async function recordFailedStep(
  deps: FailedStepDeps,
  run: RunContext,
  step: StepInput,
  phase: RunPhase,
  failure: string,
): Promise<StepOutcome> {
  const at = deps.clock.now().toISOString();
  const failed: StepOutcome = { status: "failed", reason: failure };
  // Never written over a claim (one taken meanwhile, by an attempt still alive, is settled below).
  if (await deps.runs.recordStep(run, step.id, failed, at, { unlessClaimed: true })) return failed;
  const policy = DOUBT_POLICY[step.action.type];
  let outcome: StepOutcome = failed;
  let attempt: string | undefined;
  let evidence: StepEvidence | undefined;
  if (policy === "evidence") {
    // The evidence of the claim's own attempt (or untagged), else an earlier attempt's Send that
    // no Reject of it retracts (see settlingEvidence).
    attempt = (await deps.runs.listStepsInDoubt(run.workspaceId, run.runId)).find(
      (claimed) => claimed.stepId === step.id,
    )?.attempt;
    evidence =
      attempt === undefined
        ? undefined
        : settlingEvidence(await deps.runs.listStepEvidence(run.workspaceId, run.runId, step.id), attempt);
    outcome = evidence ? evidenceOutcome(evidence) : failedInDoubt(step.action.type, failure);
  } else if (policy === "lookup") {
    // Started before the record: a failure here leaves the claim, for the task's retry.
    await deps.workflows.startLookup(run, phase, step.id);
    outcome = failedInDoubt(step.action.type, failure);
  }
  // (no claim left: recorded meanwhile, read below)
  if (policy !== "evidence" || attempt !== undefined) {
    const settled = await deps.runs.settleStepInDoubt(run.workspaceId, run.runId, step.id, outcome, at, {
      plainClaim: true,
      ...(attempt === undefined
        ? {}
        : { attempt, ...replacingIfElsewhere(evidence, attempt, failedInDoubt(step.action.type, failure)) }),
    });
    if (settled === "settled" && evidence?.attempt !== undefined && evidence.attempt !== attempt)
      await retractedMeanwhile(deps, run, step.id, evidence);
    else if (settled === "settled" && !evidence && attempt !== undefined)
      await sentMeanwhile(deps, run, step.id, attempt);
  }
  // What stands: this settle's record (SES's Reject marked on the claim, if any, in place of the
  // outcome computed above), or one recorded meanwhile (by a live attempt, from evidence, or by
  // this task's earlier try).
  const stands = await recordOf(deps, run, step.id);
  if (stands) return stands;
  // Taken over by another attempt since it was read: settled against that one on the retry.
  throw new TransientInfrastructureError(
    `Step ${step.id} of run ${run.runId} changed hands while it was settled`,
  );
}
