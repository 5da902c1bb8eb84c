/**
 * The HTTP route table: the one list the CDK app turns into HTTP API routes and the local runtime
 * serves. Adding a route here is the only way to expose one.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** Which Lambda function serves a route. Each is one `functions/<id>/handler.ts`. */
export type HttpFunctionId = "health" | "ingest" | "admin" | "inbox" | "console";

/** How a route authenticates. Checked inside the function (see shared/http), not by API Gateway. */
export type RouteAuth = "none" | "write_key" | "admin_key";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter, a last `{name+}` takes the rest of the path. */
  readonly path: string;
  readonly function: HttpFunctionId;
  readonly auth: RouteAuth;
}

export const routes = [
  { method: "GET", path: "/health", function: "health", auth: "none" },
  { method: "GET", path: "/v1/openapi.json", function: "admin", auth: "none" },
  // Ingestion: the Segment HTTP Tracking API's calls (POST /v1/events is Moments' own name for track).
  // Each has its CORS preflight, which carries no key; the POST itself checks the origin.
  { method: "POST", path: "/v1/events", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/events", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/track", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/track", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/identify", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/identify", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/group", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/group", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/page", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/page", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/screen", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/screen", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/alias", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/alias", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/batch", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/batch", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/import", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/import", function: "ingest", auth: "none" },
  // analytics.js (Segment's browser library) posts to one-letter paths under its apiHost
  // (`<api>/v1`): t(rack), i(dentify), p(age), s(creen), g(roup), a(lias), b(atch).
  { method: "POST", path: "/v1/t", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/t", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/i", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/i", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/p", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/p", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/s", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/s", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/g", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/g", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/a", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/a", function: "ingest", auth: "none" },
  { method: "POST", path: "/v1/b", function: "ingest", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/b", function: "ingest", auth: "none" },
  // analytics.js's settings, fetched from its cdnURL: they point it at this API.
  { method: "GET", path: "/v1/projects/{writeKey}/settings", function: "ingest", auth: "none" },
  // The app's in-app inbox (notifications and feedback prompts), with the source's write key
  { method: "GET", path: "/v1/inbox", function: "inbox", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/inbox", function: "inbox", auth: "none" },
  { method: "POST", path: "/v1/inbox/{id}/read", function: "inbox", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/inbox/{id}/read", function: "inbox", auth: "none" },
  { method: "POST", path: "/v1/feedback", function: "inbox", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/feedback", function: "inbox", auth: "none" },
  { method: "POST", path: "/v1/inbox/{id}/dismiss", function: "inbox", auth: "write_key" },
  { method: "OPTIONS", path: "/v1/inbox/{id}/dismiss", function: "inbox", auth: "none" },
  // The in-app widget that calls them: a script tag and an ES module (public, versioned by content)
  { method: "GET", path: "/v1/widget.js", function: "inbox", auth: "none" },
  { method: "GET", path: "/v1/widget.mjs", function: "inbox", auth: "none" },
  // Unsubscribe links in emails: the signed token in the query is the authorisation
  { method: "GET", path: "/v1/unsubscribe", function: "inbox", auth: "none" },
  { method: "POST", path: "/v1/unsubscribe", function: "inbox", auth: "none" },
  // Moments and their catalog
  { method: "GET", path: "/v1/admin/moments", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/moments", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moments/{id}", function: "admin", auth: "admin_key" },
  { method: "PATCH", path: "/v1/admin/moments/{id}", function: "admin", auth: "admin_key" },
  { method: "DELETE", path: "/v1/admin/moments/{id}", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/moments/{id}/status", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/moments/{id}/duplicate", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moments/{id}/accounts", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moment-templates", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moments/{id}/stats", function: "admin", auth: "admin_key" },
  // The Reporting page: counters over time (hour/day buckets), ends by rule, step funnel, feedback
  { method: "GET", path: "/v1/admin/moments/{id}/report", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moments/{id}/feedback", function: "admin", auth: "admin_key" },
  // Render one step with a real account or sample traits; perform it unless dryRun
  {
    method: "POST",
    path: "/v1/admin/moments/{id}/steps/{stepId}/test",
    function: "admin",
    auth: "admin_key",
  },
  // What the engine saw and decided: accounts, their events and runs; event names observed
  { method: "GET", path: "/v1/admin/accounts/{accountId}", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/runs/{runId}", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/observed-events", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/observed-events/{name}/promote", function: "admin", auth: "admin_key" },
  // Sources (audience configurations) and their write keys
  { method: "GET", path: "/v1/admin/sources", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/sources", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/sources/{id}", function: "admin", auth: "admin_key" },
  { method: "PATCH", path: "/v1/admin/sources/{id}", function: "admin", auth: "admin_key" },
  { method: "DELETE", path: "/v1/admin/sources/{id}", function: "admin", auth: "admin_key" },
  {
    method: "POST",
    path: "/v1/admin/sources/{id}/identity-secret",
    function: "admin",
    auth: "admin_key",
  },
  { method: "GET", path: "/v1/admin/sources/{id}/debugger", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/sources/{id}/write-keys", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/sources/{id}/write-keys", function: "admin", auth: "admin_key" },
  {
    method: "DELETE",
    path: "/v1/admin/sources/{id}/write-keys/{keyId}",
    function: "admin",
    auth: "admin_key",
  },
  // Email templates
  { method: "GET", path: "/v1/admin/email-templates", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/email-templates", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/email-templates/{id}", function: "admin", auth: "admin_key" },
  { method: "PATCH", path: "/v1/admin/email-templates/{id}", function: "admin", auth: "admin_key" },
  { method: "DELETE", path: "/v1/admin/email-templates/{id}", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/email-templates/{id}/preview", function: "admin", auth: "admin_key" },
  // The email suppression list (unsubscribed, bounced, complained addresses)
  { method: "GET", path: "/v1/admin/suppressions", function: "admin", auth: "admin_key" },
  { method: "DELETE", path: "/v1/admin/suppressions/{address}", function: "admin", auth: "admin_key" },
  // Integrations (Slack, Attio, webhook signing secrets)
  { method: "GET", path: "/v1/admin/integrations", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/integrations", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/integrations/{id}", function: "admin", auth: "admin_key" },
  { method: "PATCH", path: "/v1/admin/integrations/{id}", function: "admin", auth: "admin_key" },
  { method: "DELETE", path: "/v1/admin/integrations/{id}", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/integrations/{id}/slack/channels", function: "admin", auth: "admin_key" },
  // Admin keys and workspaces
  { method: "GET", path: "/v1/admin/admin-keys", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/admin-keys", function: "admin", auth: "admin_key" },
  { method: "DELETE", path: "/v1/admin/admin-keys/{id}", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/workspace", function: "admin", auth: "admin_key" },
  { method: "PATCH", path: "/v1/admin/workspace", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/workspaces", function: "admin", auth: "admin_key" },
  // The console: its page and hashed assets (any path under /console: the app routes in the
  // browser), and the sign-in exchange of an admin key for a session cookie. Same origin as the API.
  { method: "GET", path: "/console", function: "console", auth: "none" },
  { method: "GET", path: "/console/{proxy+}", function: "console", auth: "none" },
  { method: "POST", path: "/console/session", function: "console", auth: "none" },
  { method: "DELETE", path: "/console/session", function: "console", auth: "none" },
  // An email's HTML, framed sandboxed under its own CSP (its inline styles apply, no script runs)
  { method: "POST", path: "/console/email-frame", function: "console", auth: "none" },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof routes)[number];
/** "METHOD /path" of each route (distributed per route, not methods x paths). */
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string }
  ? `${M} ${P}`
  : never;
export type RouteKey = KeyOf<Route>;

/** API Gateway's route key ("POST /v1/events"), also what the handlers dispatch on. */
export function routeKey(route: RouteDefinition): string {
  return `${route.method} ${route.path}`;
}

export function routesFor(fn: HttpFunctionId): RouteDefinition[] {
  return routes.filter((r) => r.function === fn);
}

/**
 * API Gateway's own limit on an HTTP API's request body, "Payload size: 10 MB", not adjustable
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). Behind it, a
 * Lambda integration's event must also fit Lambda's smaller quota (LAMBDA_SYNC_REQUEST_MAX_BYTES in
 * functions.ts).
 */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Largest request body the API accepts, in bytes (far under the gateway's and Lambda's limits). */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Largest ingestion batch, in bytes, as Segment's HTTP API (under MAX_REQUEST_BYTES: a JSON margin). */
export const MAX_BATCH_BYTES = 500 * 1024;

/** Largest ingestion message (an event, an identify...), in bytes, as Segment's HTTP API. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
