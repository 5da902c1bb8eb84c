import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoEmailTemplateRepository } from "../../shared/adapters/dynamodb/email-template-repository.js";
import { DynamoInboxRepository } from "../../shared/adapters/dynamodb/inbox-repository.js";
import { DynamoIngestDebugger } from "../../shared/adapters/dynamodb/ingestion-repository.js";
import { DynamoInsightsRepository } from "../../shared/adapters/dynamodb/insights-repository.js";
import { DynamoIntegrationRepository } from "../../shared/adapters/dynamodb/integration-repository.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { DynamoMomentRepository } from "../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoProfileRepository } from "../../shared/adapters/dynamodb/profile-repository.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { DynamoSessionStore } from "../../shared/adapters/dynamodb/session-store.js";
import { DynamoSourceRepository } from "../../shared/adapters/dynamodb/source-repository.js";
import { DynamoStatsRepository } from "../../shared/adapters/dynamodb/stats-repository.js";
import { DynamoSuppressionList } from "../../shared/adapters/dynamodb/suppression-list.js";
import { DynamoWorkspaceRepository } from "../../shared/adapters/dynamodb/workspace-repository.js";
import { lazyStepFunctionsController } from "../../shared/adapters/lazy-clients.js";
import { DEFAULT_SLACK_API_BASE_URL, HttpSlackClient } from "../../shared/adapters/slack-client.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { emailTemplateRoutes } from "../../shared/http/admin-routes/email-templates.js";
import { feedbackRoutes } from "../../shared/http/admin-routes/feedback.js";
import { insightRoutes } from "../../shared/http/admin-routes/insights.js";
import { integrationRoutes } from "../../shared/http/admin-routes/integrations.js";
import { keyRoutes } from "../../shared/http/admin-routes/keys.js";
import { momentRoutes } from "../../shared/http/admin-routes/moments.js";
import { openApiRoute } from "../../shared/http/admin-routes/openapi.js";
import { sourceRoutes } from "../../shared/http/admin-routes/sources.js";
import { suppressionRoutes } from "../../shared/http/admin-routes/suppressions.js";
import { testStepRoutes } from "../../shared/http/admin-routes/test-step.js";
import type { AdminRoute, AdminRoutes } from "../../shared/http/admin-routes/types.js";
import { workspaceRoutes } from "../../shared/http/admin-routes/workspaces.js";
import { type HttpRequest, httpHandler, type RouteHandler } from "../../shared/http/http-handler.js";
import { loadOnce } from "../../shared/load-once.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { authenticateAdminRequest } from "../../shared/use-cases/authenticate.js";

const env = readEnv([Env.tableName, Env.stateMachineArn]);
const obs = createObservability("admin");
const db = documentClient(obs.tracer);
const integrations = new DynamoIntegrationRepository(db, env.TABLE_NAME);
const profiles = new DynamoProfileRepository(db, env.TABLE_NAME);

const deps = {
  clock: systemClock,
  keys: new DynamoKeyStore(db, env.TABLE_NAME),
  // The console's session cookie is the other way in (same origin, CSRF-checked writes).
  sessions: new DynamoSessionStore(db, env.TABLE_NAME),
  workspaces: new DynamoWorkspaceRepository(db, env.TABLE_NAME),
  sources: new DynamoSourceRepository(db, env.TABLE_NAME),
  debug: new DynamoIngestDebugger(db, env.TABLE_NAME),
  templates: new DynamoEmailTemplateRepository(db, env.TABLE_NAME),
  integrations,
  // Slack's base URL is configuration, so tests and proxies can point it elsewhere.
  slack: new HttpSlackClient({ baseUrl: process.env[Env.slackApiBaseUrl] || DEFAULT_SLACK_API_BASE_URL }),
  moments: new DynamoMomentRepository(db, env.TABLE_NAME),
  profiles,
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  workflows: lazyStepFunctionsController(env.STATE_MACHINE_ARN, obs.tracer),
  insights: new DynamoInsightsRepository(db, env.TABLE_NAME),
  inbox: new DynamoInboxRepository(db, env.TABLE_NAME),
  stats: new DynamoStatsRepository(db, env.TABLE_NAME),
  suppressions: new DynamoSuppressionList(db, env.TABLE_NAME),
  // Test sends perform steps with the action function's own performers, loaded (with the SES and
  // EventBridge clients they build) on the first test send: a chunk of their own, not read at every
  // cold start.
  actions: loadOnce(() =>
    import("./test-send.js").then(({ testSendPerformers }) =>
      testSendPerformers({ db, integrations, profiles }, obs.tracer),
    ),
  ),
};

const adminRoutes: AdminRoutes = {
  ...momentRoutes(deps),
  ...sourceRoutes(deps),
  ...keyRoutes(deps),
  ...workspaceRoutes(deps),
  ...emailTemplateRoutes(deps),
  ...integrationRoutes(deps),
  ...insightRoutes(deps),
  ...feedbackRoutes(deps),
  ...testStepRoutes(deps),
  ...suppressionRoutes(deps),
};

/**
 * Every admin route authenticates first (an admin key, or the console's session cookie); the key
 * decides the workspace, and nothing else does.
 */
function authenticated(route: AdminRoute): RouteHandler {
  return async (request: HttpRequest) => {
    const method = request.routeKey.split(" ")[0] ?? "GET";
    const { workspaceId } = await authenticateAdminRequest(deps, { method, headers: request.headers });
    obs.logger.appendKeys({ workspaceId });
    return route(workspaceId, request);
  };
}

export const handler = httpHandler(
  {
    ...Object.fromEntries(Object.entries(adminRoutes).map(([key, route]) => [key, authenticated(route)])),
    ...openApiRoute(),
  },
  obs,
);
