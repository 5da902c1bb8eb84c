import { SFNClient } from "@aws-sdk/client-sfn";
import middy from "@middy/core";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoInsightsRepository } from "../../shared/adapters/dynamodb/insights-repository.js";
import { DynamoMomentRepository } from "../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoPendingStartRepository } from "../../shared/adapters/dynamodb/pending-start-repository.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { CACHED_MIDDLEWARE, sdkClient } from "../../shared/adapters/sdk-client.js";
import { StepFunctionsController } from "../../shared/adapters/step-functions-starter.js";
import { readEnv, readTimeScale } from "../../shared/config.js";
import { REDRIVES_EXHAUSTED_METRIC } from "../../shared/contracts/bus.js";
import { Env } from "../../shared/contracts/functions.js";
import type { RunStateTaskPayload } from "../../shared/contracts/workflow.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { handleExecutionFailed, isExecutionStatusChange } from "../../shared/use-cases/execution-failed.js";
import { recordRunState } from "../../shared/use-cases/record-run-state.js";

const env = readEnv([Env.tableName, Env.stateMachineArn]);
const obs = createObservability("run-state");
const sfn = sdkClient(new SFNClient(CACHED_MIDDLEWARE), obs.tracer);
const db = documentClient(obs.tracer);
const workflows = new StepFunctionsController(sfn, env.STATE_MACHINE_ARN);
const deps = {
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  // Abandonment gates start runs that fell due, as the matcher does.
  pending: new DynamoPendingStartRepository(db, env.TABLE_NAME),
  moments: new DynamoMomentRepository(db, env.TABLE_NAME),
  recorder: new DynamoInsightsRepository(db, env.TABLE_NAME),
  timeScale: readTimeScale(process.env[Env.timeScale]),
  // A timeout ends the run and starts its exit (or completion) steps.
  workflows,
  // An execution status change that left out the input (over 248 KB) is read back.
  executions: workflows,
  clock: systemClock,
};

/**
 * The workflow's lifecycle tasks (invoked by the state machine), and the default bus's "Step
 * Functions Execution Status Change" events of executions that failed, timed out or were aborted
 * (invoked asynchronously by the rule; a throw is retried by Lambda, then dead-lettered).
 */
export const handler = middy<
  RunStateTaskPayload | EventBridgeEvent<string, unknown>,
  { recorded: string } | undefined,
  Error,
  Context
>()
  .use(obs.middlewares())
  .handler(async (payload) => {
    if (isExecutionStatusChange(payload)) {
      const result = await handleExecutionFailed(deps, payload);
      if (result.outcome !== "ignored")
        obs.logger.appendKeys({
          workspaceId: result.workspaceId,
          ...(result.runId ? { runId: result.runId } : {}),
        });
      if (result.outcome === "run_ended") {
        obs.metrics.addMetric("RunEndedByFailedExecution", "Count", 1);
        obs.logger.warn("An execution ended outside the engine: its run ended as failed", result);
      } else if (result.outcome === "redriven") {
        obs.metrics.addMetric("ExecutionRedriven", "Count", 1);
        obs.logger.warn(
          "An execution ended outside the engine: its work goes on in a fresh execution",
          result,
        );
      } else if (result.outcome === "gave_up") {
        // Alarmed (RedrivesExhausted): the work is given up, visibly.
        obs.metrics.addMetric(REDRIVES_EXHAUSTED_METRIC, "Count", 1);
        obs.logger.error("An execution failed through every re-drive: its work is given up", result);
      } else obs.logger.info("Execution status change ignored", result);
      return undefined;
    }
    return recordTask(payload as RunStateTaskPayload);
  });

async function recordTask(payload: RunStateTaskPayload) {
  const about = "wake" in payload ? payload.wake : payload;
  if ("run" in about)
    obs.logger.appendKeys({
      workspaceId: about.run.workspaceId,
      momentId: about.run.momentId,
      runId: about.run.runId,
    });
  else obs.logger.appendKeys({ workspaceId: about.gate.workspaceId, momentId: about.gate.momentId });
  const result = await recordRunState(deps, payload);
  if (payload.type === "wake_failed_step") {
    obs.logger.info("Failed step found", result);
    return result;
  }
  obs.metrics.addMetric(
    {
      wake_failed: "StepFailed",
      wake_outcome: "StepOutcomeRecorded",
      wake_failed_run: "RunFailedByStep",
      run_completed: "RunCompleted",
      step_failed: "StepFailed",
      step_outcome: "StepOutcomeRecorded",
      timeout: "RunTimedOut",
      step_failed_run: "RunFailedByStep",
      open_gate: "AbandonmentGateOpened",
    }[payload.type],
    "Count",
    1,
  );
  obs.logger.info("Run state recorded", result);
  return result;
}
