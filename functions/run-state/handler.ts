import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import type { RunStateTaskPayload } from "../../shared/contracts/workflow.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { recordRunState } from "../../shared/use-cases/record-run-state.js";

const env = readEnv([Env.tableName]);
const obs = createObservability("run-state");
const deps = {
  runs: new DynamoRunRepository(documentClient(obs.tracer), env.TABLE_NAME),
  clock: systemClock,
};

export const handler = middy<RunStateTaskPayload, { recorded: string }, Error, Context>()
  .use(obs.middlewares())
  .handler(async (payload) => {
    obs.logger.appendKeys({ workspaceId: payload.run.workspaceId, runId: payload.run.runId });
    const result = await recordRunState(deps, payload);
    obs.metrics.addMetric(payload.type === "run_completed" ? "RunCompleted" : "StepFailed", "Count", 1);
    obs.logger.info("Run state recorded", result);
    return result;
  });
