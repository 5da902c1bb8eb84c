/**
 * The one generic state machine that runs every moment (deployed once, not per moment), and the
 * payloads its tasks exchange. The CDK app deploys `runWorkflowDefinition()` with
 * `definitionSubstitutions`; the local Step Functions runs the same document with the placeholders
 * resolved to local function ARNs.
 *
 * Per step the workflow costs two state transitions (Wait, Task) plus the Map iteration, and it
 * never polls: a delay is a Wait state, which Standard workflows do not bill while waiting.
 */
import type { Action } from "../domain/actions.js";

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

/** The execution input. A run has an entry execution (named by the run id) and, once an end rule
 * matched, an end execution (`<runId>-end`) for its completion or exit steps. */
export interface RunInput {
  run: RunContext;
  phase: RunPhase;
  steps: StepInput[];
  /** Entry phase: end the run with this outcome after `seconds` (the earliest `after` end rule). */
  timeout?: { seconds: number; outcome: RunOutcome };
  /** Entry phase: the moment has no end rules, so the run ends as completed when its steps are done. */
  completeWhenStepsDone: boolean;
}

/**
 * An armed abandonment start: a short execution that waits until `until`, then asks run-state to
 * open the gate (start the run) if the start is still armed by `token`.
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

/** The input of a gate execution. */
export interface GateInput {
  gate: Gate;
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

/** Payload of the action task: one step of one run. */
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

/** Payloads of the run-state task: lifecycle records the workflow writes. */
export type RunStateTaskPayload =
  | { type: "step_failed"; run: RunContext; step: StepInput; error: { Error?: string; Cause?: string } }
  | { type: "run_completed"; run: RunContext }
  | { type: "timeout"; run: RunContext; outcome: RunOutcome }
  | { type: "step_failed_run"; run: RunContext; stepId: string }
  /** A step performed whose record failed: the outcome is in the error's Cause (see STEP_OUTCOME_UNRECORDED_ERROR). */
  | { type: "step_outcome"; run: RunContext; step: StepInput; error: { Error?: string; Cause?: string } }
  | { type: "open_gate"; gate: Gate };

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
const lambdaServiceErrors = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.Unknown",
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
 * The steps of a phase, in order: each waits its delay, then runs its action. State names must be
 * unique across the whole machine (Map and Parallel included), hence the prefix for the second copy.
 */
function runStepsMap(next: string | undefined, prefix = ""): Record<string, unknown> {
  const name = (state: string) => `${prefix}${state}`;
  return {
    Type: "Map",
    ItemsPath: "$.steps",
    ItemSelector: { "run.$": "$.run", "phase.$": "$.phase", "step.$": "$$.Map.Item.Value" },
    // Steps are sequential by definition: a moment is a timeline.
    MaxConcurrency: 1,
    ItemProcessor: {
      ProcessorConfig: { Mode: "INLINE" },
      StartAt: name("WaitForDelay"),
      States: {
        [name("WaitForDelay")]: { Type: "Wait", SecondsPath: "$.step.delaySeconds", Next: name("RunAction") },
        [name("RunAction")]: {
          ...invoke(workflowSubstitutions.actionFunctionArn, {
            "run.$": "$.run",
            "step.$": "$.step",
            "phase.$": "$.phase",
          }),
          // A provider outage, a long Retry-After or DynamoDB being slow must not lose the send.
          Retry: [transientRetry],
          Catch: [
            // The action failed for good and its policy is fail_run (the step is already recorded).
            { ErrorEquals: [STEP_FAILED_RUN_ERROR], ResultPath: "$.error", Next: name("FailRun") },
            // Performed, but the record failed: record the outcome the error carries.
            {
              ErrorEquals: [STEP_OUTCOME_UNRECORDED_ERROR],
              ResultPath: "$.unrecorded",
              Next: name("RecordStepOutcome"),
            },
            // The provider may have taken it: wait for its evidence, then run the step again.
            { ErrorEquals: [STEP_IN_DOUBT_ERROR], ResultPath: null, Next: name("WaitForEvidence") },
            // Anything else still failing after retries is recorded; then the step's policy decides.
            { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: name("RecordStepFailure") },
          ],
          // The usual path costs two transitions per step: this Task and its Wait.
          End: true,
        },
        // Only on the doubt path: a Wait, no polling.
        [name("WaitForEvidence")]: { Type: "Wait", Seconds: RECONCILE_WAIT_SECONDS, Next: name("RunAction") },
        [name("RecordStepOutcome")]: {
          ...invoke(workflowSubstitutions.runStateFunctionArn, {
            type: "step_outcome",
            "run.$": "$.run",
            "step.$": "$.step",
            "error.$": "$.unrecorded",
          }),
          ResultPath: "$.recorded",
          OutputPath: "$",
          ResultSelector: { "failRun.$": "$.Payload.failRun" },
          Retry: [transientRetry],
          Next: name("AfterRecordedOutcome"),
        },
        [name("AfterRecordedOutcome")]: {
          Type: "Choice",
          Choices: [{ Variable: "$.recorded.failRun", BooleanEquals: true, Next: name("FailRun") }],
          Default: name("StepDone"),
        },
        [name("RecordStepFailure")]: {
          ...invoke(workflowSubstitutions.runStateFunctionArn, {
            type: "step_failed",
            "run.$": "$.run",
            "step.$": "$.step",
            "error.$": "$.error",
          }),
          ResultPath: null,
          OutputPath: "$",
          Retry: [transientRetry],
          Next: name("AfterFailure"),
        },
        [name("AfterFailure")]: {
          Type: "Choice",
          Choices: [
            {
              And: [
                { Variable: "$.step.onFailure", IsPresent: true },
                { Variable: "$.step.onFailure", StringEquals: "fail_run" },
              ],
              Next: name("FailRun"),
            },
          ],
          Default: name("StepDone"),
        },
        [name("FailRun")]: {
          ...invoke(workflowSubstitutions.runStateFunctionArn, {
            type: "step_failed_run",
            "run.$": "$.run",
            "stepId.$": "$.step.id",
          }),
          Retry: [transientRetry],
          Next: name("RunFailed"),
        },
        [name("RunFailed")]: {
          Type: "Fail",
          Error: RUN_ENDED_ERROR,
          Cause: "A step with onFailure fail_run failed",
        },
        [name("StepDone")]: { Type: "Succeed" },
      },
    },
    ResultPath: null,
    ...(next ? { Next: next } : { End: true }),
  };
}

/**
 * The Amazon States Language document, with `${Placeholder}` substitutions.
 *
 * Without a timeout (most runs) the steps run directly; with one, a Parallel state runs the steps
 * beside a timer, and a timer that ends the run fails its branch with RunEnded, which stops the
 * steps. A run that ends by an event is stopped from outside (StopExecution) and its completion or
 * exit steps run in a second execution. Nothing polls: waiting is a Wait state.
 */
export function runWorkflowDefinition(): Record<string, unknown> {
  return {
    Comment: "Runs one account through one moment: a phase's steps in order, an optional end timeout.",
    StartAt: "IsGate",
    States: {
      // An abandonment start waits for its due time here, then run-state starts the run (or not).
      IsGate: {
        Type: "Choice",
        Choices: [{ Variable: "$.gate", IsPresent: true, Next: "WaitForGate" }],
        Default: "HasTimeout",
      },
      WaitForGate: { Type: "Wait", TimestampPath: "$.gate.until", Next: "OpenGate" },
      OpenGate: {
        ...invoke(workflowSubstitutions.runStateFunctionArn, { type: "open_gate", "gate.$": "$.gate" }),
        // Opening is idempotent (the run id derives from the trigger).
        Retry: [transientRetry],
        Next: "Done",
      },
      HasTimeout: {
        Type: "Choice",
        Choices: [{ Variable: "$.timeout.seconds", IsPresent: true, Next: "StepsWithTimeout" }],
        Default: "RunSteps",
      },
      RunSteps: {
        ...runStepsMap("AfterSteps"),
        // A fail_run step ended the run: nothing more to do here (the exit steps run elsewhere).
        Catch: [{ ErrorEquals: [RUN_ENDED_ERROR], ResultPath: null, Next: "Done" }],
      },
      StepsWithTimeout: {
        Type: "Parallel",
        Branches: [
          {
            StartAt: "RunStepsBeforeTimeout",
            States: { RunStepsBeforeTimeout: runStepsMap(undefined, "Timed") },
          },
          {
            StartAt: "WaitForTimeout",
            States: {
              WaitForTimeout: { Type: "Wait", SecondsPath: "$.timeout.seconds", Next: "EndOnTimeout" },
              EndOnTimeout: {
                ...invoke(workflowSubstitutions.runStateFunctionArn, {
                  type: "timeout",
                  "run.$": "$.run",
                  "outcome.$": "$.timeout.outcome",
                }),
                Retry: [transientRetry],
                Next: "TimedOut",
              },
              TimedOut: { Type: "Fail", Error: RUN_ENDED_ERROR, Cause: "The run ended on its timeout" },
            },
          },
        ],
        ResultPath: null,
        Catch: [{ ErrorEquals: [RUN_ENDED_ERROR], ResultPath: null, Next: "Done" }],
        Next: "AfterSteps",
      },
      AfterSteps: {
        Type: "Choice",
        Choices: [{ Variable: "$.completeWhenStepsDone", BooleanEquals: true, Next: "CompleteRun" }],
        // With end rules, the run stays active after its steps until an end rule matches.
        Default: "Done",
      },
      CompleteRun: {
        ...invoke(workflowSubstitutions.runStateFunctionArn, { type: "run_completed", "run.$": "$.run" }),
        Retry: [transientRetry],
        Next: "Done",
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
