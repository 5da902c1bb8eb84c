import { beforeEach, describe, expect, it } from "vitest";
import { type RouteKey, routeKey, routesFor } from "../../../shared/contracts/routes.js";
import { insightRoutes } from "../../../shared/http/admin-routes/insights.js";
import type { HttpRequest } from "../../../shared/http/http-handler.js";
import {
  aMoment,
  aRun,
  FakeConfigRepository,
  FakeIntegrations,
  FakeRunRepository,
  fixedClock,
} from "../../support/fakes.js";
import { FakeInsights, FakeStats } from "../../support/fakes-insights.js";

const WS = "ws_1";
let config: FakeConfigRepository;
let insights: FakeInsights;
let runs: FakeRunRepository;
let routes: ReturnType<typeof insightRoutes>;

const request = (key: string, path: Record<string, string> = {}): HttpRequest => ({
  routeKey: key,
  path,
  query: {},
  headers: {},
  body: undefined,
});

async function call(key: string, path: Record<string, string> = {}) {
  const route = routes[key as RouteKey];
  if (!route) throw new Error(`no route ${key}`);
  return route(WS, request(key, path));
}

beforeEach(async () => {
  runs = new FakeRunRepository();
  config = new FakeConfigRepository();
  insights = new FakeInsights();
  routes = insightRoutes({
    moments: config,
    sources: config,
    templates: config,
    integrations: new FakeIntegrations(),
    insights,
    stats: new FakeStats(),
    profiles: { get: async () => undefined },
    inbox: { listFeedback: async () => ({ items: [] }) },
    runs,
    clock: fixedClock("2026-11-21T10:00:00.000Z"),
  });
  await config.createMoment(aMoment({ id: "m_1", workspaceId: WS }));
});

describe("insightRoutes", () => {
  it("serves exactly the insight routes of the route table, all on the admin function", () => {
    const declared = new Set(routesFor("admin").map(routeKey));
    for (const key of Object.keys(routes)) expect(declared.has(key), key).toBe(true);
    expect(Object.keys(routes).sort()).toEqual([
      "GET /v1/admin/accounts/{accountId}",
      "GET /v1/admin/moments/{id}/report",
      "GET /v1/admin/moments/{id}/stats",
      "GET /v1/admin/observed-events",
      "GET /v1/admin/runs/{runId}",
      "POST /v1/admin/observed-events/{name}/promote",
    ]);
  });

  it("answers a moment's stats with 200", async () => {
    const response = await call("GET /v1/admin/moments/{id}/stats", { id: "m_1" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ momentId: "m_1", entered: 0, successRate: null });
  });

  it("answers 201 with the draft and its ETag when promoting, the name taken as the gateway decoded it", async () => {
    await insights.observeEvent(WS, "50% off viewed", [], "2026-11-21T09:00:00.000Z", 0);
    const response = await call("POST /v1/admin/observed-events/{name}/promote", { name: "50% off viewed" });
    expect(response.statusCode).toBe(201);
    expect(response.body).toMatchObject({
      name: "50% off viewed moment",
      start: { event: "50% off viewed" },
    });
    expect(response.headers).toEqual({ etag: '"1"' });
  });

  it("answers the observed events with 200", async () => {
    const response = await call("GET /v1/admin/observed-events");
    expect(response).toEqual({ statusCode: 200, body: { items: [] } });
  });

  it.each([
    ["GET /v1/admin/moments/{id}/stats", {}],
    ["GET /v1/admin/accounts/{accountId}", {}],
    ["POST /v1/admin/observed-events/{name}/promote", {}],
    ["GET /v1/admin/runs/{runId}", {}],
  ])("%s without its path parameter is a 404", async (key, path) => {
    await expect(call(key, path)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("shows a run with what each step did, reasons included", async () => {
    const run = aRun({ workspaceId: WS, runId: "run_1" });
    runs.seedMembership(run);
    await runs.recordStep(run, "welcome", { status: "executed", detail: { messageId: "m-1" } }, "t1");
    await runs.recordStep(run, "nudge", { status: "skipped", reason: "missing_value: {first_name}" }, "t2");

    const response = await call("GET /v1/admin/runs/{runId}", { runId: "run_1" });

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      runId: "run_1",
      status: "active",
      // In the order they ran, not by step id.
      steps: [
        {
          stepId: "welcome",
          status: "executed",
          outcome: { detail: { messageId: "m-1" } },
          recordedAt: "t1",
        },
        {
          stepId: "nudge",
          status: "skipped",
          outcome: { reason: "missing_value: {first_name}" },
          recordedAt: "t2",
        },
      ],
    });
  });

  it("answers 404 for another workspace's run", async () => {
    runs.seedMembership(aRun({ workspaceId: "ws_other", runId: "run_theirs" }));

    await expect(call("GET /v1/admin/runs/{runId}", { runId: "run_theirs" })).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
