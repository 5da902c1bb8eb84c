/**
 * The one generic state machine that runs every moment (deployed once, not per moment), and the
 * payloads its tasks exchange. The CDK app deploys `runWorkflowDefinition()` with
 * `definitionSubstitutions`; the local Step Functions runs the same document with the placeholders
 * resolved to local function ARNs.
 *
 * An execution is a list of wake-ups (a Map state, one item at a time): each waits its seconds (a
 * Wait state: not billed while waiting, no polling), then one task runs everything due then (every
 * consecutive zero-delay step, the run's completion after its last step, its timeout, an
 * abandonment gate). So a run costs 1 + 2 transitions per wake-up, with no bookkeeping states on the
 * usual path. The execution input holds references only (run id, step ids, routing): the action
 * task reads the pinned steps from the run's item, so no webhook URL, header or trigger property
 * sits in an execution's input, its history or its logs, and the input never nears its 256 KB limit.
 */
import { createHash } from "node:crypto";
import type { Action } from "../domain/actions.js";
import type { EvidenceKind } from "../domain/step-evidence.js";

/** Placeholders in the definition, resolved by CloudFormation (or the local runtime). */
export const workflowSubstitutions = {
  actionFunctionArn: "ActionFunctionArn",
  runStateFunctionArn: "RunStateFunctionArn",
} as const;

export type WorkflowSubstitution = (typeof workflowSubstitutions)[keyof typeof workflowSubstitutions];

/** What a run knows about itself; pinned at start so later moment edits do not change it. */
export interface RunContext {
  workspaceId: string;
  momentId: string;
  momentVersion: number;
  runId: string;
  accountId: string;
  userId?: string;
  /** The value of the moment's `key` property when it has one: one run per (account, key). */
  runKey?: string;
  startedAt: string;
  /** The moment's actionsEnabled when the run started: when false, steps are recorded as skipped. */
  actionsEnabled: boolean;
  trigger: {
    event: string;
    messageId: string;
    /** The source the trigger came from (attribute changes a run makes carry it on). */
    sourceId?: string;
    timestamp: string;
    properties: Record<string, unknown>;
  };
}

export interface StepInput {
  id: string;
  /** `fail_run`: a step that fails for good ends the run as failed (exit steps run). */
  onFailure?: "continue" | "fail_run";
  /** `skip` or `fail`: what a placeholder without a value does (absent: it renders empty). */
  onMissing?: "skip" | "fail";
  /** The step's delay, already scaled by the deployment's time scale. */
  delaySeconds: number;
  action: Action;
}

export type RunPhase = "entry" | "completion" | "exit";
export type RunOutcome = "success" | "failed";

/**
 * A phase of a run to start, as the use cases describe it (the adapter turns it into the execution
 * input, references only: see executionInputOf). A run has an entry execution (named by the run id)
 * and, once an end rule matched, an end execution (`<runId>-end`) for its completion or exit steps.
 */
export interface RunInput {
  run: RunContext;
  phase: RunPhase;
  steps: StepInput[];
  /** Entry phase: end the run with this outcome after `seconds` (the earliest `after` end rule). */
  timeout?: { seconds: number; outcome: RunOutcome };
  /** Entry phase: the moment has no end rules, so the run ends as completed when its steps are done. */
  completeWhenStepsDone: boolean;
  /**
   * End execution: entry steps the run's end found in doubt (they may have acted, and their
   * stopped execution will not come back to them), finished first, in a zero-delay entry wake-up.
   */
  finish?: string[];
}

/**
 * What a wake-up needs to find its run: the keys, and the moment for logs and metrics; the account
 * (and user) too, so the profile a step renders from is read alongside the run, not after it
 * (absent from executions started before they were carried).
 */
export interface RunRef {
  workspaceId: string;
  momentId: string;
  runId: string;
  accountId?: string;
  userId?: string;
}

/**
 * An armed abandonment start: an execution that waits until `until`, then asks the action task to
 * open the gate (start the run) if the start is still armed and due.
 */
