import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { EventBridgePublisher } from "../../shared/adapters/event-bridge-publisher.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { browserRoutes } from "../../shared/http/browser-routes.js";
import { httpHandler, json, type TypedRoutes } from "../../shared/http/http-handler.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { ingestIdentify } from "../../shared/use-cases/identify.js";
import { ingestBatch } from "../../shared/use-cases/ingest-batch.js";
import { ingestEvent } from "../../shared/use-cases/ingest-event.js";

const env = readEnv([Env.tableName, Env.eventBusName]);
const obs = createObservability("ingest");
const db = documentClient(obs.tracer);
const keys = new DynamoKeyStore(db, env.TABLE_NAME);
const eventBridge = new EventBridgeClient({});
obs.tracer.captureAWSv3Client(eventBridge);
const deps = { publisher: new EventBridgePublisher(eventBridge, env.EVENT_BUS_NAME), clock: systemClock };

const { browserRoute, preflightFor } = browserRoutes(keys, obs);
const preflight = preflightFor("POST");

const routes: TypedRoutes = {
  "POST /v1/events": browserRoute(async (owner, request) => {
    const result = await ingestEvent(deps, owner, request.body, request.headers.origin);
    obs.logger.info("Event accepted", { messageId: result.messageId });
    obs.metrics.addMetric("EventAccepted", "Count", 1);
    return json(202, result);
  }),
  "OPTIONS /v1/events": preflight,
  "POST /v1/batch": browserRoute(async (owner, request) => {
    const result = await ingestBatch(deps, owner, request.body, request.headers.origin);
    obs.logger.info("Batch accepted", {
      accepted: result.accepted.length,
      rejected: result.rejected.map((r) => ({ index: r.index, code: r.error.code })),
    });
    if (result.accepted.length > 0) obs.metrics.addMetric("EventAccepted", "Count", result.accepted.length);
    if (result.rejected.length > 0) obs.metrics.addMetric("EventRejected", "Count", result.rejected.length);
    return json(202, result);
  }),
  "OPTIONS /v1/batch": preflight,
  "POST /v1/identify": browserRoute(async (owner, request) => {
    const result = await ingestIdentify(deps, owner, request.body, request.headers.origin);
    obs.logger.info("Identify accepted", { messageId: result.messageId });
    obs.metrics.addMetric("IdentifyAccepted", "Count", 1);
    return json(202, result);
  }),
  "OPTIONS /v1/identify": preflight,
};

export const handler = httpHandler(routes, obs);
