import {
  GATE_NOT_DUE_ERROR,
  STEP_FAILED_RUN_ERROR,
  STEP_IN_DOUBT_ERROR,
  STEP_OUTCOME_UNRECORDED_ERROR,
  type StepOutcome,
  TRANSIENT_ERROR_NAME,
} from "../contracts/workflow.js";

/**
 * A delivery failed in a way worth retrying (throttling, timeouts, 5xx). Its name is what the state
 * machine's Retry matches on, so throwing it out of the action function retries the step with backoff.
 */
export class TransientDeliveryError extends Error {
  override readonly name = TRANSIENT_ERROR_NAME;
}

/**
 * The infrastructure failed for now (DynamoDB throttled or unavailable, a transaction conflict, a
 * service's 5xx): nothing is decided, so the state machine retries the task with backoff. Use cases
 * that run as workflow tasks raise it instead of letting an AWS error reach the state machine as a
 * failure.
 */
export class TransientInfrastructureError extends Error {
  override readonly name = TRANSIENT_ERROR_NAME;
}

/** A delivery the provider refused for good (bad address, unverified sender); retrying cannot help. */
export class PermanentDeliveryError extends Error {
  override readonly name = "PermanentDeliveryError";
}

/**
 * The provider may have taken the request, with no clear answer (a 500, a lost connection after the
 * request was written): sending again could duplicate it, not sending could lose it. The step is
 * reconciled from the provider's evidence (see executeStep), never guessed.
 */
export class AmbiguousDeliveryError extends Error {
  override readonly name = "AmbiguousDeliveryError";
}

/**
 * A step failed for good and its policy is fail_run: raised (after the failure is recorded) so the
 * state machine ends the run as failed and runs its exit steps.
 */
export class StepFailedRunError extends Error {
  override readonly name = STEP_FAILED_RUN_ERROR;
}

/** A step's send is in doubt: the state machine waits for evidence, then runs the step again. */
export class StepInDoubtError extends Error {
  override readonly name = STEP_IN_DOUBT_ERROR;
}

/**
 * A step was performed, but recording its outcome failed: the message is `{ stepId, outcome }` as
 * JSON, which the state machine hands to the run-state function to record (see
 * STEP_OUTCOME_UNRECORDED_ERROR). The step is named: the record may have gone in with its answer
 * lost, so "the wake-up's first step without an outcome" can be the next step.
 */
export class StepOutcomeUnrecordedError extends Error {
  override readonly name = STEP_OUTCOME_UNRECORDED_ERROR;
  /**
   * `recheck`: the attempt whose claim the outcome settles as not sent while another attempt's
   * email may have gone out (see sentMeanwhile): whoever records it reads the evidence again after.
   */
  constructor(
    readonly outcome: StepOutcome,
    readonly stepId: string,
    readonly recheck?: string,
  ) {
    super(JSON.stringify({ stepId, outcome, ...(recheck === undefined ? {} : { recheck }) }));
  }
}

/** An abandonment gate woke before its start's due time (re-armed): the message is the due time. */
export class GateNotDueError extends Error {
  override readonly name = GATE_NOT_DUE_ERROR;
  constructor(readonly dueAt: string) {
    super(dueAt);
  }
}

/**
 * A wake-up failed for good where no step's record can take the failure (an abandonment gate, a
 * timeout, a run's completion): the execution fails, for the FailedRuns alarm, instead of retrying.
 */
export class WakeFailedError extends Error {
  override readonly name = "WakeFailed";
}

/** The errors a workflow task may end with; anything else is an infrastructure failure for now. */
export function asTaskError(error: unknown): Error {
  if (
    error instanceof TransientDeliveryError ||
    error instanceof TransientInfrastructureError ||
    error instanceof StepFailedRunError ||
    error instanceof StepInDoubtError ||
    error instanceof StepOutcomeUnrecordedError ||
    error instanceof GateNotDueError ||
    error instanceof WakeFailedError
  )
    return error;
  return new TransientInfrastructureError(
    error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  );
}
