import {
  createWorkspace,
  getWorkspace,
  renameWorkspace,
  type WorkspaceDeps,
} from "../../use-cases/workspaces.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/** The caller's workspace, and (operator workspace only) creating new ones. */
export function workspaceRoutes(deps: WorkspaceDeps): AdminRoutes {
  return {
    "GET /v1/admin/workspace": async (ws) => json(200, await getWorkspace(deps, ws)),
    "PATCH /v1/admin/workspace": async (ws, req) => json(200, await renameWorkspace(deps, ws, req.body)),
    "POST /v1/admin/workspaces": async (ws, req) => json(201, await createWorkspace(deps, ws, req.body)),
  };
}
