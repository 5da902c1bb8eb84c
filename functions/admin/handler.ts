import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoEmailTemplateRepository } from "../../shared/adapters/dynamodb/email-template-repository.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { DynamoMomentRepository } from "../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { DynamoSourceRepository } from "../../shared/adapters/dynamodb/source-repository.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { type HttpRequest, httpHandler, json } from "../../shared/http/http-handler.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { authenticateAdmin } from "../../shared/use-cases/authenticate.js";
import { createEmailTemplate } from "../../shared/use-cases/email-templates.js";
import {
  changeMomentStatus,
  createMoment,
  getMoment,
  listMomentAccounts,
} from "../../shared/use-cases/moments.js";
import { createSource } from "../../shared/use-cases/sources.js";

const env = readEnv([Env.tableName]);
const obs = createObservability("admin");
const db = documentClient(obs.tracer);
const keys = new DynamoKeyStore(db, env.TABLE_NAME);
const deps = {
  moments: new DynamoMomentRepository(db, env.TABLE_NAME),
  sources: new DynamoSourceRepository(db, env.TABLE_NAME),
  templates: new DynamoEmailTemplateRepository(db, env.TABLE_NAME),
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  keys,
  clock: systemClock,
};

/** Every admin route authenticates first; the key decides the workspace, and nothing else does. */
function admin(route: (workspaceId: string, request: HttpRequest) => Promise<ReturnType<typeof json>>) {
  return async (request: HttpRequest) => {
    const { workspaceId } = await authenticateAdmin(keys, request.headers.authorization);
    obs.logger.appendKeys({ workspaceId });
    return route(workspaceId, request);
  };
}

const id = (request: HttpRequest) => request.path.id ?? "";

export const handler = httpHandler(
  {
    "POST /v1/admin/sources": admin(async (ws, req) => json(201, await createSource(deps, ws, req.body))),
    "POST /v1/admin/email-templates": admin(async (ws, req) =>
      json(201, await createEmailTemplate(deps, ws, req.body)),
    ),
    "POST /v1/admin/moments": admin(async (ws, req) => json(201, await createMoment(deps, ws, req.body))),
    "GET /v1/admin/moments/{id}": admin(async (ws, req) => json(200, await getMoment(deps, ws, id(req)))),
    "POST /v1/admin/moments/{id}/status": admin(async (ws, req) =>
      json(200, await changeMomentStatus(deps, ws, id(req), req.body)),
    ),
    "GET /v1/admin/moments/{id}/accounts": admin(async (ws, req) =>
      json(200, await listMomentAccounts(deps, ws, id(req), req.query)),
    ),
  },
  obs,
);
