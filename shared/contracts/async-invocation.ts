/**
 * The functions EventBridge rules invoke, and what happens to an event one of them fails on. The CDK
 * app configures the rules, the functions' asynchronous invocations and the dead-letter queues and
 * alarms from this contract; the local runtime retries, waits and dead-letters by the same numbers
 * (infra/local/stack.ts), so a handler that fails on an event fails the same way on a laptop.
 *
 * On AWS an EventBridge rule hands its event to Lambda as an asynchronous invocation. Two failure
 * paths follow, both ending in the same dead-letter queue:
 * - the handler fails (throws, times out): Lambda's own retries, "If the function returns an error,
 *   by default Lambda attempts to run it two more times, with a one-minute wait between the first two
 *   attempts, and two minutes between the second and third attempts"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html), then the
 *   function's on-failure destination receives an invocation record (the event in `requestPayload`,
 *   the error in `responsePayload`);
 * - EventBridge cannot hand the event to Lambda at all (throttling, service errors): the rule
 *   target's retry policy, then the target's dead-letter queue receives the event itself.
 */
import type { FunctionId } from "./functions.js";

/**
 * Lambda's waits before the second and the third attempt of an asynchronous invocation whose function
 * returned an error: fixed by Lambda, not configurable (only how many of them are used is).
 */
export const LAMBDA_ASYNC_RETRY_WAITS_SECONDS = [60, 120] as const;

/** Lambda's bounds for MaximumRetryAttempts (0 to 2) and MaximumEventAgeInSeconds (60 to 21,600). */
export const LAMBDA_ASYNC_MAX_RETRY_ATTEMPTS = 2;
export const LAMBDA_ASYNC_MAX_EVENT_AGE_SECONDS = 21_600;

export interface LambdaRuleTarget {
  /** The rule's name locally (its construct id in the CDK app is its own). */
  readonly rule: string;
  /** The function the rule invokes. */
  readonly function: FunctionId;
  /** The function's asynchronous invocation config (`configureAsyncInvoke`): Lambda's retries. */
  readonly asyncInvoke: {
    /** MaximumRetryAttempts: attempts after the first when the function returns an error (0 to 2). */
    readonly retryAttempts: number;
    /** MaximumEventAgeInSeconds: how long Lambda keeps the event queued (60 to 21,600). */
    readonly maxEventAgeSeconds: number;
  };
  /** The rule target's retry policy: how long EventBridge keeps trying to hand the event to Lambda. */
  readonly targetRetryPolicy: { readonly retryAttempts: number; readonly maxEventAgeSeconds: number };
  /**
   * The SQS queue both failure paths end in: the function's on-failure destination and the rule
   * target's dead-letter queue. Its construct id in the CDK app and its name locally.
   */
  readonly deadLetterQueue: string;
  /** The CloudWatch alarm on that queue (any visible message): its construct id and description. */
  readonly alarm: { readonly id: string; readonly description: string };
}

/** EventBridge's longest retry policy for a target (its default): 185 attempts over 24 hours. */
const EVENTBRIDGE_MAX_RETRY = { retryAttempts: 185, maxEventAgeSeconds: 86_400 } as const;

export const lambdaRuleTargets = {
  /** SES's sending events of this deployment's configuration set, to the suppression list (ses-feedback). */
  sesFeedback: {
    rule: "ses-feedback",
    function: "ses-feedback",
    // Lambda's most: a bounce that suppresses nobody lets the next send go to a dead address.
    asyncInvoke: { retryAttempts: 2, maxEventAgeSeconds: LAMBDA_ASYNC_MAX_EVENT_AGE_SECONDS },
    targetRetryPolicy: EVENTBRIDGE_MAX_RETRY,
    deadLetterQueue: "FeedbackDeadLetterQueue",
    alarm: {
      id: "FeedbackDeadLetters",
      description:
        "SES bounce or complaint events could not be recorded after every retry: those addresses are not suppressed",
    },
  },
  /** Executions of the state machine that failed, timed out or were aborted: their runs end (run-state). */
  failedExecutions: {
    rule: "failed-executions",
    function: "run-state",
    asyncInvoke: { retryAttempts: 2, maxEventAgeSeconds: LAMBDA_ASYNC_MAX_EVENT_AGE_SECONDS },
    targetRetryPolicy: EVENTBRIDGE_MAX_RETRY,
    deadLetterQueue: "FailedExecutionsDeadLetterQueue",
    alarm: {
      id: "FailedExecutionsDeadLetters",
      description:
        "Events of failed run executions could not be handled after every retry: their runs may still show active",
    },
  },
} as const satisfies Record<string, LambdaRuleTarget>;

export type LambdaRuleTargetName = keyof typeof lambdaRuleTargets;
export type LambdaDeadLetterQueueName = (typeof lambdaRuleTargets)[LambdaRuleTargetName]["deadLetterQueue"];

/**
 * The waits, in ms, before each retry of an asynchronous invocation that `retryAttempts` allows:
 * Lambda's (one minute, then two) times the time scale (1 = real time, 0 = no wait), as every local
 * delay. Its length is the number of retries.
 */
export function asyncRetryWaitsMs(retryAttempts: number, timeScale: number): number[] {
  if (
    !Number.isInteger(retryAttempts) ||
    retryAttempts < 0 ||
    retryAttempts > LAMBDA_ASYNC_MAX_RETRY_ATTEMPTS
  ) {
    throw new Error(
      `retryAttempts must be a whole number from 0 to ${LAMBDA_ASYNC_MAX_RETRY_ATTEMPTS}, got ${retryAttempts}`,
    );
  }
  if (!Number.isFinite(timeScale) || timeScale < 0) throw new Error(`Bad time scale ${timeScale}`);
  return LAMBDA_ASYNC_RETRY_WAITS_SECONDS.slice(0, retryAttempts).map((seconds) =>
    Math.round(seconds * 1000 * timeScale),
  );
}
