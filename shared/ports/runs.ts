import type {
  EndSteps,
  ExecutionInput,
  Gate,
  RunContext,
  RunInput,
  RunOutcome,
  RunPhase,
  StepInput,
  StepOutcome,
} from "../contracts/workflow.js";
import type { EndRule } from "../domain/moment.js";
import type { EndCause } from "../domain/report.js";
import type { EvidenceKind } from "../domain/step-evidence.js";

/**
 * `success` / `failed`: an end rule matched (or a timeout passed); `completed`: a moment without end
 * rules went through its steps; `stopped`: its moment was stopped or archived.
 */
export type MembershipStatus = "active" | "completed" | "success" | "failed" | "stopped";
export const membershipStatuses: readonly MembershipStatus[] = [
  "active",
  "completed",
  "success",
  "failed",
  "stopped",
];

export type RunStatus = MembershipStatus;
export type RunEnd = Exclude<RunStatus, "active">;

/** A stored run: what ending it needs (its pinned end steps) and who ended it. */
export interface StoredRun {
  runId: string;
  workspaceId: string;
  momentId: string;
  accountId: string;
  runKey?: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  /** What ended it: a messageId, "timeout", "steps_done" or "moment_stopped". */
  endedBy?: string;
  endSteps: EndSteps;
  /** The entry steps, pinned at entry (absent on runs whose execution input carried them). */
  entrySteps?: StepInput[];
  /** When the run's timeout ends it, and how (pinned at entry, when its moment has an `after` rule). */
  timeout?: PinnedTimeout;
  /** The run's pinned context (absent on runs stored before it was kept). */
  context?: RunContext;
  /** A test send's record (no membership, no stats): see recordTestSend. */
  test?: true;
}

/** A run's timeout: due at `at` (scaled like every delay), ending the run with `outcome`. */
export interface PinnedTimeout {
  at: string;
  outcome: RunOutcome;
}

/** What a run pins at entry besides its context: every phase's steps and its timeout. */
export interface PinnedSteps extends EndSteps {
  entry?: StepInput[];
  timeout?: PinnedTimeout;
}

/**
 * A step's record in a run: claimed (in flight, or in doubt) or its outcome. `doubtSince` when its
 * send was in doubt (kept once recorded: evidence may still correct it); `claimedAt` when claimed.
 */
export type RunStepRecord = (
  | { stepId: string; status: "claimed"; claimedAt: string }
  | {
      stepId: string;
      status: StepOutcome["status"];
      outcome: StepOutcome;
      recordedAt: string;
      claimedAt?: string;
    }
) & { doubtSince?: string };

/** The re-entry rule enforced atomically with the entry. */
export type EntryGuard =
  | { policy: "once" }
  | { policy: "after_exit" }
  /** Enter only if the previous run ended before `endedBefore` (the cooldown's start). */
  | { policy: "cooldown"; endedBefore: string };

/** An account's active run of one moment. */
export interface ActiveRun {
  momentId: string;
  runId: string;
  runKey?: string;
  startedAt: string;
  /** The start event's own timestamp: an end event is judged against when the run's trigger happened. */
  trigger?: { timestamp: string };
  /** The end rules and run key of the moment version the run started with (pinned at entry). */
  pinned?: PinnedEndRules;
}

/** What ending a run needs from its moment version, pinned at entry with the steps. */
export interface PinnedEndRules {
  end: EndRule[];
  /** The moment's `start.key`, if any: an end event must be about the same key. */
  key?: string;
}

export interface Membership {
  accountId: string;
  /** Set for a moment with a `key`: one membership per account and key. */
  runKey?: string;
  status: MembershipStatus;
  runId: string;
  startedAt: string;
  endedAt?: string;
}

/** What `stopRun` needs to find a run and the membership it holds. */
export type RunRef = Pick<RunContext, "workspaceId" | "momentId" | "accountId" | "runId" | "runKey">;

export type EnterResult = "entered" | "already_active" | "already_ran" | "reentry_blocked";

