/**
 * The OpenAPI document is the console's (and every client's) contract: this test calls every route
 * of the route table on the local stack and validates each live answer, status and body, against
 * the document the stack serves (see test/support/openapi-conformance.ts). Documented error
 * statuses are exercised where the local stack can produce them (403, 409, 412, 415, 428, 502...).
 *
 * Adding a route? Add a call to it here (`call("METHOD /path", ...)`): the last test fails, naming
 * every route of the table that no call exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RouteKey, routeKey, routes } from "../../shared/contracts/routes.js";
import type { FakeSlack } from "../support/fake-slack.js";
import { sentEmails } from "../support/local-api.js";
import { conformanceClient, type LiveAnswer } from "../support/openapi-conformance.js";
import { type SharedScenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const BOT_TOKEN = "xoxb-conformance-0000000000000000";
const ORIGIN = "https://app.conformance.test";

let s: SharedScenario;
let slack: FakeSlack;
let client: ReturnType<typeof conformanceClient>;
let adminKey = "";

/** A call to the live stack, checked against the document; `key` defaults to the admin key. */
const call = <T = Record<string, unknown>>(
  route: RouteKey,
  options: Parameters<typeof client.call>[1] = {},
): Promise<LiveAnswer<T>> =>
  client.call<T>(route, {
    ...options,
    ...(options.key === undefined && route.includes("/admin/") ? { key: adminKey } : {}),
  });

const expectStatus = (answer: LiveAnswer<unknown>, status: number) =>
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);

beforeAll(async () => {
  // The process's fake Slack (shared-stack.ts), reset for this file.
  s = await startSharedScenario("Conformance");
  slack = s.slack;
  slack.addWorkspace(BOT_TOKEN, [
    { id: "C001", name: "growth", is_member: true },
    { id: "C002", name: "alerts", is_member: false },
  ]);
  adminKey = s.stack.adminKey;
  const document = await (await fetch(new URL("/v1/openapi.json", s.stack.apiUrl))).json();
  client = conformanceClient(s.stack.apiUrl, document as Record<string, unknown>);
  const allowed = await s.admin("PATCH", `/v1/admin/sources/${s.sourceId}`, {
    allowedDomains: ["app.conformance.test"],
  });
  expect(allowed.status).toBe(200);
});

afterAll(async () => {
  await s?.stop();
});

// Shared between the steps below, in order.
let templateId = "";
let slackId = "";
let momentId = "";
let copyId = "";
let runId = "";
const accountId = unique("acct");
const address = `${accountId}@example.com`;

describe("meta", () => {
  it("answers health and the document itself", async () => {
    expectStatus(await call("GET /health"), 200);
    expectStatus(await call("GET /v1/openapi.json"), 200);
  });
});

describe("sources and write keys", () => {
  it("creates, reads, lists, edits and deletes a source", async () => {
    const created = await call<{ id: string }>("POST /v1/admin/sources", { body: { name: "Spare" } });
    expectStatus(created, 201);
    const id = created.body.id;
    expectStatus(await call("GET /v1/admin/sources", { query: { limit: "1" } }), 200);
    expectStatus(await call("GET /v1/admin/sources/{id}", { path: { id } }), 200);
    expectStatus(await call("POST /v1/admin/sources/{id}/identity-secret", { path: { id } }), 201);
    expectStatus(
      await call("PATCH /v1/admin/sources/{id}", { path: { id }, body: { allowedDomains: ["*.acme.com"] } }),
      200,
    );
    expectStatus(await call("GET /v1/admin/sources/{id}", { path: { id: "nope" } }), 404);
    expectStatus(
      await call("POST /v1/admin/sources", {
        rawBody: "name=x",
        headers: { "content-type": "text/plain" },
      }),
      415,
    );
    expectStatus(await call("POST /v1/admin/sources", { body: { name: "" } }), 400);
    expectStatus(await call("GET /v1/admin/sources", { key: "mk_admin_unknown" }), 401);

    const issued = await call<{ id: string }>("POST /v1/admin/sources/{id}/write-keys", { path: { id } });
    expectStatus(issued, 201);
    expectStatus(await call("GET /v1/admin/sources/{id}/write-keys", { path: { id } }), 200);
    expectStatus(
      await call("DELETE /v1/admin/sources/{id}/write-keys/{keyId}", { path: { id, keyId: issued.body.id } }),
      204,
    );
    for (let i = 0; i < 4; i++) await call("POST /v1/admin/sources/{id}/write-keys", { path: { id } });
    // At five active keys, a sixth is a conflict.
    expectStatus(await call("POST /v1/admin/sources/{id}/write-keys", { path: { id } }), 409);
    expectStatus(await call("DELETE /v1/admin/sources/{id}", { path: { id } }), 204);
  });
});

