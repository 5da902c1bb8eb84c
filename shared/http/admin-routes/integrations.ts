import {
  createIntegration,
  deleteIntegration,
  getIntegration,
  type IntegrationDeps,
  listIntegrations,
  listSlackChannels,
  updateIntegration,
} from "../../use-cases/integrations.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

const id = (path: Record<string, string>) => path.id ?? "";

/** Integrations (Slack, Attio, webhook signing secrets): CRUD with write-only secrets, Slack channels. */
export function integrationRoutes(deps: IntegrationDeps): AdminRoutes {
  return {
    "GET /v1/admin/integrations": async (ws, req) => json(200, await listIntegrations(deps, ws, req.query)),
    "POST /v1/admin/integrations": async (ws, req) => json(201, await createIntegration(deps, ws, req.body)),
    "GET /v1/admin/integrations/{id}": async (ws, req) =>
      json(200, await getIntegration(deps, ws, id(req.path))),
    "PATCH /v1/admin/integrations/{id}": async (ws, req) =>
      json(200, await updateIntegration(deps, ws, id(req.path), req.body)),
    "DELETE /v1/admin/integrations/{id}": async (ws, req) => {
      await deleteIntegration(deps, ws, id(req.path));
      return json(204, undefined);
    },
    "GET /v1/admin/integrations/{id}/slack/channels": async (ws, req) =>
      json(200, await listSlackChannels(deps, ws, id(req.path))),
  };
}