/**
 * What claiming a step found. `claimed`: this attempt holds it (also when its own first write
 * succeeded and only the answer was lost: the claim carries the attempt's token). `in_doubt`: another
 * attempt claimed it and recorded no outcome, so it may have acted; `doubtSince` is when an attempt
 * first found it so (the reconciliation window starts there); `claimedAt` when the claim was written
 * (a lookup of the provider's records starts there).
 */
export type StepClaim =
  | { status: "claimed" }
  /**
   * Recorded already; `outcome` is what was recorded (a fail_run policy still applies to it, unless
   * `corrected`: SES's Reject replaced the execution the run had acted on, which stands for the run).
   */
  | { status: "already_done"; outcome?: StepOutcome; corrected?: true }
  | { status: "in_doubt"; attempt: string; doubtSince?: string; claimedAt?: string };

/** What a provider reported about a step's send (an SES Send or Reject event, tagged with the step). */
/** One piece of a provider's evidence about a step's send (see shared/domain/step-evidence.ts). */
export interface StepEvidence {
  kind: EvidenceKind;
  /** The provider's id of what it sent (SES's messageId). */
  messageId?: string;
  reason?: string;
  at: string;
  /**
   * The attempt that sent the message (its claim's token, the `attempt` message tag): the piece
   * speaks for that attempt's claim only. Absent on a message sent before the tag: it speaks for any.
   */
  attempt?: string;
}

/** A step claimed with no outcome recorded, and the attempt whose claim it is ("" before claims carried one). */
export interface ClaimedStep {
  stepId: string;
  attempt: string;
}