export interface Gate {
  workspaceId: string;
  momentId: string;
  accountId: string;
  runKey?: string;
  /** The arming trigger's messageId. */
  token: string;
  /** ISO 8601: when the start falls due. */
  until: string;
}

/**
 * One wake-up of an execution: wait `seconds` (after the previous wake-up's task), then run its task.
 * - steps: run these steps of the phase, in order (ids of the steps pinned on the run's item); with
 *   `complete`, then end the run as completed (the last entry steps of a moment without end rules);
 * - timeout: end the run on its timeout (the outcome is pinned on the run's item);
 * - gate: open an abandonment gate, if its start is still armed and due;
 * - lookup: settle, from the provider's records, these steps of an ended run whose sends were in
 *   doubt when it ended (a Slack post looked up in the channel's history; see step-doubt.ts).
 */
export type Wake =
  | { seconds: number; run: RunRef; phase: RunPhase; steps: string[]; complete?: true }
  | { seconds: number; run: RunRef; phase: "entry"; timeout: true }
  | { seconds: number; gate: Gate }
  | { seconds: number; run: RunRef; phase: RunPhase; lookup: string[] };

/** The execution input: references only, never step content. */
export interface ExecutionInput {
  wakes: Wake[];
}

/**
 * A phase's schedule: consecutive zero-delay steps share a wake-up; on the entry phase, steps due at
 * or after the timeout never run (the timeout wakes first and ends the run), and the timeout is the
 * last wake-up; a run without end rules completes in its last wake-up (an empty one without steps).
 */
export function executionInputOf(input: RunInput): ExecutionInput {
  const run = refOf(input.run);
  const timeout = input.phase === "entry" ? input.timeout : undefined;
  const wakes: Array<Extract<Wake, { steps: string[] }>> = [];
  const finish =
    input.phase !== "entry" && input.finish?.length
      ? [{ seconds: 0, run, phase: "entry" as const, steps: input.finish }]
      : [];
  let offset = 0;
  for (const step of input.steps) {
    if (timeout && offset + step.delaySeconds >= timeout.seconds) break;
    offset += step.delaySeconds;
    const last = wakes.at(-1);
    if (last && step.delaySeconds === 0) last.steps.push(step.id);
    else wakes.push({ seconds: step.delaySeconds, run, phase: input.phase, steps: [step.id] });
  }
  if (timeout)
    return {
      wakes: [
        ...wakes,
        { seconds: Math.max(0, timeout.seconds - offset), run, phase: "entry", timeout: true },
      ],
    };
  if (input.phase === "entry" && input.completeWhenStepsDone) {
    const last = wakes.at(-1);
    if (last) last.complete = true;
    else wakes.push({ seconds: 0, run, phase: "entry", steps: [], complete: true });
  }
  return { wakes: [...finish, ...wakes] };
}

/**
 * Name of the execution that finishes an entry step left in doubt whose own attempt saw the run end
 * (the run's end may have listed the steps in doubt before it was marked; see keepInDoubt). The end
 * execution finishes the steps the end found (RunInput.finish); finishing one twice delivers
 * nothing new (a repeat-safe step, same ids).
 */
export function finishExecutionName(runId: string): string {
  return `${runId}-finish`;
}

/**
 * Its input: one zero-delay entry wake-up with the steps. A run has at most one entry step in doubt
 * at a time (its wake-ups run one step after another): one execution per run.
 */
export function finishInputOf(run: RunContext, steps: string[]): ExecutionInput {
  return { wakes: [{ seconds: 0, run: refOf(run), phase: "entry", steps }] };
}

/** What a wake-up carries of its run. */
function refOf({ workspaceId, momentId, runId, accountId, userId }: RunContext): RunRef {
  return { workspaceId, momentId, runId, accountId, ...(userId === undefined ? {} : { userId }) };
}

/** A gate's execution input: one wake-up at its due time (rounded up: never early). */
export function gateInputOf(gate: Gate, now: Date): ExecutionInput {
  const seconds = Math.max(0, Math.ceil((Date.parse(gate.until) - now.getTime()) / 1000));
  return { wakes: [{ seconds, gate }] };
}

