import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { EventBridgePublisher } from "../../shared/adapters/event-bridge-publisher.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { DomainError } from "../../shared/domain/errors.js";
import { isOriginAllowed, parseOrigin } from "../../shared/domain/origin.js";
import {
  type HttpRequest,
  type HttpResponse,
  httpHandler,
  json,
  type RouteHandler,
} from "../../shared/http/http-handler.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import type { WriteKeyOwner } from "../../shared/ports/keys.js";
import { authenticateWriteKey } from "../../shared/use-cases/authenticate.js";
import { ingestIdentify } from "../../shared/use-cases/identify.js";
import { ingestBatch } from "../../shared/use-cases/ingest-batch.js";
import { ingestEvent } from "../../shared/use-cases/ingest-event.js";

const env = readEnv([Env.tableName, Env.eventBusName]);
const obs = createObservability("ingest");
const keys = new DynamoKeyStore(documentClient(obs.tracer), env.TABLE_NAME);
const eventBridge = new EventBridgeClient({});
obs.tracer.captureAWSv3Client(eventBridge);
const deps = { publisher: new EventBridgePublisher(eventBridge, env.EVENT_BUS_NAME), clock: systemClock };

/** CORS: a browser reads the answer only if it names its origin; caches must key on the origin. */
const corsHeaders = (origin: string) => ({ "access-control-allow-origin": origin, vary: "origin" });

/**
 * A write-key route a browser may call: authenticates the key, then answers with CORS headers when
 * the request's Origin is one the source allows, on success and on refusal alike (an allowed page
 * must be able to read why it was refused: 400, 413, 503). Refused origins get no CORS header: the
 * page learns nothing beyond "blocked" (the use case answers them 403).
 */
function browserRoute(
  accept: (owner: WriteKeyOwner, request: HttpRequest) => Promise<HttpResponse>,
): RouteHandler {
  return async (request) => {
    const owner = await authenticateWriteKey(keys, request.headers.authorization);
    obs.logger.appendKeys({ workspaceId: owner.workspaceId, sourceId: owner.sourceId });
    const origin = request.headers.origin;
    const cors =
      origin !== undefined && isOriginAllowed(origin, owner.allowedDomains) ? corsHeaders(origin) : undefined;
    try {
      const response = await accept(owner, request);
      return cors ? { ...response, headers: { ...response.headers, ...cors } } : response;
    } catch (error) {
      if (cors && error instanceof DomainError) return errorWithCors(error, cors);
      throw error;
    }
  };
}

/**
 * The browser's preflight carries no key, so it cannot know the source: it admits any web origin,
 * and the POST itself enforces the source's allowedDomains. Each POST route has its OPTIONS route
 * (auth none) in the route table.
 */
const preflight: RouteHandler = async (request) => {
  const origin = request.headers.origin;
  if (origin === undefined || !parseOrigin(origin)) return json(204, undefined);
  return json(204, undefined, {
    ...corsHeaders(origin),
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "authorization, content-type",
    "access-control-max-age": "86400",
  });
};

export const handler = httpHandler(
  {
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