describe("email templates", () => {
  it("creates, reads, lists, edits, previews and deletes templates", async () => {
    const created = await call<{ id: string }>("POST /v1/admin/email-templates", {
      body: {
        name: "Welcome",
        from: '"Anna at Acme" <anna@mail.acme.com>',
        subject: "Welcome, {first_name|there}",
        text: "Hi {first_name}, your {event.plan} plan is ready.",
      },
    });
    expectStatus(created, 201);
    templateId = created.body.id;
    expectStatus(await call("GET /v1/admin/email-templates"), 200);
    expectStatus(await call("GET /v1/admin/email-templates/{id}", { path: { id: templateId } }), 200);
    expectStatus(
      await call("PATCH /v1/admin/email-templates/{id}", {
        path: { id: templateId },
        body: { html: "<p>Hi {first_name}</p>" },
      }),
      200,
    );
    expectStatus(
      await call("POST /v1/admin/email-templates/{id}/preview", {
        path: { id: templateId },
        body: { traits: { first_name: "Ada" } },
      }),
      200,
    );
    const spare = await call<{ id: string }>("POST /v1/admin/email-templates", {
      body: { name: "Spare", from: "a@mail.acme.com", subject: "s", text: "t" },
    });
    expectStatus(await call("DELETE /v1/admin/email-templates/{id}", { path: { id: spare.body.id } }), 204);
  });
});

describe("integrations", () => {
  it("creates each kind, lists, reads, edits, lists Slack channels and deletes", async () => {
    const bot = await call<{ id: string }>("POST /v1/admin/integrations", {
      body: { kind: "slack", name: "Growth", botToken: BOT_TOKEN },
    });
    expectStatus(bot, 201);
    slackId = bot.body.id;
    // Without a signing secret, one is generated and shown in this answer only (signingSecret.value).
    const webhook = await call<{ id: string; signingSecret: { value?: string } }>(
      "POST /v1/admin/integrations",
      { body: { kind: "webhook", name: "Receiver" } },
    );
    expectStatus(webhook, 201);
    expect(webhook.body.signingSecret.value).toMatch(/^whsec_/);
    const attio = await call<{ id: string }>("POST /v1/admin/integrations", {
      body: { kind: "attio", name: "CRM", accessToken: "attio-token-000000000000000000" },
    });
    expectStatus(attio, 201);
    expectStatus(await call("GET /v1/admin/integrations"), 200);
    expectStatus(await call("GET /v1/admin/integrations/{id}", { path: { id: webhook.body.id } }), 200);
    expectStatus(
      await call("PATCH /v1/admin/integrations/{id}", {
        path: { id: attio.body.id },
        body: { name: "Attio" },
      }),
      200,
    );
    expectStatus(
      await call("GET /v1/admin/integrations/{id}/slack/channels", { path: { id: slackId } }),
      200,
    );
    expectStatus(
      await call("GET /v1/admin/integrations/{id}/slack/channels", { path: { id: attio.body.id } }),
      409,
    );
    slack.failNext(1, { status: 500, body: "oops" });
    expectStatus(
      await call("GET /v1/admin/integrations/{id}/slack/channels", { path: { id: slackId } }),
      502,
    );
    expectStatus(await call("DELETE /v1/admin/integrations/{id}", { path: { id: attio.body.id } }), 204);
  });
});