/**
 * What is left of an execution's work, to run again in a fresh execution (a re-drive): the wake-ups
 * with steps not yet done (`isDone`: recorded), each due when it was in the execution that started at
 * `startedAtMs` (the first after what is left of its wait, counted from that start; steps done are
 * dropped, and so are wake-ups left with none). Steps are idempotent, so running one again that was
 * recorded meanwhile does nothing; the schedule is kept, not restarted.
 */
export function remainingInputOf(
  input: ExecutionInput,
  startedAtMs: number,
  nowMs: number,
  isDone: (stepId: string) => boolean,
): ExecutionInput {
  const wakes: Wake[] = [];
  let dueMs = startedAtMs;
  let previousMs = nowMs;
  for (const wake of input.wakes) {
    dueMs += wake.seconds * 1000;
    let left: Wake = wake;
    if ("steps" in wake) {
      const steps = wake.steps.filter((id) => !isDone(id));
      if (steps.length === 0 && !wake.complete) continue;
      left = { ...wake, steps };
    }
    const seconds = Math.max(0, Math.ceil((dueMs - previousMs) / 1000));
    wakes.push({ ...left, seconds });
    previousMs = Math.max(dueMs, previousMs);
  }
  return { wakes };
}

/** Name of the `attempt`-th re-drive of an execution (`<name>-r<attempt>`, from its first name). */
export function redriveName(name: string, attempt: number): string {
  return `${name.replace(/-r\d+$/, "")}-r${attempt}`;
}

/** How many times the work of the execution with this name was re-driven already (0: the first). */
export function redriveAttempt(name: string): number {
  const match = /-r(\d+)$/.exec(name);
  return match ? Number(match[1]) : 0;
}

/** Steps a run will need when it ends, pinned at entry with the rest of the moment's version. */
export interface EndSteps {
  completion: StepInput[];
  exit: StepInput[];
}

/** Name of a run's end execution. */
export function endExecutionName(runId: string): string {
  return `${runId}-end`;
}

/**
 * A lookup execution's input: one wake-up, at once (the action task itself waits out what is left
 * of the step's evidence window, through the workflow's WaitForEvidence).
 */
export function lookupInputOf(run: RunRef, phase: RunPhase, stepId: string): ExecutionInput {
  return { wakes: [{ seconds: 0, run, phase, lookup: [stepId] }] };
}

/**
 * Name of the execution that looks up one step of an ended run (one per step: a second start is a
 * no-op). Execution names are at most 80 characters: a long step id is shortened to a hash.
 */
export function lookupExecutionName(runId: string, stepId: string): string {
  const name = `${runId}-lookup-${stepId}`;
  return name.length <= 80
    ? name
    : `${runId}-lookup-${createHash("sha256").update(stepId).digest("hex").slice(0, 16)}`;
}

/**
 * Name of the `attempt`-th re-drive of a step's lookup execution (`<lookup name>-r<attempt>`; a
 * step id too long for the 80 characters is shortened to its hash, as in lookupExecutionName).
 */
export function lookupRedriveName(runId: string, stepId: string, attempt: number): string {
  const suffix = `-r${attempt}`;
  const name = `${runId}-lookup-${stepId}${suffix}`;
  return name.length <= 80
    ? name
    : `${runId}-lookup-${createHash("sha256").update(stepId).digest("hex").slice(0, 16)}${suffix}`;
}

/**
 * How many times the lookup of this step was re-driven already, told by its execution's name
 * (compared whole: a step id may itself end like `-r1`).
 */
export function lookupRedriveAttempt(name: string, runId: string, stepId: string): number {
  const match = /-r(\d+)$/.exec(name);
  const attempt = match ? Number(match[1]) : 0;
  return attempt > 0 && name === lookupRedriveName(runId, stepId, attempt) ? attempt : 0;
}

/** Payload of the action task in executions started before wake-ups: one step of one run. */
export interface ActionTaskPayload {
  run: RunContext;
  step: StepInput;
  /** Which phase the step belongs to (entry steps need an active run; completion/exit an ended one). */
  phase?: RunPhase;
}

