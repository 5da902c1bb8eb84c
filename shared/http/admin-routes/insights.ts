import type { InboxRepository } from "../../ports/inbox.js";
import type { InsightsReader, StatsRepository } from "../../ports/insights.js";
import type { ProfileRepository } from "../../ports/profiles.js";
import type { RunRepository } from "../../ports/runs.js";
import { accountView, listObservedEvents, promoteObservedEvent, runView } from "../../use-cases/insights.js";
import type { MomentDeps } from "../../use-cases/moments.js";
import { momentReport } from "../../use-cases/report.js";
import { momentStats } from "../../use-cases/stats.js";
import { json } from "../http-handler.js";
import { withEtag } from "./moments.js";
import type { AdminRoutes } from "./types.js";

/**
 * What the insight routes read: the insights and stats repositories, moments (with what creating
 * one checks, for promote), profiles and the clock. The admin handler's deps fit as they are.
 */
export interface InsightRouteDeps extends MomentDeps {
  insights: InsightsReader;
  stats: Pick<StatsRepository, "read" | "readBreakdown" | "readSeries">;
  inbox: Pick<InboxRepository, "listFeedback">;
  profiles: Pick<ProfileRepository, "get">;
  runs: Pick<RunRepository, "getRun" | "listRunSteps">;
}

/** Stats, the account view and observed events, under /v1/admin. */
export function insightRoutes(deps: InsightRouteDeps): AdminRoutes {
  return {
    "GET /v1/admin/moments/{id}/stats": async (ws, req) =>
      json(200, await momentStats(deps, ws, req.path.id ?? "")),
    "GET /v1/admin/moments/{id}/report": async (ws, req) =>
      json(200, await momentReport(deps, ws, req.path.id ?? "", req.query)),
    "GET /v1/admin/accounts/{accountId}": async (ws, req) =>
      json(200, await accountView(deps, ws, req.path.accountId ?? "")),
    "GET /v1/admin/runs/{runId}": async (ws, req) => json(200, await runView(deps, ws, req.path.runId ?? "")),
    "GET /v1/admin/observed-events": async (ws, req) =>
      json(200, await listObservedEvents(deps, ws, req.query)),
    // API Gateway (and the local stack) hand over path parameters already URL-decoded; decoding
    // again would corrupt names that contain "%".
    "POST /v1/admin/observed-events/{name}/promote": async (ws, req) => {
      const moment = await promoteObservedEvent(deps, ws, req.path.name ?? "");
      return withEtag(201, moment);
    },
  };
}