describe("moments", () => {
  it("lists the catalog and creates from it", async () => {
    expectStatus(await call("GET /v1/admin/moment-templates"), 200);
    const fromCatalog = await call("POST /v1/admin/moments", {
      body: { template: "cart_abandon", name: "Cart abandon", sourceIds: [s.sourceId] },
    });
    expectStatus(fromCatalog, 201);
  });

  it("creates, edits under If-Match, starts, lists, duplicates and deletes", async () => {
    const created = await call<{ id: string; version: number }>("POST /v1/admin/moments", {
      body: {
        name: "Conformance welcome",
        goal: "activate",
        sourceIds: [s.sourceId],
        start: { event: "signed_up", where: [{ any: [{ field: "event.plan", op: "exists" }] }] },
        end: [{ outcome: "success", event: "upgraded" }],
        steps: [
          { id: "mail", action: { type: "send_email", templateId } },
          { id: "note", action: { type: "send_notification", title: "Hi", body: "Welcome" } },
          { id: "ask", action: { type: "feedback_prompt", question: "How was it?" } },
          {
            id: "post",
            action: { type: "send_slack", integrationId: slackId, channel: "C001", text: "New" },
          },
        ],
      },
    });
    expectStatus(created, 201);
    momentId = created.body.id;
    const path = { id: momentId };
    const read = await call("GET /v1/admin/moments/{id}", { path });
    expectStatus(read, 200);
    expect(read.headers.get("etag")).toBe('"1"');
    expectStatus(await call("PATCH /v1/admin/moments/{id}", { path, body: { description: "x" } }), 428);
    expectStatus(
      await call("PATCH /v1/admin/moments/{id}", {
        path,
        body: { description: "Welcome new sign-ups" },
        headers: { "if-match": '"1"' },
      }),
      200,
    );
    expectStatus(
      await call("PATCH /v1/admin/moments/{id}", {
        path,
        body: { description: "stale" },
        headers: { "if-match": '"1"' },
      }),
      412,
    );
    expectStatus(
      await call("POST /v1/admin/moments/{id}/status", { path, body: { status: "archived" } }),
      409,
    );
    expectStatus(
      await call("POST /v1/admin/moments/{id}/status", { path, body: { status: "running" } }),
      200,
    );
    expectStatus(await call("DELETE /v1/admin/moments/{id}", { path }), 409);
    expectStatus(await call("GET /v1/admin/moments", { query: { status: "running", limit: "10" } }), 200);
    expectStatus(await call("GET /v1/admin/moments", { query: { groupBy: "goal" } }), 200);

    const copy = await call<{ id: string }>("POST /v1/admin/moments/{id}/duplicate", { path });
    expectStatus(copy, 201);
    copyId = copy.body.id;
    expectStatus(await call("DELETE /v1/admin/moments/{id}", { path: { id: copyId } }), 204);
    expectStatus(await call("GET /v1/admin/moments/{id}", { path: { id: copyId } }), 404);
  });

  it("tests a step without performing it", async () => {
    expectStatus(
      await call("POST /v1/admin/moments/{id}/steps/{stepId}/test", {
        path: { id: momentId, stepId: "mail" },
        body: { traits: { email: "ada@example.com" }, event: { plan: "pro" }, dryRun: true },
      }),
      200,
    );
  });
});