export type StepOutcome =
  | { status: "executed"; detail?: Record<string, string> }
  | { status: "skipped"; reason: string }
  | { status: "failed"; reason: string };

/**
 * The reason code of a step recorded failed while its send was in doubt: its wake-up failed for
 * good (see recordRunState) with the step claimed, and no evidence had come. The record keeps its
 * `doubtSince`, and stays open to correction, as a skip made in doubt does: SES's Send or Reject
 * event, or the step's lookup, replaces it with what the provider actually did.
 */
export const SEND_IN_DOUBT_CODE = "send_in_doubt";

/** The reason code of an email step SES rejected (its Reject event: see step-evidence.ts). */
export const REJECTED_CODE = "rejected";

/** How a step settled from SES's Send event says so, in its outcome's detail (`reconciled`). */
export const SEND_EVENT_RECONCILED = "send_event";

/**
 * Whether a step record made while its send was in doubt may still be corrected by evidence (or its
 * lookup): skipped (its run ended first) or failed `send_in_doubt` (its wake-up failed for good), with
 * its doubt mark. Every other record is final.
 */
export function isOpenToEvidence(record: {
  status?: unknown;
  outcome?: unknown;
  doubtSince?: unknown;
}): boolean {
  if (typeof record.doubtSince !== "string") return false;
  if (record.status === "skipped") return true;
  const reason = (record.outcome as { reason?: unknown } | undefined)?.reason;
  return (
    record.status === "failed" && typeof reason === "string" && reason.startsWith(`${SEND_IN_DOUBT_CODE}:`)
  );
}

/**
 * Whether SES's Reject of a step's email may still correct its record: any execution, recorded from
 * SES's answer to the send or settled from its Send event while in doubt. SES publishes a Reject
 * after its message's Send, and nothing after it makes the email go (see step-evidence.ts), so the
 * record tells what SES did, whether or not the answer was lost. (Only an email step gets SES
 * evidence: its message carries the run and step tags.)
 */
export function isOpenToRejection(record: { status?: unknown }): boolean {
  return record.status === "executed";
}

/** Whether an outcome is SES's rejection of the step's email (see evidenceOutcome). */
export function isRejection(outcome: StepOutcome): boolean {
  return outcome.status === "failed" && outcome.reason.startsWith(`${REJECTED_CODE}:`);
}

/**
 * Whether a step record is final for a piece of evidence of `kind`: nothing it proves could change
 * the record (see correctsRecord), so the piece need not be kept. A claim and a missing record are
 * not final; an execution is final for a Send, not for a Reject, unless it stands on another
 * attempt's Send in place of a record made in doubt (`replacedOutcome`): that Send's Reject would
 * restore the record, which the claim's own Send, kept, then corrects (see ses-feedback.ts).
 */
export function isFinalForEvidence(
  record:
    | { status?: unknown; outcome?: unknown; doubtSince?: unknown; replacedOutcome?: unknown }
    | undefined,
  kind: EvidenceKind,
): boolean {
  if (record === undefined || record.status === "claimed") return false;
  if (isOpenToEvidence(record) || record.replacedOutcome !== undefined) return false;
  return !(kind === "rejected" && isOpenToRejection(record));
}

/**
 * Whether `outcome` corrects a step's record: a skip or a `send_in_doubt` failure made while in doubt
 * by any outcome but a skip; an execution (however recorded) by SES's rejection only. Every other
 * record is final.
 */
export function correctsRecord(
  record: { status?: unknown; outcome?: unknown; doubtSince?: unknown },
  outcome: StepOutcome,
): boolean {
  if (outcome.status === "skipped") return false;
  if (isOpenToEvidence(record)) return true;
  return isOpenToRejection(record) && isRejection(outcome);
}

/**
 * Payloads of the run-state task: what the workflow records off the usual path. `wake_*` come from
 * this definition; the others from executions started before wake-ups, which keep their definition
 * on AWS until they end (see the README's upgrade note), so the functions still take them.
 */
