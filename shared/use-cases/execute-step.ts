import { randomUUID } from "node:crypto";
import {
  type ActionTaskPayload,
  isOpenToEvidence,
  RECONCILE_WAIT_SECONDS,
  type RunPhase,
  type StepInput,
  type StepOutcome,
} from "../contracts/workflow.js";
import {
  AmbiguousDeliveryError,
  asTaskError,
  PermanentDeliveryError,
  StepFailedRunError,
  StepInDoubtError,
  StepOutcomeUnrecordedError,
} from "../domain/delivery-errors.js";
import type { Action, Moment } from "../domain/moment.js";
import { runIsLive } from "../domain/moment-rules.js";
import {
  createRenderer,
  MissingValueError,
  type OnMissing,
  type RenderData,
  type Renderer,
  UnsafeValueError,
} from "../domain/render.js";
import { acceptedElsewhere, decidingEvidence } from "../domain/step-evidence.js";
import type { Clock } from "../ports/clock.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { RunRepository, RunStatus, StepClaim, StepEvidence, WorkflowController } from "../ports/runs.js";
import {
  type ActionContext,
  type ActionPerformer,
  type ActionPerformers,
  isPrepared,
  type PreparedAction,
  type Run,
} from "./actions/action.js";
import {
  DOUBT_POLICY,
  evidenceOutcome,
  FAILED_NOT_FOUND,
  failedInDoubt,
  pinnedStepOf,
  RUN_ENDED_NOT_FOUND,
  recordOf,
  replacingIfElsewhere,
  retractedMeanwhile,
  runEndedInDoubt,
  sentMeanwhile,
  settleClaimOfEndedRun,
} from "./step-doubt.js";

export interface StepDeps {
  /** Performers by action type; a type without one is recorded as skipped (not available). */
  actions: ActionPerformers;
  profiles: Pick<ProfileRepository, "get" | "getUser">;
  runs: RunRepository;
  /** Read before every step: a stopped or archived moment's runs do nothing more. */
  moments: Pick<MomentRepository, "getMoment">;
  clock: Clock;
  /**
   * A post in doubt whose run ended is looked up in an execution of its own (see step-doubt.ts); a
   * repeat-safe step in doubt whose run ended is finished in one (see keepInDoubt).
   */
  workflows: Pick<WorkflowController, "startLookup" | "startFinish">;
  /**
   * How long a step in doubt waits for its provider's evidence before sending again (the state
   * machine's RECONCILE_WAIT_SECONDS, scaled by the time scale). Default: RECONCILE_WAIT_SECONDS.
   */
  reconcileWindowMs?: number;
  /** A token unique to one attempt at a step (default: a random UUID). */
  newAttempt?: () => string;
}

/**
 * Runs one step of a run, at most once, and never loses it to a transient fault.
 *
 * The step is claimed with a conditional write before its side effect, as this attempt (a token).
 * A retried task that finds the step recorded does nothing. One that finds its own claim (the claim
 * was written, its answer lost) goes on. One that finds another attempt's claim, unrecorded, is in
 * doubt, and settles it by the action's DOUBT_POLICY. A send the provider may have taken (an
 * AmbiguousDeliveryError) puts the step in doubt too, and throws StepInDoubtError: the state machine
 * waits for the evidence, then runs the step again.
 *
 * Every infrastructure failure (a throttled read, a failed claim, a failed release) is thrown as a
 * transient error for the state machine to retry; a failure to record a performed step's outcome is
 * thrown as StepOutcomeUnrecordedError carrying the outcome, which the state machine records.
 *
 * Before acting, the step re-checks that its moment is still running (and that the run belongs to
 * the current running period). Stopping a moment stops its runs' executions, but that sweep may not
 * reach every run of a very large moment: a run it missed ends here, as stopped, at its next step.
 */
const REQUIRED_RUN_STATUS = { entry: "active", completion: "success", exit: "failed" } as const;

