import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { EventBridgePublisher } from "../../shared/adapters/event-bridge-publisher.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { httpHandler, json } from "../../shared/http/http-handler.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { authenticateWriteKey } from "../../shared/use-cases/authenticate.js";
import { ingestEvent } from "../../shared/use-cases/ingest-event.js";

const env = readEnv([Env.tableName, Env.eventBusName]);
const obs = createObservability("ingest");
const keys = new DynamoKeyStore(documentClient(obs.tracer), env.TABLE_NAME);
const eventBridge = new EventBridgeClient({});
obs.tracer.captureAWSv3Client(eventBridge);
const publisher = new EventBridgePublisher(eventBridge, env.EVENT_BUS_NAME);

export const handler = httpHandler(
  {
    "POST /v1/events": async (request) => {
      const owner = await authenticateWriteKey(keys, request.headers.authorization);
      obs.logger.appendKeys({ workspaceId: owner.workspaceId, sourceId: owner.sourceId });
      const result = await ingestEvent({ publisher, clock: systemClock }, owner, request.body);
      obs.logger.info("Event accepted", { messageId: result.messageId });
      obs.metrics.addMetric("EventAccepted", "Count", 1);
      return json(202, result);
    },
  },
  obs,
);
