import { type FeedbackListDeps, listMomentFeedback } from "../../use-cases/inbox.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/** A moment's feedback answers, under /v1/admin. The admin handler's deps fit once they hold `inbox`. */
export function feedbackRoutes(deps: FeedbackListDeps): AdminRoutes {
  return {
    "GET /v1/admin/moments/{id}/feedback": async (ws, req) =>
      json(200, await listMomentFeedback(deps, ws, req.path.id ?? "", req.query)),
  };
}