export type RunStateTaskPayload =
  /**
   * A wake-up still failing after its retries: which step the failure belongs to (its first step
   * without an outcome), answered as `{ stepId }` (null: none takes it). Read only, so a retry after
   * a lost answer is harmless; it names the step before anything is recorded (see wake_failed).
   */
  | { type: "wake_failed_step"; wake: WakePayload }
  /**
   * A wake-up still failing after its retries: the step found by wake_failed_step is recorded as
   * failed. Named, so a retry after this record's answer was lost records the same step again (a
   * no-op), not the next one, which was never tried. Without `stepId` (an execution started on the
   * definition before it was named): the first step without an outcome.
   */
  | {
      type: "wake_failed";
      wake: WakePayload;
      error: { Error?: string; Cause?: string };
      stepId?: string | null;
    }
  /** A step performed whose record failed: the outcome is in the error's Cause (see STEP_OUTCOME_UNRECORDED_ERROR). */
  | { type: "wake_outcome"; wake: WakePayload; error: { Error?: string; Cause?: string } }
  /** A fail_run step of the wake-up failed for good: the run ends as failed. */
  | { type: "wake_failed_run"; wake: WakePayload }
  | { type: "step_failed"; run: RunContext; step: StepInput; error: { Error?: string; Cause?: string } }
  | { type: "run_completed"; run: RunContext }
  | { type: "timeout"; run: RunContext; outcome: RunOutcome }
  | { type: "step_failed_run"; run: RunContext; stepId: string }
  | { type: "step_outcome"; run: RunContext; step: StepInput; error: { Error?: string; Cause?: string } }
  | { type: "open_gate"; gate: Gate };

/** The payload of the action task for a wake-up (fields a resumed wake-up carries besides are ignored). */
export type WakePayload = Wake;

/** The action task's payload: a wake-up, or one step (from executions started before wake-ups). */
export type ActionPayload = { wake: WakePayload } | ActionTaskPayload;

/**
 * Thrown by the action function when an abandonment gate woke before its start's due time (the start
 * was re-armed by a later trigger): the message is the due time, and the gate waits until then.
 */
export const GATE_NOT_DUE_ERROR = "GateNotDue";

/**
 * Thrown by the action function when a step failed for good and its policy is fail_run: the state
 * machine routes it to end the run, while the usual path pays no extra state for the policy.
 */
export const STEP_FAILED_RUN_ERROR = "StepFailedRun";

/** Thrown (as a Fail state) to end the entry execution once the run has ended: stops the steps. */
export const RUN_ENDED_ERROR = "RunEnded";

/**
 * Thrown by the action and run-state functions for errors worth retrying: a provider's throttling,
 * timeout or 5xx, and every infrastructure failure (DynamoDB throttled or briefly unavailable, a
 * transaction conflict, Step Functions or EventBridge answering 5xx). The use cases raise it as a
 * typed error (see shared/domain/delivery-errors.ts); the state machine retries it with backoff.
 */
export const TRANSIENT_ERROR_NAME = "TransientActionError";

/**
 * Thrown by the action function when it performed a step but could not record the outcome (its
 * DynamoDB write failed after the send). The Cause carries the outcome; the state machine records it
 * through the run-state function, so a send that happened is never recorded as failed nor repeated.
 */
export const STEP_OUTCOME_UNRECORDED_ERROR = "StepOutcomeUnrecorded";

/**
 * Thrown by the action function when a step's send is in doubt (the provider may have taken it, with
 * no clear answer): the state machine waits for evidence (RECONCILE_WAIT_SECONDS), then runs the step
 * again, which settles it from the evidence (an SES Send event) or sends again when there is none.
 */
export const STEP_IN_DOUBT_ERROR = "StepInDoubt";

/**
 * How long a step in doubt waits for the provider's evidence before it is safe to send again (scaled
 * by the time scale locally). SES publishes a Send event within seconds of taking a message.
 */
export const RECONCILE_WAIT_SECONDS = 300;

/**
 * The evidence wait at a deployment's time scale (the action function's window, the local runtime's
 * Wait): scaled like every delay, but never under 2 s, time enough for a Send event to arrive.
 */
export function reconcileWaitMs(timeScale: number): number {
  return Math.max(RECONCILE_WAIT_SECONDS * 1000 * timeScale, 2_000);
}

