import { STEP_FAILED_RUN_ERROR, TRANSIENT_ERROR_NAME } from "../contracts/workflow.js";

/**
 * A delivery failed in a way worth retrying (throttling, timeouts, 5xx). Its name is what the state
 * machine's Retry matches on, so throwing it out of the action function retries the step with backoff.
 */
export class TransientDeliveryError extends Error {
  override readonly name = TRANSIENT_ERROR_NAME;
}

/** A delivery the provider refused for good (bad address, unverified sender); retrying cannot help. */
export class PermanentDeliveryError extends Error {
  override readonly name = "PermanentDeliveryError";
}

/**
 * A step failed for good and its policy is fail_run: raised (after the failure is recorded) so the
 * state machine ends the run as failed and runs its exit steps.
 */
export class StepFailedRunError extends Error {
  override readonly name = STEP_FAILED_RUN_ERROR;
}
