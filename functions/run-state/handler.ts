import { SFNClient } from "@aws-sdk/client-sfn";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { StepFunctionsController } from "../../shared/adapters/step-functions-starter.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import type { RunStateTaskPayload } from "../../shared/contracts/workflow.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { recordRunState } from "../../shared/use-cases/record-run-state.js";

const env = readEnv([Env.tableName, Env.stateMachineArn]);
const obs = createObservability("run-state");
const sfn = new SFNClient({});
obs.tracer.captureAWSv3Client(sfn);
const deps = {
  runs: new DynamoRunRepository(documentClient(obs.tracer), env.TABLE_NAME),
  // A timeout ends the run and starts its exit (or completion) steps.
  workflows: new StepFunctionsController(sfn, env.STATE_MACHINE_ARN),
  clock: systemClock,
};

export const handler = middy<RunStateTaskPayload, { recorded: string }, Error, Context>()
  .use(obs.middlewares())
  .handler(async (payload) => {
    obs.logger.appendKeys({ workspaceId: payload.run.workspaceId, runId: payload.run.runId });
    const result = await recordRunState(deps, payload);
    obs.metrics.addMetric(
      {
        run_completed: "RunCompleted",
        step_failed: "StepFailed",
        timeout: "RunTimedOut",
        step_failed_run: "RunFailedByStep",
      }[payload.type],
      "Count",
      1,
    );
    obs.logger.info("Run state recorded", result);
    return result;
  });