// Lambda's own transient failures, as Step Functions names them (AWS-recommended retry set), plus an
// invocation that never reported back (Lambda.Unknown) and a task past its timeout (States.Timeout).
// A function that ran past its own timeout is `Lambda.Unknown` in Step Functions' documentation, but
// Lambda itself now names it `Sandbox.Timedout` (its troubleshooting guide; the error type other
// services receive), which a task then fails with: retried alike, so a slow dependency that makes a
// function time out is retried, not recorded as the step's failure.
const lambdaServiceErrors = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.Unknown",
  "Sandbox.Timedout",
  "States.Timeout",
];

/** Upper bound for one task attempt; the functions themselves time out well before (30 s). */
export const TASK_TIMEOUT_SECONDS = 60;

function invoke(functionArnPlaceholder: WorkflowSubstitution, payload: Record<string, unknown>) {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: `\${${functionArnPlaceholder}}`, Payload: payload },
    OutputPath: "$.Payload",
    // Above every function's own timeout: a task must never hang a run (the default is none).
    TimeoutSeconds: TASK_TIMEOUT_SECONDS,
  };
}

/**
 * The one retry policy of every task: transient errors (typed by the use cases) and Lambda's own
 * failures are retried 16 times, from 10 s doubling up to 15 minutes apart. With full jitter (which
 * spreads the retries of many runs after a shared outage) the waits add up to about 90 minutes on
 * average, and to less than 30 minutes with a probability below one in 100,000; without jitter they
 * would be 2 h 16 min. So no execution fails, and no step is recorded as failed, because DynamoDB,
 * Step Functions, Lambda or a provider was briefly unavailable. A Retry costs a state transition only
 * when it retries: the usual path pays nothing for it.
 */
export const transientRetry = {
  ErrorEquals: [TRANSIENT_ERROR_NAME, ...lambdaServiceErrors],
  IntervalSeconds: 10,
  MaxAttempts: 16,
  BackoffRate: 2,
  MaxDelaySeconds: 900,
  JitterStrategy: "FULL",
};

/**
 * The Amazon States Language document, with `${Placeholder}` substitutions.
 *
 * One Map over the execution's wake-ups, one at a time: each Wait (SecondsPath), then the action
 * task, which runs everything due (ExecutionInput, Wake). A run of three steps with delays and no end
 * rules enters 7 states: the Map, and a Wait and a task per step (its completion is part of the last
 * task); a timeout adds one wake-up (2). Everything else is off the usual path: a step in doubt
 * waits for evidence and its wake-up runs again; a step still failing after the retries is named,
 * then recorded as failed, by the run-state task, then its wake-up runs on (its later steps) or, under fail_run,
 * the run ends as failed and the execution stops (RunEnded). An abandonment gate whose start was
 * re-armed to a later time waits again in the same execution. A run that ends by an event is
 * stopped from outside (StopExecution) and its completion or exit steps run in a second execution.
 */
