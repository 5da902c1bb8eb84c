/**
 * The HTTP route table: the one list the CDK app turns into HTTP API routes and the local runtime
 * serves. Adding a route here is the only way to expose one.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Which Lambda function serves a route. Each is one `functions/<id>/handler.ts`. */
export type HttpFunctionId = "health" | "ingest" | "admin";

/** How a route authenticates. Checked inside the function (see shared/http), not by API Gateway. */
export type RouteAuth = "none" | "write_key" | "admin_key";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly function: HttpFunctionId;
  readonly auth: RouteAuth;
}

export const routes = [
  { method: "GET", path: "/health", function: "health", auth: "none" },
  { method: "POST", path: "/v1/events", function: "ingest", auth: "write_key" },
  { method: "POST", path: "/v1/admin/sources", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/email-templates", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/moments", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moments/{id}", function: "admin", auth: "admin_key" },
  { method: "POST", path: "/v1/admin/moments/{id}/status", function: "admin", auth: "admin_key" },
  { method: "GET", path: "/v1/admin/moments/{id}/accounts", function: "admin", auth: "admin_key" },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof routes)[number];
export type RouteKey = `${Route["method"]} ${Route["path"]}`;

/** API Gateway's route key ("POST /v1/events"), also what the handlers dispatch on. */
export function routeKey(route: RouteDefinition): string {
  return `${route.method} ${route.path}`;
}

export function routesFor(fn: HttpFunctionId): RouteDefinition[] {
  return routes.filter((r) => r.function === fn);
}

/** Largest request body the API accepts, in bytes (API Gateway's own limit is 10 MB). */
export const MAX_REQUEST_BYTES = 512 * 1024;
