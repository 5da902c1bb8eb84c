import { loadConsoleAssets } from "../../shared/adapters/console-assets.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { consoleRoutes } from "../../shared/http/console-routes.js";
import { httpHandler } from "../../shared/http/http-handler.js";
import { loadOnce } from "../../shared/load-once.js";
import { createObservability } from "../../shared/observability.js";

/**
 * The console: serves its built page and assets (read once, at cold start) and exchanges an admin
 * key for a session cookie. Everything else the console does goes to the admin API.
 */
const env = readEnv([Env.tableName, Env.consoleAssetsDir]);
const obs = createObservability("console");
const assets = loadConsoleAssets(env.MOMENTS_CONSOLE_ASSETS_DIR);

// The DynamoDB client and session stores, imported by the first request that needs them (not the
// page or an asset).
const sessionDeps = loadOnce(() =>
  import("./session-stores.js").then((m) => m.sessionDeps(env.TABLE_NAME, obs.tracer)),
);

export const handler = httpHandler(
  consoleRoutes(sessionDeps, () => assets) as Parameters<typeof httpHandler>[0],
  obs,
);
