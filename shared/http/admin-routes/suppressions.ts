import type { SuppressionStore } from "../../ports/suppressions.js";
import { listSuppressions, removeSuppression } from "../../use-cases/unsubscribe.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/** The workspace's suppression list, under /v1/admin. The admin handler's deps fit once they hold `suppressions`. */
export function suppressionRoutes(deps: { suppressions: SuppressionStore }): AdminRoutes {
  return {
    "GET /v1/admin/suppressions": async (ws, req) => json(200, await listSuppressions(deps, ws, req.query)),
    "DELETE /v1/admin/suppressions/{address}": async (ws, req) => {
      await removeSuppression(deps, ws, req.path.address ?? "");
      return json(204, undefined);
    },
  };
}
