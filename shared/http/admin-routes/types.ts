import type { SuccessBody } from "../../contracts/api-docs.js";
import type { RouteKey } from "../../contracts/routes.js";
import type { HttpRequest, HttpResponse } from "../http-handler.js";

/**
 * An admin route: called after the admin key was checked, with the key's workspace. Every object
 * it reads or writes must be looked up within that workspace, so another workspace's ids are 404.
 * Its answer is typed with the route's documented response schema (see api-docs.ts).
 */
export type AdminRoute<K extends RouteKey = RouteKey> = (
  workspaceId: string,
  request: HttpRequest,
) => Promise<HttpResponse<SuccessBody<K>>>;

/** Admin routes of one area, keyed by route key ("GET /v1/admin/sources/{id}"): only the table's. */
export type AdminRoutes = { [K in RouteKey]?: AdminRoute<K> };
