import { documentClient } from "../../shared/adapters/clients.js";
import { loadConsoleAssets } from "../../shared/adapters/console-assets.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { DynamoSessionStore } from "../../shared/adapters/dynamodb/session-store.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { consoleRoutes } from "../../shared/http/console-routes.js";
import { httpHandler } from "../../shared/http/http-handler.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";

/**
 * The console: serves its built page and assets (read once, at cold start) and exchanges an admin
 * key for a session cookie. Everything else the console does goes to the admin API.
 */
const env = readEnv([Env.tableName, Env.consoleAssetsDir]);
const obs = createObservability("console");
const db = documentClient(obs.tracer);
const assets = loadConsoleAssets(env.MOMENTS_CONSOLE_ASSETS_DIR);

export const handler = httpHandler(
  consoleRoutes(
    {
      keys: new DynamoKeyStore(db, env.TABLE_NAME),
      sessions: new DynamoSessionStore(db, env.TABLE_NAME),
      clock: systemClock,
    },
    () => assets,
  ) as Parameters<typeof httpHandler>[0],
  obs,
);
