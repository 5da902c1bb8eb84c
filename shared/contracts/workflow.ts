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
  startedAt: string;
  /** The moment's actionsEnabled when the run started: when false, steps are recorded as skipped. */
  actionsEnabled: boolean;
  trigger: {
    event: string;
    messageId: string;
    timestamp: string;
    properties: Record<string, unknown>;
  };
}

export interface StepInput {
  id: string;
  /** The step's delay, already scaled by the deployment's time scale. */
  delaySeconds: number;
  action: Action;
}

/** The execution input. */
export interface RunInput {
  run: RunContext;
  steps: StepInput[];
}

/** Payload of the action task: one step of one run. */
export interface ActionTaskPayload {
  run: RunContext;
  step: StepInput;
}

export type StepOutcome =
  | { status: "executed"; detail?: Record<string, string> }
  | { status: "skipped"; reason: string }
  | { status: "failed"; reason: string };

/** Payloads of the run-state task: lifecycle records the workflow writes. */
export type RunStateTaskPayload =
  | { type: "step_failed"; run: RunContext; step: StepInput; error: { Error?: string; Cause?: string } }
  | { type: "run_completed"; run: RunContext };

/** Thrown by the action function for errors worth retrying (throttling, timeouts, 5xx). */
export const TRANSIENT_ERROR_NAME = "TransientActionError";

// Lambda's own transient failures, as Step Functions names them (AWS-recommended retry set).
const lambdaServiceErrors = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
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

const lambdaRetry = {
  ErrorEquals: lambdaServiceErrors,
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/** The Amazon States Language document, with `${Placeholder}` substitutions. */
export function runWorkflowDefinition(): Record<string, unknown> {
  return {
    Comment: "Runs one account through one moment: each step waits its delay, then runs its action.",
    StartAt: "RunSteps",
    States: {
      RunSteps: {
        Type: "Map",
        ItemsPath: "$.steps",
        ItemSelector: { "run.$": "$.run", "step.$": "$$.Map.Item.Value" },
        // Steps are sequential by definition: a moment is a timeline.
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "WaitForDelay",
          States: {
            WaitForDelay: { Type: "Wait", SecondsPath: "$.step.delaySeconds", Next: "RunAction" },
            RunAction: {
              ...invoke(workflowSubstitutions.actionFunctionArn, { "run.$": "$.run", "step.$": "$.step" }),
              Retry: [
                lambdaRetry,
                {
                  ErrorEquals: [TRANSIENT_ERROR_NAME],
                  IntervalSeconds: 5,
                  MaxAttempts: 5,
                  BackoffRate: 2,
                  MaxDelaySeconds: 300,
                  JitterStrategy: "FULL",
                },
              ],
              // A step that still fails is recorded and the run goes on to its next step.
              Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordStepFailure" }],
              End: true,
            },
            RecordStepFailure: {
              ...invoke(workflowSubstitutions.runStateFunctionArn, {
                type: "step_failed",
                "run.$": "$.run",
                "step.$": "$.step",
                "error.$": "$.error",
              }),
              Retry: [lambdaRetry],
              End: true,
            },
          },
        },
        ResultPath: null,
        Next: "CompleteRun",
      },
      CompleteRun: {
        ...invoke(workflowSubstitutions.runStateFunctionArn, { type: "run_completed", "run.$": "$.run" }),
        Retry: [lambdaRetry],
        End: true,
      },
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