export interface RunRepository {
  /**
   * Records that the account enters the moment with this run, unless another run of that moment is
   * active for the account. Re-entering with the same run id (a redelivery) answers "entered" again,
   * so the caller re-drives the start idempotently.
   */
  enter(
    run: RunContext,
    steps: PinnedSteps,
    guard?: EntryGuard,
    pinned?: PinnedEndRules,
  ): Promise<EnterResult>;
  /** The membership an account holds in a moment (per run key), to decide re-entry before entering. */
  getMembership(
    run: Pick<RunContext, "workspaceId" | "momentId" | "accountId" | "runKey">,
  ): Promise<Membership | undefined>;
  /**
   * The account's active runs, one per (moment, run key), and with `alsoEndedBy` the runs that
   * message ended (so its redelivery can finish an end that failed midway).
   */
  listActiveRuns(workspaceId: string, accountId: string, alsoEndedBy?: string): Promise<ActiveRun[]>;
  getRun(workspaceId: string, runId: string): Promise<StoredRun | undefined>;
  /** The run's step records, by step id. */
  listRunSteps(workspaceId: string, runId: string): Promise<RunStepRecord[]>;
  /**
   * Keeps a performed test send as a run of its own with its one step (readable with getRun and
   * listRunSteps), marked as a test: no membership, no account index, no stats. Expires like the
   * decision log.
   */
  recordTestSend(run: RunContext, stepId: string, outcome: StepOutcome, at: string): Promise<void>;
  /**
   * Ends an active run, exactly once: the outcome, the membership's release and the stats counter
   * change together. "ended" when this call (or an earlier one with the same `endedBy`, a retry)
   * ended it; "already_ended" when something else ended it first.
   */
  endRun(
    run: RunRef,
    outcome: RunEnd,
    endedBy: string,
    at: string,
    /** For a success or failure: which kind of end rule (counted for the report's split). */
    cause?: EndCause,
  ): Promise<"ended" | "already_ended">;
  /** Memberships of a moment in account order, optionally only those with one status. */
  listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string; status?: MembershipStatus },
  ): Promise<{ items: Membership[]; nextCursor?: string }>;
  getRunStatus(workspaceId: string, runId: string): Promise<RunStatus | undefined>;
  /**
   * Claims a step before its side effect, as the attempt `attempt` (a token unique to one try of the
   * step), so a retried task never repeats it, and a repeated claim of the same attempt (its first
   * write applied, the answer lost) recognizes itself.
   */
  claimStep(run: RunContext, stepId: string, attempt: string, at: string): Promise<StepClaim>;
  /** Marks the attempt's claim as in doubt since `at` (kept if already marked); answers since when. */
  markStepInDoubt(run: RunContext, stepId: string, attempt: string, at: string): Promise<string>;
  /**
   * Takes a claim in doubt over from attempt `from` (once its doubt is resolved as "not sent"): true
   * when `to` now holds it, false when something else recorded or took it meanwhile.
   */
  takeOverStep(run: RunContext, stepId: string, from: string, to: string, at: string): Promise<boolean>;
  /** Gives the attempt's claim back after a failure that certainly had no side effect, so a retry may run it. */
  releaseStep(run: RunContext, stepId: string, attempt: string): Promise<void>;
  /**
   * Keeps a piece of a provider's evidence about a step's send, beside the pieces of other kinds
   * (the first piece of each kind stands: a redelivered event changes nothing).
   */
  recordStepEvidence(
    workspaceId: string,
    runId: string,
    stepId: string,
    evidence: StepEvidence,
  ): Promise<void>;
  /**
   * The piece of the step's evidence that decides its outcome (see decidingEvidence); with
   * `attempt`, among the pieces that speak for that attempt's claim (see speaksFor).
   */
  getStepEvidence(
    workspaceId: string,
    runId: string,
    stepId: string,
    attempt?: string,
  ): Promise<StepEvidence | undefined>;
  /** Every piece of the step's evidence kept, of every attempt (one read, as getStepEvidence). */
  listStepEvidence(workspaceId: string, runId: string, stepId: string): Promise<StepEvidence[]>;
  /**
   * Whether the step's record is final for evidence of `kind`, so that piece need not be kept (see
   * isFinalForEvidence): executed (for a Send), or failed or skipped outside any doubt
   * (settleStepInDoubt moves none of those). A claim, a skip or a `send_in_doubt` failure made
   * while in doubt (evidence may still correct them: see isOpenToEvidence), an execution for a
   * Reject (see isOpenToRejection) and a missing record are not.
   */
  isStepFinal(workspaceId: string, runId: string, stepId: string, kind: EvidenceKind): Promise<boolean>;
  /**
   * Settles a step whose send was in doubt (its record carries `doubtSince`) with `outcome`, with its
   * counters: a claim still in doubt is recorded; so is, with `plainClaim` (its run ended, or its
   * wake-up failed for good), a plain claim (its attempt alive, or dead mid-action), as in doubt
   * since its claim, conditional on its attempt (a take-over, or that attempt's own record, wins),
   * its `doubtSince` set so later evidence can still correct it (a plain claim SES's Reject marked,
   * before or while it is settled, is settled with that rejection instead); a step recorded `skipped` while in
   * doubt (its run ended before the provider's evidence came) or failed `send_in_doubt` (its
   * wake-up failed for good first) is corrected by any outcome but a skip, its counters moved; an
   * execution (in doubt or not: SES answered, or its Send event settled it) is corrected by SES's
   * rejection only, counters moved, conditional on the record read (so once); an execution that
   * another attempt's Send corrected a skip or a `send_in_doubt` failure to (or that a claim was
   * settled to from one, `replacing` the claim as not sent) is corrected by that message's
   * rejection back to the record it replaced (kept with it), as that Send and its Reject settle
   * nothing of this attempt's claim when the Reject comes first. A rejection that
   * finds the step's own attempt still holding its claim (no doubt: it has not recorded SES's answer
   * yet) is marked on the claim, and that attempt's record of an execution records the rejection
   * instead (see recordStep); it answers "not_in_doubt". Anything else (recorded from evidence
   * already, taken over, never in doubt) is left as it is: "not_in_doubt".
   */
  settleStepInDoubt(
    workspaceId: string,
    runId: string,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    /**
     * `messageId`: the message the evidence is about (SES's): an execution recorded with another
     * message of the step (an earlier send SES took, whose evidence came too late to stop a second)
     * is not corrected, nor, when it is recorded after, is the rejection marked on its claim taken.
     * `attempt`: the attempt the outcome is about (the evidence's, or the claim's as the caller read
     * it): a claim or record of another attempt (one taken over since) is left as it is, and every
     * write is conditional on it. Absent (evidence of an email sent before the tag): any attempt's.
     * `replacing`: the outcome (an execution decided from another attempt's Send) stands in for this
     * one (the claim as not sent), kept with it, which that Send's rejection restores (see above).
     */
    options?: { plainClaim?: boolean; messageId?: string; attempt?: string; replacing?: StepOutcome },
  ): Promise<"settled" | "not_in_doubt">;
  /**
   * The run's steps claimed with no outcome recorded, each with the attempt holding its claim (whose
   * evidence alone settles it): in doubt, or plainly claimed (an attempt that died mid-action marks
   * nothing). Asked when the run has ended, its execution stopped, or a wake-up failed for good.
   */
  listStepsInDoubt(workspaceId: string, runId: string): Promise<ClaimedStep[]>;
  /**
   * Records a step's outcome once, counted once: false when it was recorded already (nothing
   * changes). An execution over a claim SES's Reject marked meanwhile (see settleStepInDoubt) is
   * recorded as that rejection (true). With `unlessClaimed`, also false when an attempt holds a claim on it (the outcome is
   * then not written over the claim). With `completeRun`, the run (its last step recorded) is
   * completed in the same write, as completeRun would, unless it ended otherwise first. With
   * `replacing`, as settleStepInDoubt keeps it.
   */
  recordStep(
    run: RunContext,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options?: { unlessClaimed?: boolean; completeRun?: boolean; replacing?: StepOutcome },
  ): Promise<boolean>;
  /**
   * Ends a run that went through its steps. A run already stopped keeps its `stopped` outcome (and
   * still releases its membership, as stopped, if a stop sweep died before doing so).
   */
  completeRun(run: RunContext, at: string): Promise<void>;
  /**
   * Ends an active run with outcome `stopped` and releases its membership, if the membership still
   * holds that run. Idempotent: repeating it (a re-driven sweep) finishes a half-done stop.
   * "already_ended" when the run had completed (or the membership moved on) first.
   */
  stopRun(run: RunRef, at: string): Promise<"stopped" | "already_ended">;
}

