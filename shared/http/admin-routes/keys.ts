import {
  type AdminKeyDeps,
  issueAdminKey,
  listAdminKeys,
  revokeAdminKey,
} from "../../use-cases/admin-keys.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/** Admin keys of the caller's workspace. (Write keys belong to sources: see sources.ts.) */
export function keyRoutes(deps: AdminKeyDeps): AdminRoutes {
  return {
    "GET /v1/admin/admin-keys": async (ws, req) => json(200, await listAdminKeys(deps, ws, req.query)),
    "POST /v1/admin/admin-keys": async (ws, req) => json(201, await issueAdminKey(deps, ws, req.body)),
    "DELETE /v1/admin/admin-keys/{id}": async (ws, req) => {
      await revokeAdminKey(deps, ws, req.path.id ?? "");
      return json(204, undefined);
    },
  };
}
