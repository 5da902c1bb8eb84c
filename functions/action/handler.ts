import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoIntegrationRepository } from "../../shared/adapters/dynamodb/integration-repository.js";
import { DynamoMomentRepository } from "../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoProfileRepository } from "../../shared/adapters/dynamodb/profile-repository.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { sesClient } from "../../shared/adapters/ses-client.js";
import { readEnv, readTimeScale } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import {
  type ActionTaskPayload,
  reconcileWaitMs,
  type StepOutcome,
} from "../../shared/contracts/workflow.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { executeStep } from "../../shared/use-cases/execute-step.js";
import { performersFor } from "./performers.js";

const env = readEnv([Env.tableName]);
const obs = createObservability("action");
const db = documentClient(obs.tracer);
const ses = sesClient(obs.tracer);
const eventBridge = new EventBridgeClient({});
obs.tracer?.captureAWSv3Client(eventBridge);
const profiles = new DynamoProfileRepository(db, env.TABLE_NAME);
const deps = {
  actions: performersFor(
    { db, ses, eventBridge, integrations: new DynamoIntegrationRepository(db, env.TABLE_NAME), profiles },
    "step",
  ),
  profiles,
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  moments: new DynamoMomentRepository(db, env.TABLE_NAME),
  clock: systemClock,
  // The state machine's wait for evidence, scaled as every delay is.
  reconcileWindowMs: reconcileWaitMs(readTimeScale(process.env[Env.timeScale])),
};

/** Invoked by the state machine for one step; transient failures are thrown for its Retry policy. */
export const handler = middy<ActionTaskPayload, StepOutcome, Error, Context>()
  .use(obs.middlewares())
  .handler(async (payload) => {
    const { run, step } = payload;
    obs.logger.appendKeys({
      workspaceId: run.workspaceId,
      momentId: run.momentId,
      runId: run.runId,
      stepId: step.id,
    });
    const outcome = await executeStep(deps, payload);
    obs.logger.info("Step finished", { action: step.action.type, outcome });
    obs.metrics.addDimension("action", step.action.type);
    obs.metrics.addMetric(`Step${outcome.status[0]?.toUpperCase()}${outcome.status.slice(1)}`, "Count", 1);
    return outcome;
  });
