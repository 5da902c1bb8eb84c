/**
 * Workspace B's admin key walks every admin route against workspace A's objects: every route with
 * an id answers 404 (never 403, never A's data), and no list shows A's objects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeKey, routes } from "../../shared/contracts/routes.js";
import { apiClient } from "../support/local-api.js";
import { type SharedStack, sharedLocalStack } from "../support/shared-stack.js";

let stack: SharedStack;
let api: ReturnType<typeof apiClient>;
let keyB = "";
/** Ids of workspace A's objects, by the collection their routes start with. */
const a: Record<string, string> = {};

beforeAll(async () => {
  stack = await sharedLocalStack();
  api = apiClient(stack.apiUrl);
  const keyA = stack.adminKey;
  const created = async (path: string, body: unknown) => {
    const response = await api<{ id: string }>("POST", path, { key: keyA, body });
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(201);
    return response.body;
  };
  a.sources = (await created("/v1/admin/sources", { name: "A's app" })).id;
  a["write-keys"] = (await created(`/v1/admin/sources/${a.sources}/write-keys`, {})).id;
  a["email-templates"] = (
    await created("/v1/admin/email-templates", { name: "A", from: "a@a.com", subject: "s", text: "t" })
  ).id;
  a.integrations = (
    await created("/v1/admin/integrations", {
      kind: "attio",
      name: "A's CRM",
      accessToken: "attio-secret-A-0001",
    })
  ).id;
  a.moments = (
    await created("/v1/admin/moments", {
      name: "A's moment",
      goal: "activate",
      sourceIds: [a.sources],
      start: { event: "signed_up" },
      steps: [{ id: "s1", action: { type: "send_email", templateId: a["email-templates"] } }],
    })
  ).id;
  a["admin-keys"] = (await created("/v1/admin/admin-keys", {})).id;

  const workspaceB = await api<{ adminKey: string }>("POST", "/v1/admin/workspaces", {
    key: stack.operatorKey,
    body: { name: "Tenant B" },
  });
  expect(workspaceB.status).toBe(201);
  keyB = workspaceB.body.adminKey;
});

afterAll(async () => {
  await stack?.stop();
});

const adminRoutes = routes.filter((route) => route.auth === "admin_key");

/** Fills a route's path with A's ids: {id} is the id of the collection named before it. */
function pathWithIdsOfA(path: string): string {
  const segments = path.split("/");
  return segments
    .map((segment, index) => {
      if (segment === "{id}") return a[segments[index - 1] ?? ""] ?? "unknown";
      if (segment === "{keyId}") return a[segments[index - 1] ?? ""] ?? "unknown";
      // A's moment has a step "s1": B must not reach it through A's ids.
      if (segment === "{stepId}") return "s1";
      if (segment === "{address}") return "a@example.com";
      return segment;
    })
    .join("/");
}

const bodies: Record<string, unknown> = {
  "PATCH /v1/admin/moments/{id}": { name: "taken over" },
  "POST /v1/admin/moments/{id}/status": { status: "running" },
  "PATCH /v1/admin/sources/{id}": { name: "taken over" },
  "PATCH /v1/admin/email-templates/{id}": { name: "taken over" },
  "POST /v1/admin/email-templates/{id}/preview": { traits: {} },
  "POST /v1/admin/moments/{id}/steps/{stepId}/test": { traits: {}, dryRun: true },
  "PATCH /v1/admin/integrations/{id}": { name: "taken over" },
};

describe("tenant isolation", () => {
  it.each(adminRoutes.filter((r) => r.path.includes("{")).map((r) => [routeKey(r), r] as const))(
    "%s with another workspace's ids is 404",
    async (key, route) => {
      const response = await api(route.method, pathWithIdsOfA(route.path), {
        key: keyB,
        ...(route.method === "GET" || route.method === "DELETE"
          ? {}
          : { body: bodies[key] ?? {}, headers: { "if-match": "1" } }),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain("A's");
    },
  );

  it.each(
    adminRoutes
      .filter((r) => r.method === "GET" && !r.path.includes("{"))
      .map((r) => [routeKey(r), r] as const),
  )("%s lists none of the other workspace's objects", async (_key, route) => {
    const response = await api("GET", route.path, { key: keyB });
    expect(response.status).toBe(200);
    const text = JSON.stringify(response.body);
    for (const id of Object.values(a)) expect(text).not.toContain(id);
    expect(text).not.toContain("A's");
  });

  it("left workspace A's objects untouched", async () => {
    const moment = await api<{ name: string; status: string }>("GET", `/v1/admin/moments/${a.moments}`, {
      key: stack.adminKey,
    });
    expect(moment.body).toMatchObject({ name: "A's moment", status: "draft" });
    const source = await api<{ name: string }>("GET", `/v1/admin/sources/${a.sources}`, {
      key: stack.adminKey,
    });
    expect(source.body.name).toBe("A's app");
  });
});
