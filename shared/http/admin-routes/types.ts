import type { RouteKey } from "../../contracts/routes.js";
import type { HttpRequest, HttpResponse } from "../http-handler.js";

/**
 * An admin route: called after the admin key was checked, with the key's workspace. Every object
 * it reads or writes must be looked up within that workspace, so another workspace's ids are 404.
 */
export type AdminRoute = (workspaceId: string, request: HttpRequest) => Promise<HttpResponse>;

/** Admin routes of one area, keyed by route key ("GET /v1/admin/sources/{id}"): only the table's. */
export type AdminRoutes = Partial<Record<RouteKey, AdminRoute>>;