export function runWorkflowDefinition(): Record<string, unknown> {
  return {
    Comment: "Runs one account through one moment: its wake-ups in order, each a wait and one task.",
    StartAt: "Wakes",
    States: {
      Wakes: {
        Type: "Map",
        ItemsPath: "$.wakes",
        // A moment is a timeline: one wake-up at a time.
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "Wait",
          States: {
            Wait: { Type: "Wait", SecondsPath: "$.seconds", Next: "Act" },
            Act: {
              // The wake-up is the payload: references only (see ExecutionInput).
              ...invoke(workflowSubstitutions.actionFunctionArn, { "wake.$": "$" }),
              ResultPath: null,
              OutputPath: "$",
              // A provider outage, a long Retry-After or DynamoDB being slow must not lose the send.
              Retry: [transientRetry],
              Catch: [
                // A step failed for good and its policy is fail_run (the step is already recorded).
                { ErrorEquals: [STEP_FAILED_RUN_ERROR], ResultPath: null, Next: "FailRun" },
                // Performed, but the record failed: record the outcome the error carries.
                {
                  ErrorEquals: [STEP_OUTCOME_UNRECORDED_ERROR],
                  ResultPath: "$.error",
                  Next: "RecordOutcome",
                },
                // The provider may have taken it: wait for its evidence, then run the wake-up again.
                { ErrorEquals: [STEP_IN_DOUBT_ERROR], ResultPath: null, Next: "WaitForEvidence" },
                // An abandonment start re-armed to a later time: wait until then, then try again.
                { ErrorEquals: [GATE_NOT_DUE_ERROR], ResultPath: "$.error", Next: "ReadDueTime" },
                // Anything else still failing after retries is recorded; then the step's policy decides.
                { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "FindFailedStep" },
              ],
              // The usual path: this task and its Wait, nothing else.
              End: true,
            },
            // Only on the doubt path: a Wait, no polling.
            WaitForEvidence: { Type: "Wait", Seconds: RECONCILE_WAIT_SECONDS, Next: "Act" },
            // Only for a re-armed gate: the error's message is the new due time.
            ReadDueTime: {
              Type: "Pass",
              Parameters: { "cause.$": "States.StringToJson($.error.Cause)" },
              ResultPath: "$.rearmed",
              Next: "WaitUntilDue",
            },
            WaitUntilDue: { Type: "Wait", TimestampPath: "$.rearmed.cause.errorMessage", Next: "Act" },
            RecordOutcome: {
              ...invoke(workflowSubstitutions.runStateFunctionArn, {
                type: "wake_outcome",
                "wake.$": "$",
                "error.$": "$.error",
              }),
              ResultPath: "$.recorded",
              OutputPath: "$",
              ResultSelector: { "failRun.$": "$.Payload.failRun" },
              Retry: [transientRetry],
              Next: "AfterRecord",
            },
            // Names the step the failure belongs to (read only) before RecordFailure records it: a
            // retry of the record, its answer lost, must record that step again, not the next one.
            FindFailedStep: {
              ...invoke(workflowSubstitutions.runStateFunctionArn, {
                type: "wake_failed_step",
                "wake.$": "$",
              }),
              ResultPath: "$.failed",
              OutputPath: "$",
              ResultSelector: { "stepId.$": "$.Payload.stepId" },
              Retry: [transientRetry],
              Next: "RecordFailure",
            },
            RecordFailure: {
              ...invoke(workflowSubstitutions.runStateFunctionArn, {
                type: "wake_failed",
                "wake.$": "$",
                "error.$": "$.error",
                "stepId.$": "$.failed.stepId",
              }),
              ResultPath: "$.recorded",
              OutputPath: "$",
              ResultSelector: { "failRun.$": "$.Payload.failRun" },
              Retry: [transientRetry],
              Next: "AfterRecord",
            },
            // fail_run ends the run; else the wake-up runs again, on from the step after the recorded one.
            AfterRecord: {
              Type: "Choice",
              Choices: [{ Variable: "$.recorded.failRun", BooleanEquals: true, Next: "FailRun" }],
              Default: "Act",
            },
            FailRun: {
              ...invoke(workflowSubstitutions.runStateFunctionArn, {
                type: "wake_failed_run",
                "wake.$": "$",
              }),
              Retry: [transientRetry],
              Next: "RunFailed",
            },
            RunFailed: {
              Type: "Fail",
              Error: RUN_ENDED_ERROR,
              Cause: "A step with onFailure fail_run failed",
            },
          },
        },
        ResultPath: null,
        // A fail_run step ended the run: nothing more to do here (the exit steps run elsewhere).
        Catch: [{ ErrorEquals: [RUN_ENDED_ERROR], ResultPath: null, Next: "Done" }],
        End: true,
      },
      Done: { Type: "Succeed" },
    },
  };
}

/** Replaces `${Name}` placeholders, as CloudFormation does with definitionSubstitutions. */
export function resolveSubstitutions(
  definition: Record<string, unknown>,
  values: Record<WorkflowSubstitution, string>,
): Record<string, unknown> {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (match, name: string) => {
    const value = (values as Record<string, string>)[name];
    if (value === undefined) throw new Error(`No value for workflow substitution ${match}`);
    return value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}