export interface WorkflowStarter {
  /**
   * Starts a phase of a run: the entry execution is named by the run id, the end execution by
   * `<runId>-end`; an existing one with that name is not an error.
   */
  start(input: RunInput): Promise<"started" | "already_started">;
}

export interface WorkflowController extends WorkflowStarter {
  /**
   * Starts the execution that settles a step of an ended run whose send was in doubt, from the
   * provider's records, after its evidence window (named by run and step: a second start is a no-op).
   */
  startLookup(
    run: Pick<RunContext, "workspaceId" | "momentId" | "runId">,
    phase: RunPhase,
    stepId: string,
  ): Promise<"started" | "already_started">;
  /**
   * Starts a fresh execution, by this name, of the work a failed execution left (see
   * remainingInputOf); an existing one with that name is not an error (a redelivered failure).
   */
  restart(name: string, input: ExecutionInput): Promise<"started" | "already_started">;
  /** Starts an abandonment gate (named from the gate), which waits, then asks for the run to start. */
  startGate(gate: Gate, name: string): Promise<"started" | "already_started">;
  /** Stops the run's entry execution; one that does not exist or has already ended is not an error. */
  stop(runId: string, cause: string): Promise<"stopped" | "not_running">;
  /**
   * Starts the execution that finishes the run's entry steps left in doubt when it ended
   * (`<runId>-finish`, see finishInputOf); an existing one is not an error.
   */
  startFinish(run: RunContext, steps: string[]): Promise<"started" | "already_started">;
}

/** Reads an execution's input, for a status-change event that did not carry it (inputs over 248 KB). */
export interface ExecutionInputReader {
  executionInput(executionArn: string): Promise<string | undefined>;
}
