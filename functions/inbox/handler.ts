import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoInboxRepository } from "../../shared/adapters/dynamodb/inbox-repository.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import {
  DynamoSuppressionList,
  DynamoUnsubscribeKeys,
} from "../../shared/adapters/dynamodb/suppression-list.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { USER_TOKEN_HEADER } from "../../shared/domain/user-token.js";
import { browserRoutes } from "../../shared/http/browser-routes.js";
import { type HttpRequest, httpHandler, json, type TypedRoutes } from "../../shared/http/http-handler.js";
import { unsubscribeRoutes } from "../../shared/http/unsubscribe-routes.js";
import { readWidgetAssets, widgetRoutes } from "../../shared/http/widget-routes.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { answerFeedback, dismissPrompt, listInbox, markInboxItemRead } from "../../shared/use-cases/inbox.js";

/**
 * The app's in-app inbox (notifications, feedback prompts) and feedback answers, with a source's
 * write key and the user's token; the widget script that calls them; and the unsubscribe endpoint the emails link to (a signed token, no key). Its own
 * function so the ingestion path keeps its narrow permissions (GetItem, PutEvents): the inbox reads
 * and writes the table.
 */
const env = readEnv([Env.tableName, Env.widgetDir]);
const obs = createObservability("inbox");
const db = documentClient(obs.tracer);
const { browserRoute, preflightFor } = browserRoutes(new DynamoKeyStore(db, env.TABLE_NAME), obs);
const inboxDeps = { inbox: new DynamoInboxRepository(db, env.TABLE_NAME), clock: systemClock };
const unsubscribeDeps = {
  keys: new DynamoUnsubscribeKeys(db, env.TABLE_NAME),
  suppressions: new DynamoSuppressionList(db, env.TABLE_NAME),
  clock: systemClock,
};

const userToken = (request: HttpRequest) => request.headers[USER_TOKEN_HEADER];

const routes: TypedRoutes = {
  // The write key decides the workspace, the user token the account and user (see README).
  "GET /v1/inbox": browserRoute(async (owner, request) =>
    json(200, await listInbox(inboxDeps, owner, request.query, userToken(request))),
  ),
  "OPTIONS /v1/inbox": preflightFor("GET"),
  "POST /v1/inbox/{id}/read": browserRoute(async (owner, request) =>
    json(
      200,
      await markInboxItemRead(inboxDeps, owner, request.path.id ?? "", request.query, userToken(request)),
    ),
  ),
  "OPTIONS /v1/inbox/{id}/read": preflightFor("POST"),
  "POST /v1/feedback": browserRoute(async (owner, request) => {
    const answer = await answerFeedback(inboxDeps, owner, request.body, request.query, userToken(request));
    obs.metrics.addMetric("FeedbackAnswered", "Count", 1);
    return json(201, answer);
  }),
  "OPTIONS /v1/feedback": preflightFor("POST"),
  "POST /v1/inbox/{id}/dismiss": browserRoute(async (owner, request) => {
    const dismissed = await dismissPrompt(
      inboxDeps,
      owner,
      request.path.id ?? "",
      request.query,
      userToken(request),
    );
    obs.metrics.addMetric("FeedbackDismissed", "Count", 1);
    return json(200, dismissed);
  }),
  "OPTIONS /v1/inbox/{id}/dismiss": preflightFor("POST"),
  ...widgetRoutes(readWidgetAssets(env[Env.widgetDir])),
  ...unsubscribeRoutes(unsubscribeDeps, obs),
};

export const handler = httpHandler(routes, obs);