describe("ingestion", () => {
  it("answers preflights, and accepts events, batches and identify calls from an allowed origin", async () => {
    const origin = { origin: ORIGIN, ...s.userToken(accountId) };
    expectStatus(await call("OPTIONS /v1/events", { headers: origin }), 204);
    expectStatus(await call("OPTIONS /v1/batch", { headers: origin }), 204);
    expectStatus(await call("OPTIONS /v1/identify", { headers: origin }), 204);
    expectStatus(
      await call("POST /v1/identify", {
        key: s.writeKey,
        headers: origin,
        body: { accountId, traits: { email: address, first_name: "Ada" } },
      }),
      202,
    );
    expectStatus(
      await call("POST /v1/events", {
        key: s.writeKey,
        headers: origin,
        body: { event: "signed_up", accountId, properties: { plan: "pro" }, traits: { email: address } },
      }),
      202,
    );
    const batch = await call<{ rejected: unknown[] }>("POST /v1/batch", {
      key: s.writeKey,
      body: { batch: [{ type: "track", event: "page_viewed", accountId }, { type: "track" }] },
    });
    expectStatus(batch, 202);
    expect(batch.body.rejected).toHaveLength(1);
    expectStatus(
      await call("POST /v1/events", {
        key: s.writeKey,
        headers: { origin: "https://evil.example" },
        body: { event: "signed_up", accountId },
      }),
      403,
    );
    expectStatus(
      await call("POST /v1/events", {
        key: s.writeKey,
        rawBody: "x",
        headers: { "content-type": "image/png" },
      }),
      415,
    );
    expectStatus(await call("POST /v1/events", { key: "mk_write_unknown", body: {} }), 401);
    // A browser without its user's token.
    expectStatus(
      await call("POST /v1/events", {
        key: s.writeKey,
        headers: { origin: ORIGIN },
        body: { event: "signed_up", accountId },
      }),
      401,
    );
  });

  it("answers every call of the Segment spec, analytics.js's paths and the settings it loads", async () => {
    // analytics.js sends no user token: a source it sends to from browsers does not require one. A
    // source of its own, so no key's trusted policy (WRITE_KEY_TRUST_MS) has to run out first.
    const created = await s.admin<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
      name: "analytics.js",
      allowedDomains: ["app.conformance.test"],
      requireUserToken: false,
    });
    expect(created.status).toBe(201);
    const { id: sourceId, writeKey } = created.body;
    const origin = { origin: ORIGIN };
    const userId = unique("conformance-user");
    const segmentCalls = {
      track: { userId, event: "signed_up", context: { groupId: accountId } },
      identify: { userId, traits: { first_name: "Ada" } },
      group: { userId, groupId: accountId, traits: { plan: "pro" } },
      page: { userId, name: "Pricing" },
      screen: { userId, name: "Home" },
      alias: { previousId: unique("visitor"), userId },
    } as const;
    for (const [type, body] of Object.entries(segmentCalls)) {
      const path = `/v1/${type}` as const;
      expectStatus(await call(`OPTIONS ${path}` as RouteKey, { headers: origin }), 204);
      expectStatus(await call(`POST ${path}` as RouteKey, { key: writeKey, body }), 202);
      const short = `/v1/${type.charAt(0)}`;
      expectStatus(await call(`OPTIONS ${short}` as RouteKey, { headers: origin }), 204);
      expectStatus(
        await call(`POST ${short}` as RouteKey, {
          headers: { ...origin, "content-type": "text/plain" },
          rawBody: JSON.stringify({ ...body, type, writeKey }),
        }),
        202,
      );
    }
    // Valid, but no account is linked to this visitor: accepted with the reason, in the debugger.
    const unresolved = await call<{ error?: { code: string } }>("POST /v1/track", {
      key: writeKey,
      body: { anonymousId: unique("stranger"), event: "signed_up" },
    });
    expectStatus(unresolved, 202);
    expect(unresolved.body.error?.code).toBe("account_unresolved");
    for (const route of ["OPTIONS /v1/import", "OPTIONS /v1/b"] as const)
      expectStatus(await call(route, { headers: origin }), 204);
    const items = { batch: [{ type: "track", event: "page_viewed", accountId }, { type: "alias" }] };
    expectStatus(await call("POST /v1/import", { key: writeKey, body: items }), 202);
    expectStatus(
      await call("POST /v1/b", {
        headers: { ...origin, "content-type": "text/plain" },
        rawBody: JSON.stringify({ ...items, writeKey }),
      }),
      202,
    );
    expectStatus(
      await call("GET /v1/projects/{writeKey}/settings", { path: { writeKey }, headers: origin }),
      200,
    );
    expectStatus(
      await call("GET /v1/projects/{writeKey}/settings", { path: { writeKey: "mk_write_unknown" } }),
      401,
    );
    // A page on a site the source does not list: refused, as its sends would be.
    expectStatus(
      await call("GET /v1/projects/{writeKey}/settings", {
        path: { writeKey },
        headers: { origin: "https://evil.example" },
      }),
      403,
    );
    const debug = await call<{ counts: { rejected: number } }>("GET /v1/admin/sources/{id}/debugger", {
      path: { id: sourceId },
    });
    expectStatus(debug, 200);
    expect(debug.body.counts.rejected).toBeGreaterThanOrEqual(2);
  });
});

