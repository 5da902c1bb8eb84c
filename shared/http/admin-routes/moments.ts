import { type Moment, momentEtag } from "../../domain/moment.js";
import {
  changeMomentStatus,
  createMoment,
  deleteMoment,
  duplicateMoment,
  getMoment,
  listMomentAccounts,
  listMoments,
  listMomentTemplates,
  type MomentListDeps,
  type MomentStatusDeps,
  momentView,
  updateMoment,
} from "../../use-cases/moments.js";
import { type HttpRequest, json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/**
 * Repositories, clock, the workflow controller (stopping a moment stops its runs' executions) and
 * the stats reader (the list shows each moment's headline stats).
 */
export type MomentRouteDeps = MomentStatusDeps & Required<Pick<MomentListDeps, "stats">>;

const id = (request: HttpRequest) => request.path.id ?? "";

/**
 * A response carrying one moment: its view (with the status changes it allows) and its version as
 * ETag, ready for If-Match.
 */
export const withEtag = (statusCode: number, moment: Moment, headers: Record<string, string> = {}) =>
  json(statusCode, momentView(moment), { ...headers, etag: momentEtag(moment) });

/** Moments and the moment templates catalog, under /v1/admin. */
export function momentRoutes(deps: MomentRouteDeps): AdminRoutes {
  return {
    "GET /v1/admin/moments": async (ws, req) => json(200, await listMoments(deps, ws, req.query)),
    "POST /v1/admin/moments": async (ws, req) => withEtag(201, await createMoment(deps, ws, req.body)),
    "GET /v1/admin/moments/{id}": async (ws, req) => withEtag(200, await getMoment(deps, ws, id(req))),
    "PATCH /v1/admin/moments/{id}": async (ws, req) =>
      withEtag(200, await updateMoment(deps, ws, id(req), req.body, req.headers["if-match"])),
    "DELETE /v1/admin/moments/{id}": async (ws, req) => {
      await deleteMoment(deps, ws, id(req));
      return { statusCode: 204 };
    },
    "POST /v1/admin/moments/{id}/status": async (ws, req) => {
      const { moment, runs } = await changeMomentStatus(deps, ws, id(req), req.body);
      // How many in-flight runs this request ended, and whether some remain (they end at their next
      // step; repeating the request continues the sweep).
      return withEtag(
        200,
        moment,
        runs
          ? {
              "x-moments-runs-stopped": String(runs.stopped),
              "x-moments-runs-remaining": String(runs.remaining),
            }
          : {},
      );
    },
    "POST /v1/admin/moments/{id}/duplicate": async (ws, req) =>
      withEtag(201, await duplicateMoment(deps, ws, id(req))),
    "GET /v1/admin/moments/{id}/accounts": async (ws, req) =>
      json(200, await listMomentAccounts(deps, ws, id(req), req.query)),
    "GET /v1/admin/moment-templates": async () => json(200, listMomentTemplates()),
  };
}
