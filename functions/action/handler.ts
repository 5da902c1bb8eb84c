import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoInsightsRepository } from "../../shared/adapters/dynamodb/insights-repository.js";
import { DynamoIntegrationRepository } from "../../shared/adapters/dynamodb/integration-repository.js";
import { DynamoMomentRepository } from "../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoPendingStartRepository } from "../../shared/adapters/dynamodb/pending-start-repository.js";
import { DynamoProfileRepository } from "../../shared/adapters/dynamodb/profile-repository.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { lazyStepFunctionsController } from "../../shared/adapters/lazy-clients.js";
import { readEnv, readTimeScale } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { type ActionPayload, reconcileWaitMs } from "../../shared/contracts/workflow.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { executeStep } from "../../shared/use-cases/execute-step.js";
import { runWake } from "../../shared/use-cases/run-wake.js";
import { lazyProviders } from "./lazy-providers.js";
import { performersFor } from "./performers.js";

const env = readEnv([Env.tableName, Env.stateMachineArn]);
const obs = createObservability("action");
const db = documentClient(obs.tracer);
// A timeout starts the run's exit (or completion) steps; a gate starts its run.
const profiles = new DynamoProfileRepository(db, env.TABLE_NAME);
const timeScale = readTimeScale(process.env[Env.timeScale]);
const deps = {
  actions: performersFor(
    { db, tracer: obs.tracer, integrations: new DynamoIntegrationRepository(db, env.TABLE_NAME), profiles },
    "step",
    lazyProviders,
  ),
  profiles,
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  moments: new DynamoMomentRepository(db, env.TABLE_NAME),
  pending: new DynamoPendingStartRepository(db, env.TABLE_NAME),
  recorder: new DynamoInsightsRepository(db, env.TABLE_NAME),
  workflows: lazyStepFunctionsController(env.STATE_MACHINE_ARN, obs.tracer),
  clock: systemClock,
  timeScale,
  // The state machine's wait for evidence, scaled as every delay is.
  reconcileWindowMs: reconcileWaitMs(timeScale),
};

/**
 * Invoked by the state machine for one wake-up of an execution (or, from executions started before
 * wake-ups, one step); transient failures are thrown for its Retry policy.
 */
export const handler = middy<ActionPayload, unknown, Error, Context>()
  .use(obs.middlewares())
  .handler(async (payload) => {
    if (!("wake" in payload)) {
      const { run, step } = payload;
      obs.logger.appendKeys({ workspaceId: run.workspaceId, momentId: run.momentId, runId: run.runId });
      const outcome = await executeStep(deps, payload);
      obs.logger.info("Step finished", { stepId: step.id, action: step.action.type, outcome });
      obs.metrics.addMetric(`Step${capitalized(outcome.status)}`, "Count", 1);
      return outcome;
    }
    const { wake } = payload;
    const about = "gate" in wake ? wake.gate : wake.run;
    obs.logger.appendKeys({
      workspaceId: about.workspaceId,
      momentId: about.momentId,
      ...("run" in wake ? { runId: wake.run.runId } : {}),
    });
    const result = await runWake(deps, wake, (stepId, outcome) => {
      obs.logger.info("Step finished", { stepId, outcome });
      obs.metrics.addMetric(`Step${capitalized(outcome.status)}`, "Count", 1);
    });
    if (!("steps" in result)) obs.logger.info("Wake-up finished", { result });
    if ("completed" in result) obs.metrics.addMetric("RunCompleted", "Count", 1);
    if ("ended" in result && result.ended === "timed_out") obs.metrics.addMetric("RunTimedOut", "Count", 1);
    if ("gate" in result) obs.metrics.addMetric("AbandonmentGateOpened", "Count", 1);
    return result;
  });

function capitalized(text: string): string {
  return `${text[0]?.toUpperCase()}${text.slice(1)}`;
}