describe("insights", () => {
  it("shows the account, its run, the stats, the accounts of the moment and observed events", async () => {
    runId = await s.runId(accountId, momentId);
    await s.recordedRun(runId, ["mail", "note", "ask", "post"]);
    expectStatus(await call("GET /v1/admin/accounts/{accountId}", { path: { accountId } }), 200);
    expectStatus(await call("GET /v1/admin/runs/{runId}", { path: { runId } }), 200);
    expectStatus(await call("GET /v1/admin/moments/{id}/stats", { path: { id: momentId } }), 200);
    expectStatus(
      await call("GET /v1/admin/moments/{id}/accounts", { path: { id: momentId }, query: { status: "all" } }),
      200,
    );
    expectStatus(await call("GET /v1/admin/observed-events"), 200);
    expectStatus(
      await call("POST /v1/admin/observed-events/{name}/promote", { path: { name: "page_viewed" } }),
      201,
    );
  });
});

describe("in-app inbox and feedback", () => {
  it("lists the inbox, marks read and answers the prompt once", async () => {
    const origin = { origin: ORIGIN };
    expectStatus(await call("OPTIONS /v1/inbox", { headers: origin }), 204);
    expectStatus(await call("OPTIONS /v1/inbox/{id}/read", { path: { id: "x" }, headers: origin }), 204);
    expectStatus(await call("OPTIONS /v1/inbox/{id}/dismiss", { path: { id: "x" }, headers: origin }), 204);
    expectStatus(await call("OPTIONS /v1/feedback", { headers: origin }), 204);
    const user = { key: s.writeKey, headers: { ...origin, ...s.userToken(accountId) }, query: { accountId } };
    expectStatus(
      await call("GET /v1/inbox", { key: s.writeKey, headers: origin, query: { accountId } }),
      401,
    );
    const inbox = await call<{ items: Array<{ id: string; kind: string }> }>("GET /v1/inbox", user);
    expectStatus(inbox, 200);
    const note = inbox.body.items.find((item) => item.kind === "notification");
    const prompt = inbox.body.items.find((item) => item.kind === "feedback_prompt");
    if (!note || !prompt) throw new Error(`inbox items missing: ${JSON.stringify(inbox.body)}`);
    expectStatus(await call("POST /v1/inbox/{id}/read", { ...user, path: { id: note.id } }), 200);
    const answer = { promptId: prompt.id, reaction: "frustrated", comment: "Too slow" };
    expectStatus(await call("POST /v1/feedback", { ...user, body: answer }), 201);
    expectStatus(await call("POST /v1/feedback", { ...user, body: answer }), 409);
    expectStatus(await call("POST /v1/inbox/{id}/dismiss", { ...user, path: { id: prompt.id } }), 409);
    expectStatus(await call("POST /v1/inbox/{id}/dismiss", { ...user, path: { id: note.id } }), 404);
    expectStatus(await call("GET /v1/admin/moments/{id}/feedback", { path: { id: momentId } }), 200);
  });
});