/**
 * What the caller has just read for the step (each saves a read), and what it asks of the record:
 * - `status`: the run's status, read consistently;
 * - `moment`: the run's moment (`value` undefined: it no longer exists);
 * - `traits`: the account's and the user's traits the step renders from;
 * - `completeRun`: the step is the run's last (a moment without end rules): its record completes
 *   the run in the same write; `completed` tells the caller it did.
 */
export interface StepKnown {
  status?: RunStatus | undefined;
  moment?: { value: Moment | undefined };
  traits?: Traits;
  completeRun?: boolean;
  completed?: boolean;
}

/** The traits a step renders from: the account's, and the user's when the run has one. */
export type Traits = Pick<RenderData, "traits" | "user">;

export async function executeStep(
  deps: StepDeps,
  payload: ActionTaskPayload,
  known: StepKnown = {},
): Promise<StepOutcome> {
  try {
    return await runStep(deps, payload, known);
  } catch (error) {
    throw asTaskError(error);
  }
}

async function runStep(
  deps: StepDeps,
  { run, step, phase = "entry" }: ActionTaskPayload,
  known: StepKnown,
): Promise<StepOutcome> {
  const now = () => deps.clock.now().toISOString();
  const attempt = deps.newAttempt?.() ?? randomUUID();
  // Independent reads at once, one round trip (none when the caller read them alongside the run):
  // the run's status, its moment, and the traits the step renders from (wasted on a skip, rare).
  const [runStatus, moment, traits] = await Promise.all([
    "status" in known ? known.status : deps.runs.getRunStatus(run.workspaceId, run.runId),
    known.moment ? known.moment.value : deps.moments.getMoment(run.workspaceId, run.momentId),
    known.traits ?? readTraits(deps, run),
  ]);
  // Entry steps run while the run is active; completion steps once it succeeded, exit steps once it
  // failed. An entry step reached after an end rule matched (a race with the stop) does nothing.
  if (runStatus !== REQUIRED_RUN_STATUS[phase]) {
    // An earlier attempt of this execution may have left it claimed, and ending the run found nothing
    // to settle yet (it was claimed after): skipUnlessBegun settles it.
    const outcome: StepOutcome = {
      status: "skipped",
      reason: phase === "entry" ? "run_not_active" : `run_not_${REQUIRED_RUN_STATUS[phase]}`,
    };
    return skipUnlessBegun(deps, run, step, phase, attempt, outcome);
  }
  if (!runIsLive(moment, run)) {
    await deps.runs.stopRun(run, now());
    return skipUnlessBegun(deps, run, step, phase, attempt, { status: "skipped", reason: "moment_stopped" });
  }
  if (!run.actionsEnabled) {
    const outcome: StepOutcome = { status: "skipped", reason: "actions_disabled" };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  // The action is prepared while the step is claimed (one round trip for both): its reads (an
  // email's template, and the suppression list its send checks) go with the claim. Preparing acts
  // on nothing; a claim that answers otherwise drops it.
  const ctx = contextFor(
    run,
    step,
    { ...traits, event: run.trigger.properties },
    false,
    deps.clock.now(),
    undefined,
    attempt,
  );
  const preparing = prepareAction(deps.actions, ctx, step.action);
  preparing.catch(() => undefined);
  const claim = await deps.runs.claimStep(run, step.id, attempt, now());
  if (claim.status === "already_done") return alreadyDone(step, claim);
  let takenOver: TakenOver | undefined;
  if (claim.status === "in_doubt") {
    const settled = await settleDoubt(deps, run, step, claim, attempt);
    if ("takenOver" in settled) takenOver = settled;
    else if (settled.outcome === SETTLED_ELSEWHERE) return { ...SETTLED_ELSEWHERE };
    else {
      const outcome = await record(deps, run, step, settled.outcome, known);
      if (settled.accepted) await retractedMeanwhile(deps, run, step.id, settled.accepted);
      return outcome;
    }
  }
  return performAndRecord(deps, run, step, phase, attempt, preparing, known, takenOver);
}

/** A step recorded already (by an earlier attempt whose answer was lost, or from SES's evidence while it waited). */
function alreadyDone(step: StepInput, claim: Extract<StepClaim, { status: "already_done" }>): StepOutcome {
  // Its fail_run policy still ends the run (idempotently), unless the failure is SES's Reject come
  // after the run acted on the step's execution (`corrected`): a retry does not re-decide the run.
  if (claim.outcome?.status === "failed" && step.onFailure === "fail_run" && !claim.corrected)
    throw new StepFailedRunError(claim.outcome.reason);
  return { status: "skipped", reason: "already_executed" };
}

/**
 * A step whose run ended (or whose moment stopped) is skipped: it does not begin after the end. But
 * an earlier attempt may have claimed it and acted before it (left in doubt, or dead mid-action with
 * no doubt mark). Recording a plain skip over that claim would tell a delivered message was never
 * sent, for good: nothing corrects a final record. So a step that repeats safely (a webhook) is
 * finished: taken over and performed once more (its receiver dedupes), its outcome recorded. Any
 * other step is settled as the run's end settles a step in doubt (step-doubt.ts): skipped as in doubt
 * since its claim, so SES's Send event still corrects an email's, and a lookup execution (started
 * first) settles a Slack post's or an Attio task's.
 */
async function skipUnlessBegun(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  phase: RunPhase,
  attempt: string,
  skipped: StepOutcome,
): Promise<StepOutcome> {
  const now = () => deps.clock.now().toISOString();
  const policy = DOUBT_POLICY[step.action.type];
  // One conditional write on the usual path: nothing claimed it, so it is skipped.
  if (await deps.runs.recordStep(run, step.id, skipped, now(), { unlessClaimed: true })) return skipped;
  if (policy !== "repeat") {
    // Claimed by another attempt (or recorded already: nothing to settle). Settled exactly as the
    // run's end settles a claim, from the evidence read first and again after the record: an
    // email's Send kept while that claim was plain (a Send does not settle a plain claim; its
    // attempt records SES's answer, unless it died) would otherwise be final under the skip, and
    // the step recorded not sent though SES took its email. (One Query more, on this rare path.)
    const claimed = (await deps.runs.listStepsInDoubt(run.workspaceId, run.runId)).find(
      (candidate) => candidate.stepId === step.id,
    );
    if (!claimed) return skipped;
    // What this attempt recorded is what its log line and metric say (executed from a Send kept
    // already, say): not the skip it would have recorded over no claim.
    const recorded = await settleClaimOfEndedRun(deps, run, step.id, claimed.attempt, { step, phase });
    return recorded ?? { ...SETTLED_ELSEWHERE };
  }
  const claim = await deps.runs.claimStep(run, step.id, attempt, now());
  if (claim.status === "already_done") return alreadyDone(step, claim);
  // Given back meanwhile (nothing was sent): skipped after all, over this attempt's own claim.
  if (claim.status === "claimed") return record(deps, run, step, skipped);
  // (a step that repeats safely: no evidence, so never accepted elsewhere, and never given back)
  const settled = await settleDoubt(deps, run, step, claim, attempt);
  if ("takenOver" in settled) return performAndRecord(deps, run, step, phase, attempt);
  if (settled.outcome === SETTLED_ELSEWHERE) return { ...SETTLED_ELSEWHERE };
  return record(deps, run, step, settled.outcome);
}

/** Performs a claimed step and records its outcome (or leaves it in doubt, or gives the claim back). */
async function performAndRecord(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  phase: RunPhase,
  attempt: string,
  preparing?: Promise<PreparedAction | StepOutcome>,
  known: StepKnown = {},
  takenOver?: TakenOver,
): Promise<StepOutcome> {
  let outcome: StepOutcome;
  /** How a send in doubt was settled when its run had ended (see putInDoubt): read again after its record. */
  let ended: { accepted?: StepEvidence; unsent?: true } = {};
  /** Whether the outcome is this attempt's own (not decided from evidence while in doubt). */
  let own = true;
  try {
    const prepared = await (preparing ??
      actionContext(deps, run, step, false, attempt).then((ctx) =>
        prepareAction(deps.actions, ctx, step.action),
      ));
    outcome = isPrepared(prepared) ? await prepared.perform() : prepared;
  } catch (error) {
    const settled = settledOutcomeOf(error);
    if (settled) {
      outcome = settled;
    } else if (error instanceof AmbiguousDeliveryError) {
      // The provider may have taken it: keep the claim, and reconcile (after a wait, if need be).
      ({ outcome, ...ended } = await putInDoubt(deps, run, step, attempt, phase, error));
      own = false;
    } else if (DOUBT_POLICY[step.action.type] === "repeat") {
      // It may have acted (a webhook whose answer was lost): the claim is kept, not given back.
      return keepInDoubt(deps, run, step, attempt, phase, error);
    } else if (takenOver?.doubtSince !== undefined && DOUBT_POLICY[step.action.type] === "evidence") {
      // Not taken either (as below), but this attempt took over a claim in doubt: the earlier
      // attempt's email may have gone out, its Send later than the wait. Given back, the claim would
      // be claimed afresh by the retry, which looks at no evidence and sends: a second email. So it
      // is kept, in doubt since the earlier attempt's doubt began (its wait is over, and this
      // attempt's send, refused, has no evidence to wait for): the retry settles it at once from an
      // earlier attempt's Send (acceptedElsewhere) or takes it over and sends, and the run's end or
      // a wake-up failed for good settles it as any claim in doubt. If the mark fails, the claim
      // stays plain and the retry waits for it as for a dead attempt's.
      await deps.runs.markStepInDoubt(run, step.id, attempt, takenOver.doubtSince).catch(() => undefined);
      throw error;
    } else {
      // These providers' transient errors say the request was not taken (SES throttling, Slack's
      // 503, Attio unreachable), and anything else failed before the provider was called (a
      // throttled read, say): give the claim back and let the state machine retry with backoff. If
      // even that fails, the claim stays and the retry reconciles it.
      await deps.runs.releaseStep(run, step.id, attempt).catch(() => undefined);
      throw error;
    }
  }
  if (
    own &&
    (outcome.status === "skipped" || outcome.status === "failed") &&
    takenOver?.doubtSince !== undefined &&
    DOUBT_POLICY[step.action.type] === "evidence"
  ) {
    // This attempt took over a claim in doubt and did not send: it skips the step itself (its
    // recipient suppressed meanwhile, by the earlier attempt's own email's complaint or unsubscribe,
    // say), or its own send failed for good (SES refused it). The earlier attempt's email may have
    // gone out all the same, its Send later than the wait. A plain skip or failure would be final
    // for that Send, and the step recorded not sent though SES took its email (and a fail_run step
    // would fail its run over it). So the claim is marked in doubt since the earlier doubt first (the
    // record keeps the mark: open to evidence, as a skip made when the run ended in doubt is, and a
    // failure recorded `send_in_doubt`, as a wake-up failed for good in doubt is), and the evidence
    // read again after the record (see sentMeanwhile). If the mark fails, the outcome is recorded as
    // before.
    const marked = await deps.runs
      .markStepInDoubt(run, step.id, attempt, takenOver.doubtSince)
      .catch(() => undefined);
    if (marked !== undefined && outcome.status === "failed")
      outcome = failedInDoubt(step.action.type, outcome.reason);
    ended = { unsent: true };
  }
  await writeRecord(
    deps,
    run,
    step,
    outcome,
    known,
    ended.unsent ? attempt : undefined,
    // (the skip it stands in for, which the accepted Send's Reject restores: see replacingIfElsewhere)
    replacingIfElsewhere(ended.accepted, attempt, runEndedInDoubt(step.action.type)).replacing,
  );
  if (ended.accepted) await retractedMeanwhile(deps, run, step.id, ended.accepted);
  else if (ended.unsent) {
    // Evidence that came meanwhile may have corrected the record, by this re-read or by its own
    // handler, whichever settled it first (the earlier attempt's Send: its email went, and this
    // attempt's failure, if any, does not fail the run; perhaps its Reject after that): answered
    // as it stands, read back (one read, on this rare path only).
    await sentMeanwhile(deps, run, step.id, attempt);
    const stands = await recordOf(deps, run, step.id);
    if (stands) return failRunIfItsPolicy(step, stands);
  }
  return failRunIfItsPolicy(step, outcome);
}

/**
 * A step that repeats safely failed for now, perhaps after it acted (a webhook delivered whose
 * answer was lost). Giving its claim back would leave no trace of that: if the run then ended and
 * its execution was stopped, no retry would come, and the delivery would never be recorded. So the
 * claim is kept and marked in doubt, and whoever comes next finishes the step: the state machine's
 * retry (it takes the claim over, performs again and records), or, when the run has ended, the
 * run's finish execution (see finishInputOf), with retries of its own. The run's end starts it for
 * the steps it finds in doubt; the mark is written before this attempt reads the run's status, and
 * an end is written before it lists the steps in doubt, so one side always sees the other: when this
 * attempt sees the end, it starts the finish execution itself (the same one, if both do).
 */
async function keepInDoubt(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  attempt: string,
  phase: RunPhase,
  error: unknown,
): Promise<never> {
  try {
    await deps.runs.markStepInDoubt(run, step.id, attempt, deps.clock.now().toISOString());
    const status = await deps.runs.getRunStatus(run.workspaceId, run.runId);
    // Ended (not merely gone with its workspace): its execution will not retry.
    if (status !== undefined && status !== REQUIRED_RUN_STATUS[phase])
      await deps.workflows.startFinish(run, [step.id]);
  } catch {
    // DynamoDB or Step Functions failed here: the claim stays, and the retry takes it over.
  }
  throw error;
}

/**
 * Marks the step in doubt, then looks once before waiting: SES's Send (or Reject) event may have come
 * already (then it settles the step now), or the run may have ended meanwhile, its execution stopped
 * with nobody to come back (then it is recorded skipped, and a Send event arriving later, or the
 * lookup execution started for a Slack post or an Attio task, corrects it; see step-doubt.ts). The
 * mark is written before these reads, and the ending and the evidence are written before theirs,
 * so one side always sees the other. Otherwise throws StepInDoubtError: the
 * state machine waits for the evidence and runs the step again.
 */
async function putInDoubt(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  attempt: string,
  phase: RunPhase,
  error: Error,
): Promise<{ outcome: StepOutcome; accepted?: StepEvidence; unsent?: true }> {
  try {
    await deps.runs.markStepInDoubt(run, step.id, attempt, deps.clock.now().toISOString());
    const [pieces, status] = await Promise.all([
      deps.runs.listStepEvidence(run.workspaceId, run.runId, step.id),
      deps.runs.getRunStatus(run.workspaceId, run.runId),
    ]);
    // (its own send's evidence: another attempt's speaks for that attempt only)
    const evidence = decidingEvidence(pieces, attempt);
    if (evidence) return { outcome: evidenceOutcome(evidence) };
    if (status !== REQUIRED_RUN_STATUS[phase]) {
      // Nobody comes back for it: an earlier attempt's Send, not retracted, tells the step's email
      // went out (see settlingEvidence), where a skip would be final for it.
      const accepted = acceptedElsewhere(pieces, attempt);
      if (accepted) return { outcome: evidenceOutcome(accepted), accepted };
      // Looked up after the window by an execution of its own, which corrects the record if found.
      if (DOUBT_POLICY[step.action.type] === "lookup") await deps.workflows.startLookup(run, phase, step.id);
      return {
        outcome: runEndedInDoubt(step.action.type),
        ...(DOUBT_POLICY[step.action.type] === "evidence" ? { unsent: true as const } : {}),
      };
    }
  } catch {
    // DynamoDB failed here: the retry after the wait settles the claim all the same.
  }
  throw new StepInDoubtError(error.message);
}

/**
 * Records a step's outcome (completing the run in the same write when asked: see StepKnown); when
 * that fails, the state machine records it from the error.
 */
async function record(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  outcome: StepOutcome,
  known: StepKnown = {},
): Promise<StepOutcome> {
  await writeRecord(deps, run, step, outcome, known);
  return failRunIfItsPolicy(step, outcome);
}

/**
 * Records the step's outcome; a failure to is StepOutcomeUnrecordedError, which carries it (and
 * `recheck`, the attempt whose evidence its recorder reads again after: see sentMeanwhile).
 * `replacing`: see recordStep.
 */
async function writeRecord(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  outcome: StepOutcome,
  known: StepKnown,
  recheck?: string,
  replacing?: StepOutcome,
): Promise<void> {
  // A failure that fails the run does not complete it: the run ends failed (and runs its exit steps)
  // when the state machine acts on StepFailedRunError, which a completed run would refuse.
  const completeRun = known.completeRun === true && !failsTheRun(step, outcome);
  try {
    const at = deps.clock.now().toISOString();
    await deps.runs.recordStep(run, step.id, outcome, at, {
      ...(completeRun ? { completeRun: true } : {}),
      ...(replacing ? { replacing } : {}),
    });
    if (completeRun) known.completed = true;
  } catch {
    throw new StepOutcomeUnrecordedError(outcome, step.id, recheck);
  }
}

/** Whether the outcome is a failure of a fail_run step, which fails its run. */
function failsTheRun(
  step: StepInput,
  outcome: StepOutcome,
): outcome is Extract<StepOutcome, { status: "failed" }> {
  return outcome.status === "failed" && step.onFailure === "fail_run";
}

/** The outcome, unless it fails the run (see failsTheRun): then StepFailedRunError. */
function failRunIfItsPolicy(step: StepInput, outcome: StepOutcome): StepOutcome {
  if (failsTheRun(step, outcome)) throw new StepFailedRunError(outcome.reason);
  return outcome;
}

/**
 * What settleDoubt answers when this attempt took the claim over and should perform the step:
 * since when the claim it took was in doubt (an email's or a lookup's; see performAndRecord).
 */
type TakenOver = { takenOver: true; doubtSince?: string };

/**
 * A step claimed by an earlier attempt that recorded nothing. Answers the outcome that settles it
 * (with `accepted`, the other attempt's Send it is recorded from: see retractedMeanwhile), or
 * TakenOver when this attempt has taken the claim over and should perform the step.
 */
async function settleDoubt(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  claim: Extract<StepClaim, { status: "in_doubt" }>,
  attempt: string,
): Promise<{ outcome: StepOutcome; accepted?: StepEvidence } | TakenOver> {
  const now = deps.clock.now();
  const policy = DOUBT_POLICY[step.action.type];
  if (policy === "unknown")
    return {
      outcome: { status: "failed", reason: "outcome_unknown: an earlier attempt stopped mid-action" },
    };
  let doubtSince: string | undefined;
  if (policy === "evidence" || policy === "lookup") {
    // (the evidence of the claim's attempt: an older one's, taken over, says nothing of its send)
    const pieces =
      policy === "evidence" ? await deps.runs.listStepEvidence(run.workspaceId, run.runId, step.id) : [];
    const evidence = decidingEvidence(pieces, claim.attempt);
    if (evidence) return { outcome: evidenceOutcome(evidence) };
    const since =
      claim.doubtSince ?? (await deps.runs.markStepInDoubt(run, step.id, claim.attempt, now.toISOString()));
    const windowMs = deps.reconcileWindowMs ?? RECONCILE_WAIT_SECONDS * 1000;
    if (now.getTime() - Date.parse(since) < windowMs)
      throw new StepInDoubtError(
        `No evidence yet of the send an earlier attempt may have made (since ${since})`,
      );
    if (policy === "lookup") {
      const found = await lookUpEarlierSend(deps, run, step, claim.claimedAt ?? since);
      if (found) return { outcome: found };
    }
    // The claim's attempt had its whole wait with no evidence: SES did not take its email. But an
    // earlier attempt's was taken (its Send came, later than its own wait) and not rejected: the
    // step's email went out, and sending again would duplicate it.
    const accepted = acceptedElsewhere(pieces, claim.attempt);
    if (accepted) return { outcome: evidenceOutcome(accepted), accepted };
    doubtSince = since;
  }
  // Nothing was sent (no evidence within the window), or sending again duplicates nothing.
  if (await deps.runs.takeOverStep(run, step.id, claim.attempt, attempt, now.toISOString()))
    return { takenOver: true, ...(doubtSince === undefined ? {} : { doubtSince }) };
  // Recorded, or taken over by another attempt, meanwhile: that one settles it.
  return { outcome: SETTLED_ELSEWHERE };
}

/**
 * What settleDoubt answers when the step was recorded, or taken over by another attempt, meanwhile:
 * nothing is recorded here (a skip written over the other attempt's claim would stand in for what
 * it performs, as two finishers of one step in doubt showed in the fault suite).
 */
const SETTLED_ELSEWHERE: StepOutcome = Object.freeze({ status: "skipped", reason: "already_executed" });

/**
 * How far before the claim a lookup starts: the provider's clock (a Slack message's `ts`) may run
 * behind ours. Matching is on the step's marker, so a wider window only costs a longer read.
 */
const LOOKUP_SKEW_MS = 5 * 60_000;

/**
 * Asks the provider whether the earlier attempt's request was taken: its outcome when found (or when
 * the provider cannot tell), undefined when it was not (send again). A step that has no lookup (an
 * incoming webhook) is `outcome_unknown`, never sent a second time.
 */
async function lookUpEarlierSend(
  deps: StepDeps,
  run: Run,
  step: StepInput,
  claimedAt: string,
): Promise<StepOutcome | undefined> {
  const ctx = await actionContext(deps, run, step, false);
  const prepared = await prepareAction(deps.actions, ctx, step.action);
  if (!isPrepared(prepared) || !prepared.lookUp)
    return { status: "failed", reason: "outcome_unknown: an earlier attempt stopped mid-action" };
  return prepared.lookUp(new Date(Date.parse(claimedAt) - LOOKUP_SKEW_MS));
}

/**
 * A lookup wake-up (see step-doubt.ts): each step of an ended run that was in doubt when the run
 * ended (or whose wake-up failed for good while it was: see recordFailedStep), and is still
 * unsettled (claimed, or recorded skipped or failed `send_in_doubt` for it), is looked up in the
 * provider's records once its evidence window has passed (before that, StepInDoubtError: the
 * workflow waits and runs the wake-up again), exactly as a step in doubt is: found -> corrected to
 * executed; the provider cannot tell -> failed, `outcome_unknown`; absent -> skipped (failed, when
 * its wake-up failed: FAILED_NOT_FOUND). Nothing is ever sent from
 * here. A lookup that keeps failing is left to the workflow's retries, then recorded by the
 * run-state task (see recordRunState). Answers the outcomes it settled.
 */
export async function lookUpEndedRunSteps(
  deps: StepDeps,
  wake: { run: Pick<Run, "workspaceId" | "runId">; lookup: string[] },
): Promise<Record<string, StepOutcome>> {
  try {
    return await lookUpSteps(deps, wake);
  } catch (error) {
    throw asTaskError(error);
  }
}

async function lookUpSteps(
  deps: StepDeps,
  { run, lookup }: { run: Pick<Run, "workspaceId" | "runId">; lookup: string[] },
): Promise<Record<string, StepOutcome>> {
  const [stored, records] = await Promise.all([
    deps.runs.getRun(run.workspaceId, run.runId),
    deps.runs.listRunSteps(run.workspaceId, run.runId),
  ]);
  const outcomes: Record<string, StepOutcome> = {};
  if (!stored?.context) return outcomes;
  const windowMs = deps.reconcileWindowMs ?? RECONCILE_WAIT_SECONDS * 1000;
  for (const stepId of lookup) {
    const record = records.find((candidate) => candidate.stepId === stepId);
    const pinned = pinnedStepOf(stored, stepId);
    // Re-read first: settled meanwhile (from evidence, by an earlier lookup, or recorded by the
    // attempt that was still alive when the run ended), taken over, or never in doubt: nothing to do.
    // A claim the run's end could not settle (no doubt mark) is in doubt since it was claimed.
    const since = record?.doubtSince ?? (record?.status === "claimed" ? record.claimedAt : undefined);
    if (!pinned || !record || !since || (record.status !== "claimed" && !isOpenToEvidence(record))) continue;
    // An entry step still claimed while its run is active: the lookup was started by the run-state
    // task that records its wake-up's failure (recordFailedStep), which settles it right after; not
    // settled here as if its run had ended.
    if (record.status === "claimed" && pinned.phase === "entry" && stored.status === "active")
      throw new StepInDoubtError(`The lookup of step ${stepId} waits for its failure to be recorded`);
    const now = deps.clock.now();
    if (now.getTime() - Date.parse(since) < windowMs)
      throw new StepInDoubtError(
        `The lookup of step ${stepId} waits for its window (in doubt since ${since})`,
      );
    const claimedAt = record.claimedAt ?? since;
    // Not found: the run's end skipped it (it stays so), or its wake-up failed for good (it stays
    // failed, no longer in doubt).
    const outcome =
      (await lookUpEarlierSend(deps, stored.context, pinned.step, claimedAt)) ??
      (record.status === "failed" ? FAILED_NOT_FOUND : RUN_ENDED_NOT_FOUND);
    const settled = await deps.runs.settleStepInDoubt(
      run.workspaceId,
      run.runId,
      stepId,
      outcome,
      now.toISOString(),
      { plainClaim: true },
    );
    if (settled === "settled") outcomes[stepId] = outcome;
  }
  return outcomes;
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

/** A test send has no step to reconcile: an ambiguous answer is reported as such. */
export function testSendOutcomeOf(error: unknown): StepOutcome | undefined {
  if (error instanceof AmbiguousDeliveryError)
    return { status: "failed", reason: `outcome_unknown: ${error.message}` };
  return settledOutcomeOf(error);
}

/** The run's profile and event, and a renderer with the step's `onMissing` policy. */
export async function actionContext(
  deps: Pick<StepDeps, "profiles" | "clock">,
  run: Run,
  step: Pick<StepInput, "id" | "onMissing">,
  test: boolean,
  attempt?: string,
): Promise<ActionContext> {
  const traits = await readTraits(deps, run);
  return contextFor(
    run,
    step,
    { ...traits, event: run.trigger.properties },
    test,
    deps.clock.now(),
    undefined,
    attempt,
  );
}

/** The account's traits, and the user's when there is one, read at once. */
export async function readTraits(
  deps: Pick<StepDeps, "profiles">,
  run: { workspaceId: string; accountId: string; userId?: string | undefined },
): Promise<Traits> {
  const [profile, user] = await Promise.all([
    deps.profiles.get(run.workspaceId, run.accountId),
    run.userId ? deps.profiles.getUser(run.workspaceId, run.userId) : undefined,
  ]);
  return { traits: profile?.traits ?? {}, user: user?.traits ?? {} };
}

/** A performer's context for a step of a run, over this data (a renderer with the step's policy by default). */
export function contextFor(
  run: Run,
  step: { id: string; onMissing?: OnMissing | undefined },
  data: RenderData,
  test: boolean,
  now: Date,
  render: Renderer = createRenderer(data, step.onMissing ?? "empty"),
  attempt?: string,
): ActionContext {
  return {
    run,
    stepId: step.id,
    idempotencyKey: `${run.runId}:${step.id}`,
    ...(attempt === undefined ? {} : { attempt }),
    data,
    render,
    test,
    now,
  };
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
