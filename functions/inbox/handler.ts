import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoInboxRepository } from "../../shared/adapters/dynamodb/inbox-repository.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import {
  DynamoSuppressionList,
  DynamoUnsubscribeKeys,
} from "../../shared/adapters/dynamodb/suppression-list.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { browserRoutes } from "../../shared/http/browser-routes.js";
import { httpHandler, json, type TypedRoutes } from "../../shared/http/http-handler.js";
import { unsubscribeRoutes } from "../../shared/http/unsubscribe-routes.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { answerFeedback, listInbox, markInboxItemRead } from "../../shared/use-cases/inbox.js";

/**
 * The app's in-app inbox (notifications, feedback prompts) and feedback answers, with a source's
 * write key; and the unsubscribe endpoint the emails link to (a signed token, no key). Its own
 * function so the ingestion path keeps its narrow permissions (GetItem, PutEvents): the inbox reads
 * and writes the table.
 */
const env = readEnv([Env.tableName]);
const obs = createObservability("inbox");
const db = documentClient(obs.tracer);
const { browserRoute, preflightFor } = browserRoutes(new DynamoKeyStore(db, env.TABLE_NAME), obs);
const inboxDeps = { inbox: new DynamoInboxRepository(db, env.TABLE_NAME), clock: systemClock };
const unsubscribeDeps = {
  keys: new DynamoUnsubscribeKeys(db, env.TABLE_NAME),
  suppressions: new DynamoSuppressionList(db, env.TABLE_NAME),
  clock: systemClock,
};

const routes: TypedRoutes = {
  // The write key decides the workspace; another workspace's items are 404.
  "GET /v1/inbox": browserRoute(async (owner, request) =>
    json(200, await listInbox(inboxDeps, owner, request.query)),
  ),
  "OPTIONS /v1/inbox": preflightFor("GET"),
  "POST /v1/inbox/{id}/read": browserRoute(async (owner, request) =>
    json(200, await markInboxItemRead(inboxDeps, owner, request.path.id ?? "")),
  ),
  "OPTIONS /v1/inbox/{id}/read": preflightFor("POST"),
  "POST /v1/feedback": browserRoute(async (owner, request) => {
    const answer = await answerFeedback(inboxDeps, owner, request.body);
    obs.metrics.addMetric("FeedbackAnswered", "Count", 1);
    return json(201, answer);
  }),
  "OPTIONS /v1/feedback": preflightFor("POST"),
  ...unsubscribeRoutes(unsubscribeDeps, obs),
};

export const handler = httpHandler(routes, obs);
