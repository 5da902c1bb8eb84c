import {
  createSource,
  deleteSource,
  getSource,
  issueWriteKey,
  listSources,
  listWriteKeys,
  revokeWriteKey,
  rotateIdentitySecret,
  type SourceDeps,
  sourceDebugger,
  updateSource,
} from "../../use-cases/sources.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/** Sources (audience configurations) and their write keys. */
export function sourceRoutes(deps: SourceDeps): AdminRoutes {
  const id = (path: Record<string, string>) => path.id ?? "";
  return {
    "GET /v1/admin/sources": async (ws, req) => json(200, await listSources(deps, ws, req.query)),
    "POST /v1/admin/sources": async (ws, req) => json(201, await createSource(deps, ws, req.body)),
    "GET /v1/admin/sources/{id}": async (ws, req) => json(200, await getSource(deps, ws, id(req.path))),
    "PATCH /v1/admin/sources/{id}": async (ws, req) =>
      json(200, await updateSource(deps, ws, id(req.path), req.body)),
    "DELETE /v1/admin/sources/{id}": async (ws, req) => {
      await deleteSource(deps, ws, id(req.path));
      return json(204, undefined);
    },
    "POST /v1/admin/sources/{id}/identity-secret": async (ws, req) =>
      json(201, await rotateIdentitySecret(deps, ws, id(req.path), req.body)),
    "GET /v1/admin/sources/{id}/debugger": async (ws, req) =>
      json(200, await sourceDebugger(deps, ws, id(req.path), req.query)),
    "GET /v1/admin/sources/{id}/write-keys": async (ws, req) =>
      json(200, await listWriteKeys(deps, ws, id(req.path), req.query)),
    "POST /v1/admin/sources/{id}/write-keys": async (ws, req) =>
      json(201, await issueWriteKey(deps, ws, id(req.path), req.body)),
    "DELETE /v1/admin/sources/{id}/write-keys/{keyId}": async (ws, req) => {
      await revokeWriteKey(deps, ws, id(req.path), req.path.keyId ?? "");
      return json(204, undefined);
    },
  };
}
