import type { Tracer } from "@aws-lambda-powertools/tracer";
import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import {
  type ExecutionInput,
  endExecutionName,
  executionInputOf,
  finishExecutionName,
  finishInputOf,
  type Gate,
  gateInputOf,
  lookupExecutionName,
  lookupInputOf,
  type RunContext,
  type RunInput,
  type RunPhase,
  type RunRef,
} from "../contracts/workflow.js";
import type { ExecutionInputReader, WorkflowController } from "../ports/runs.js";
import { CACHED_MIDDLEWARE, sdkClient } from "./sdk-client.js";

/**
 * Starts and stops runs' Standard executions, each named by its run id. Execution names are unique
 * per state machine for 90 days, so a second start of the same run is refused with
 * ExecutionAlreadyExists (or answered with the running execution when the input is identical):
 * either way, one execution. Because the name is the run id, a run's execution ARN is derived from
 * the state machine ARN, so stopping needs no stored ARN.
 */
export class StepFunctionsController implements WorkflowController, ExecutionInputReader {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  /** The execution input holds references only (run and step ids): the steps are pinned on the run. */
  start(input: RunInput) {
    return this.startNamed(
      input.phase === "entry" ? input.run.runId : endExecutionName(input.run.runId),
      executionInputOf(input),
    );
  }

  startFinish(run: RunContext, steps: string[]) {
    return this.startNamed(finishExecutionName(run.runId), finishInputOf(run, steps));
  }

  startLookup(run: RunRef, phase: RunPhase, stepId: string) {
    return this.startNamed(lookupExecutionName(run.runId, stepId), lookupInputOf(run, phase, stepId));
  }

  restart(name: string, input: ExecutionInput) {
    return this.startNamed(name, input);
  }

  startGate(gate: Gate, name: string) {
    return this.startNamed(name, gateInputOf(gate, new Date()));
  }

  private async startNamed(name: string, input: ExecutionInput) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return "started" as const;
    } catch (error) {
      if (error instanceof Error && error.name === "ExecutionAlreadyExists")
        return "already_started" as const;
      throw error;
    }
  }

  /** An execution's input (a status-change event leaves out inputs over 248 KB). */
  async executionInput(arn: string) {
    const { input } = await this.client.send(new DescribeExecutionCommand({ executionArn: arn }));
    return input;
  }

  async stop(runId: string, cause: string) {
    try {
      await this.client.send(
        new StopExecutionCommand({
          executionArn: executionArn(this.stateMachineArn, runId),
          cause: cause.slice(0, 32768),
        }),
      );
      return "stopped" as const;
    } catch (error) {
      // Stopping is idempotent for us: an execution that never started (the run was entered but its
      // start was not driven yet) or that already ended has nothing left to stop.
      if (error instanceof Error && (error.name === "ExecutionDoesNotExist" || isAlreadyFinished(error)))
        return "not_running" as const;
      throw error;
    }
  }
}

/** `arn:…:stateMachine:<name>` -> `arn:…:execution:<name>:<executionName>`. */
export function executionArn(stateMachineArn: string, runId: string): string {
  if (!stateMachineArn.includes(":stateMachine:"))
    throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${runId}`;
}

/**
 * StopExecution on an execution that already ended is answered with an error rather than a no-op in
 * some SDK/emulator versions (a validation error naming the status); it means the same as success.
 */
function isAlreadyFinished(error: Error): boolean {
  return (
    error.name === "ValidationException" &&
    /(not running|already|SUCCEEDED|FAILED|ABORTED|TIMED_OUT)/i.test(error.message)
  );
}

/**
 * A controller with a client of its own (traced when tracing is on): what a function imports on its
 * first Step Functions call (see lazyPort, shared/load-once.ts), since most of its invocations make none.
 */
export function stepFunctionsController(stateMachineArn: string, tracer?: Tracer): StepFunctionsController {
  return new StepFunctionsController(sdkClient(new SFNClient(CACHED_MIDDLEWARE), tracer), stateMachineArn);
}