describe("the in-app widget", () => {
  it("serves the script and the module, pinned by version", async () => {
    const script = await call<string>("GET /v1/widget.js");
    expectStatus(script, 200);
    const version = script.headers.get("x-moments-widget-version") ?? "";
    const pinned = await call("GET /v1/widget.js", { query: { v: version } });
    expect(pinned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(script.headers.get("cache-control")).toBe("public, max-age=300");
    expectStatus(await call("GET /v1/widget.mjs"), 200);
  });
});

describe("reporting", () => {
  it("reports entries, ends by end rule, the step funnel and feedback over hour and day buckets", async () => {
    expectStatus(
      await call("POST /v1/events", { key: s.writeKey, body: { event: "upgraded", accountId } }),
      202,
    );
    type Report = {
      series: Array<{ start: string; entered: number; succeeded: number; active: number }>;
      ends: { success: unknown[] };
      steps: Array<{ stepId: string; executed: number }>;
      feedback: { frustrated: number; latestComments: Array<{ comment: string }> };
    };
    const report = await waitFor(
      async () => {
        const answer = await call<Report>("GET /v1/admin/moments/{id}/report", {
          path: { id: momentId },
          query: { bucket: "hour" },
        });
        expectStatus(answer, 200);
        return answer.body.ends.success.length > 0 ? answer.body : undefined;
      },
      { timeoutMs: 15_000, description: "the success to be reported" },
    );
    // Summed, not read from one bucket: the entry and its success may fall either side of an hour.
    const sum = (points: Report["series"], field: "entered" | "succeeded") =>
      points.reduce((total, point) => total + point[field], 0);
    expect([sum(report.series, "entered"), sum(report.series, "succeeded")]).toEqual([1, 1]);
    expect(report.series.at(-1)?.active).toBe(0);
    expect(report.series).toHaveLength(48);
    expect(report.ends.success).toEqual([{ rule: "event", event: "upgraded", count: 1 }]);
    expect(report.steps.map((step) => [step.stepId, step.executed])).toEqual([
      ["mail", 1],
      ["note", 1],
      ["ask", 1],
      ["post", 1],
    ]);
    expect(report.feedback).toMatchObject({ frustrated: 1, latestComments: [{ comment: "Too slow" }] });
    const daily = await call<Report>("GET /v1/admin/moments/{id}/report", {
      path: { id: momentId },
      query: { bucket: "day", from: new Date(Date.now() - 6 * 86_400_000).toISOString() },
    });
    expectStatus(daily, 200);
    expect(daily.body.series).toHaveLength(7);
    expect(sum(daily.body.series, "entered")).toBe(1);
    expectStatus(
      await call("GET /v1/admin/moments/{id}/report", { path: { id: momentId }, query: { bucket: "week" } }),
      400,
    );
    const list = await call<{ items: Array<{ id: string; trend: Array<{ entered: number }> }> }>(
      "GET /v1/admin/moments",
      { query: { status: "running" } },
    );
    const trend = list.body.items.find((m) => m.id === momentId)?.trend ?? [];
    expect(trend).toHaveLength(7);
    expect(trend.reduce((total, day) => total + day.entered, 0)).toBe(1);
  });
});

describe("email unsubscribe and suppressions", () => {
  it("shows, performs and lifts an unsubscribe", async () => {
    const email = await waitFor(
      async () => (await sentEmails(s.stack.inboxUrl)).find((sent) => sent.destination.to.includes(address)),
      { timeoutMs: 15_000, description: `the email to ${address}` },
    );
    const token = new URL(email.unsubscribeLink ?? "").searchParams.get("token") ?? "";
    expectStatus(await call("GET /v1/unsubscribe", { query: { token } }), 200);
    expectStatus(
      await call("GET /v1/unsubscribe", { query: { token }, headers: { accept: "text/html" } }),
      200,
    );
    expectStatus(await call("GET /v1/unsubscribe", { query: { token: "bad" } }), 400);
    expectStatus(await call("POST /v1/unsubscribe", { query: { token } }), 200);
    const list = await call<{ items: Array<{ address: string }> }>("GET /v1/admin/suppressions");
    expectStatus(list, 200);
    expect(list.body.items.map((item) => item.address)).toContain(address);
    expectStatus(await call("DELETE /v1/admin/suppressions/{address}", { path: { address } }), 204);
  });
});

describe("keys and workspaces", () => {
  it("issues, lists and revokes admin keys; reads, renames and creates workspaces", async () => {
    const issued = await call<{ id: string }>("POST /v1/admin/admin-keys");
    expectStatus(issued, 201);
    expectStatus(await call("GET /v1/admin/admin-keys"), 200);
    expectStatus(await call("DELETE /v1/admin/admin-keys/{id}", { path: { id: issued.body.id } }), 204);
    expectStatus(await call("GET /v1/admin/workspace"), 200);
    expectStatus(await call("PATCH /v1/admin/workspace", { body: { name: "Conformance" } }), 200);
    // Only the operator workspace may create workspaces: this file's own is a tenant (shared-stack.ts).
    const tenant = await call<{ adminKey: string }>("POST /v1/admin/workspaces", {
      key: s.operatorKey,
      body: { name: "Tenant" },
    });
    expectStatus(tenant, 201);
    expectStatus(
      await call("POST /v1/admin/workspaces", { key: tenant.body.adminKey, body: { name: "Another" } }),
      403,
    );
  });
});

describe("console", () => {
  it("serves its page and assets, and signs in and out", async () => {
    const page = await call<string>("GET /console");
    expectStatus(page, 200);
    const script = /src="\/console\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1] ?? "";
    expectStatus(await call("GET /console/{proxy+}"), 200);
    const asset = await call("GET /console/{proxy+}", { rawPath: `/console/${script}` });
    expectStatus(asset, 200);
    expectStatus(await call("GET /console/{proxy+}", { rawPath: "/console/assets/app-NOPE.js" }), 404);
    expectStatus(await call("POST /console/session", { body: { adminKey: "mk_admin_nope" } }), 401);
    const signedIn = await call("POST /console/session", { body: { adminKey } });
    expectStatus(signedIn, 200);
    const cookie = signedIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const frame = await call<string>("POST /console/email-frame", {
      headers: { ...form, cookie },
      rawBody: "html=%3Cp%3EHi%3C%2Fp%3E",
    });
    expectStatus(frame, 200);
    expect(frame.body).toBe("<p>Hi</p>");
    expect(frame.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
    expectStatus(await call("POST /console/email-frame", { headers: form, rawBody: "html=x" }), 401);
    expectStatus(
      await call("POST /console/email-frame", {
        headers: { ...form, cookie, origin: "https://evil.example" },
        rawBody: "html=x",
      }),
      403,
    );
    expectStatus(await call("DELETE /console/session", { headers: { cookie } }), 403);
    expectStatus(
      await call("DELETE /console/session", { headers: { cookie, "x-moments-console": "1" } }),
      204,
    );
  });
});

describe("coverage", () => {
  it("exercised every route of the route table", () => {
    const missing = routes.map(routeKey).filter((key) => !client.seen.has(key as RouteKey));
    expect(
      missing,
      `Routes without a live check: ${missing.join(", ")}. Add a call for each to test/integration/openapi-conformance.test.ts, and describe what it answers in shared/contracts/api-docs.ts (success.body: a schema from shared/contracts/api-responses.ts; errors: the statuses it returns)`,
    ).toEqual([]);
  });
});
