import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { EventBridgePublisher } from "../../shared/adapters/event-bridge-publisher.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { DomainError } from "../../shared/domain/errors.js";
import { isOriginAllowed, parseOrigin } from "../../shared/domain/origin.js";
import { type HttpRequest, httpHandler, json } from "../../shared/http/http-handler.js";
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

/** CORS: a browser reads the answer only if it names its origin; caches must key on the origin. */
const corsHeaders = (origin: string) => ({ "access-control-allow-origin": origin, vary: "origin" });

export const handler = httpHandler(
  {
    "POST /v1/events": async (request) => {
      const owner = await authenticateWriteKey(keys, request.headers.authorization);
      obs.logger.appendKeys({ workspaceId: owner.workspaceId, sourceId: owner.sourceId });
      const origin = request.headers.origin;
      // Refused origins get no CORS header: the page learns nothing beyond "blocked".
      const cors =
        origin !== undefined && isOriginAllowed(origin, owner.allowedDomains)
          ? corsHeaders(origin)
          : undefined;
      try {
        const result = await ingestEvent({ publisher, clock: systemClock }, owner, request.body, origin);
        obs.logger.info("Event accepted", { messageId: result.messageId });
        obs.metrics.addMetric("EventAccepted", "Count", 1);
        return json(202, result, cors);
      } catch (error) {
        // An allowed page must be able to read why its event was refused (400, 413, 503).
        if (cors && error instanceof DomainError) return errorWithCors(error, cors);
        throw error;
      }
    },
    // The browser's preflight carries no key, so it cannot know the source: it admits any web
    // origin, and the POST itself enforces the source's allowedDomains. Needs the route
    // "OPTIONS /v1/events" (auth none) in the route table to be reachable.
    "OPTIONS /v1/events": async (request: HttpRequest) => {
      const origin = request.headers.origin;
      if (origin === undefined || !parseOrigin(origin)) return json(204, undefined);
      return json(204, undefined, {
        ...corsHeaders(origin),
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "authorization, content-type",
        "access-control-max-age": "86400",
      });
    },
  },
  obs,
);

/** The API's error envelope (as the HTTP wrapper writes it), plus the CORS headers. */
function errorWithCors(error: DomainError, headers: Record<string, string>) {
  const details = "details" in error ? (error as { details?: unknown }).details : undefined;
  if (error.statusCode >= 500) obs.logger.warn("Request not accepted", { error: error.message });
  return json(
    error.statusCode,
    { error: { code: error.code, message: error.message, ...(details ? { details } : {}) } },
    headers,
  );
}
