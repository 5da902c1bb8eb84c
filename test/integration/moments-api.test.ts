/**
 * The moments API on the local stack, over HTTP only: create with cross-field validation, list with
 * filters, search, grouping and pagination, optimistic updates with If-Match, the lifecycle and its
 * rules, duplicates, the templates catalog, and stopping a moment with a run in flight.
 *
 * Time runs at real speed here (timeScale 1), so a step with a one-hour delay keeps its run active
 * (waiting in its Wait state) for as long as the test needs.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { apiClient, sentEmails } from "../support/local-api.js";
import { waitFor } from "../support/wait-for.js";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let sourceId: string;
let otherSourceId: string;
let writeKey: string;
let templateId: string;
let attioId: string;

interface MomentBody {
  id: string;
  name: string;
  goal: string;
  status: string;
  version: number;
  sourceIds: string[];
  start: { event: string; unless?: unknown };
  steps: Array<{ id: string }>;
  template: string;
  createdAt: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}
type Page = { items: MomentBody[]; nextCursor?: string };

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, timeScale: 1, logLevel: "CRITICAL" });
  api = apiClient(stack.apiUrl);
  const source = await admin<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", { name: "Web" });
  const other = await admin<{ id: string }>("POST", "/v1/admin/sources", { name: "Mobile" });
  const template = await admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Reminder",
    from: "Anna <anna@mail.acme.com>",
    subject: "Hi {first_name|there}",
    text: "Come back.",
  });
  const attio = await admin<{ id: string }>("POST", "/v1/admin/integrations", {
    kind: "attio",
    name: "CRM",
    accessToken: "attio_token_0123456789abcdef",
  });
  for (const created of [source, other, template, attio]) expect(created.status).toBe(201);
  sourceId = source.body.id;
  writeKey = source.body.writeKey;
  otherSourceId = other.body.id;
  templateId = template.body.id;
  attioId = attio.body.id;
});

afterAll(async () => {
  await stack?.stop();
});

function admin<T = MomentBody>(method: string, path: string, body?: unknown) {
  return api<T>(method, path, { key: stack.adminKey, ...(body === undefined ? {} : { body }) });
}

/** The API client answers status and body; these checks need response headers and request headers too. */
async function raw(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(new URL(path, stack.apiUrl), {
    method,
    headers: {
      authorization: `Bearer ${stack.adminKey}`,
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as unknown,
  };
}

let counter = 0;
/** A valid moment body; each call gets its own start event so runs never cross between tests. */
function aMomentBody(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    name: `Moment ${counter}`,
    goal: "recover",
    sourceIds: [sourceId],
    start: { event: `event_${counter}` },
    steps: [
      { id: "remind", delay: { amount: 1, unit: "hours" }, action: { type: "send_email", templateId } },
    ],
    ...overrides,
  };
}

async function createMoment(overrides: Record<string, unknown> = {}) {
  const created = await admin("POST", "/v1/admin/moments", aMomentBody(overrides));
  expect(created.status).toBe(201);
  return created.body;
}

async function setStatus(id: string, status: string) {
  return admin<MomentBody & ErrorBody>("POST", `/v1/admin/moments/${id}/status`, { status });
}

const paths = (body: unknown) => (body as ErrorBody).error.details?.map((d) => d.path);

describe("creating a moment", () => {
  it("answers 201 with the stored draft and its version as ETag", async () => {
    const created = await raw("POST", "/v1/admin/moments", { body: aMomentBody({ name: "Created" }) });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Created", status: "draft", version: 1, template: "custom" });
    expect(created.headers.get("etag")).toBe('"1"');
  });

  it("refuses a bad condition with 400 naming its path", async () => {
    const response = await admin<ErrorBody>(
      "POST",
      "/v1/admin/moments",
      aMomentBody({
        start: {
          event: "cart_item_added",
          where: [
            // "many" can never be ordered: gt takes a number or an ISO date.
            { field: "event.total", op: "gt", value: "many" },
            { field: "cart.total", op: "exists" },
            { any: [{ field: "account.plan", op: "in", value: "pro" }] },
          ],
        },
      }),
    );

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("invalid_request");
    expect(paths(response.body)).toEqual([
      "start.where.0.value",
      "start.where.1.field",
      "start.where.2.any.0.value",
    ]);
  });

  it("refuses an email template that does not exist, naming steps.N.action.templateId", async () => {
    const response = await admin<ErrorBody>(
      "POST",
      "/v1/admin/moments",
      aMomentBody({
        steps: [
          { id: "a", action: { type: "send_email", templateId } },
          { id: "b", action: { type: "send_email", templateId: "no_such_template" } },
        ],
      }),
    );

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { path: "steps.1.action.templateId", message: 'no email template with id "no_such_template"' },
    ]);
  });

  it("refuses an integration of the wrong kind, naming steps.N.action.integrationId", async () => {
    const response = await admin<ErrorBody>(
      "POST",
      "/v1/admin/moments",
      aMomentBody({
        steps: [{ id: "a", action: { type: "send_slack", integrationId: attioId, text: "hi" } }],
      }),
    );

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      {
        path: "steps.0.action.integrationId",
        message: `integration "${attioId}" is a attio integration; send_slack needs a slack integration`,
      },
    ]);
  });

  it("accepts an integration of the right kind", async () => {
    const response = await admin(
      "POST",
      "/v1/admin/moments",
      aMomentBody({
        steps: [{ id: "a", action: { type: "create_attio_task", integrationId: attioId, content: "Call" } }],
      }),
    );

    expect(response.status).toBe(201);
  });

  it("refuses an unknown source, naming sourceIds.N", async () => {
    const response = await admin<ErrorBody>(
      "POST",
      "/v1/admin/moments",
      aMomentBody({ sourceIds: [sourceId, "nope"] }),
    );

    expect(response.status).toBe(400);
    expect(paths(response.body)).toEqual(["sourceIds.1"]);
  });
});

describe("the moment templates catalog", () => {
  it("lists ready moments, and POST /moments with a catalog key fills the rest", async () => {
    const catalog = await admin<{ items: Array<{ key: string; settings: Array<{ key: string }> }> }>(
      "GET",
      "/v1/admin/moment-templates",
    );
    expect(catalog.status).toBe(200);
    expect(catalog.body.items.map((t) => t.key)).toEqual(
      expect.arrayContaining([
        "cart_abandon",
        "booking_abandon",
        "trial_expiration_follow_up",
        "onboarding_nudge",
      ]),
    );

    const created = await admin("POST", "/v1/admin/moments", {
      template: "cart_abandon",
      name: "Our carts",
      sourceIds: [sourceId],
      settings: { abandonAfter: { amount: 30, unit: "minutes" } },
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Our carts",
      template: "cart_abandon",
      goal: "recover",
      status: "draft",
      start: {
        event: "cart_item_added",
        unless: { event: "checkout_completed", within: { amount: 30, unit: "minutes" } },
      },
    });
    expect(created.body.steps.length).toBeGreaterThan(0);
    // A catalog moment runs as it is: it needs nothing but a source.
    expect((await setStatus(created.body.id, "running")).status).toBe(200);
  });

  it("refuses an unknown catalog key with 400 naming template", async () => {
    const response = await admin<ErrorBody>("POST", "/v1/admin/moments", { template: "nope", name: "x" });

    expect(response.status).toBe(400);
    expect(paths(response.body)).toEqual(["template"]);
  });
});

describe("listing moments", () => {
  // A token in every name keeps these assertions to this test's moments.
  const tag = `zq${Date.now().toString(36)}`;
  let ids: Record<string, string>;

  beforeAll(async () => {
    ids = {};
    // Created in this order, so the most recently updated is the last.
    ids.a = (await createMoment({ name: `${tag} Alpha`, goal: "activate" })).id;
    ids.b = (await createMoment({ name: `${tag} Beta`, goal: "convert" })).id;
    ids.c = (
      await createMoment({ name: "Gamma", description: `About ${tag.toUpperCase()} things`, goal: "convert" })
    ).id;
    ids.d = (await createMoment({ name: `${tag} Delta`, goal: "recover" })).id;
    // Updating moves a moment to the top.
    expect((await setStatus(ids.a, "running")).status).toBe(200);
  });

  it("searches name and description, case-insensitively, most recently updated first", async () => {
    const list = await admin<Page>("GET", `/v1/admin/moments?q=${tag.toUpperCase()}`);

    expect(list.status).toBe(200);
    expect(list.body.items.map((m) => m.id)).toEqual([ids.a, ids.d, ids.c, ids.b]);
  });

  it("filters by goal and status", async () => {
    const convert = await admin<Page>("GET", `/v1/admin/moments?q=${tag}&goal=convert`);
    const running = await admin<Page>("GET", `/v1/admin/moments?q=${tag}&status=running`);

    expect(convert.body.items.map((m) => m.id)).toEqual([ids.c, ids.b]);
    expect(running.body.items.map((m) => m.id)).toEqual([ids.a]);
  });

  it("groups by goal in goal order", async () => {
    const grouped = await admin<{ groups: Array<{ goal: string; items: MomentBody[] }> }>(
      "GET",
      `/v1/admin/moments?q=${tag}&groupBy=goal`,
    );

    expect(grouped.status).toBe(200);
    expect(grouped.body.groups.map((g) => [g.goal, g.items.map((m) => m.id)])).toEqual([
      ["activate", [ids.a]],
      ["convert", [ids.c, ids.b]],
      ["recover", [ids.d]],
    ]);
  });

  it("pages with an opaque cursor, without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: { body: Page } = await admin<Page>(
        "GET",
        `/v1/admin/moments?q=${tag}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      seen.push(...page.body.items.map((m) => m.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(2);
    expect(seen).toEqual([ids.a, ids.d, ids.c, ids.b]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=500", "limit"],
    ["cursor=garbage", "cursor"],
    ["goal=world_domination", "goal"],
    ["status=paused", "status"],
  ])("refuses ?%s with 400 naming %s", async (query, path) => {
    const response = await admin<ErrorBody>("GET", `/v1/admin/moments?${query}`);

    expect(response.status).toBe(400);
    expect(paths(response.body)).toEqual([path]);
  });
});

describe("the moments list's headline stats", () => {
  it("shows each listed moment's entries, active runs and outcomes as the engine counts them", async () => {
    // Prepare: a running moment whose step waits an hour (real time), so runs stay active until an
    // end event succeeds them; and a draft nothing ever entered.
    const tag = `st${Date.now().toString(36)}`;
    const converted = `converted_${tag}`;
    const moment = await createMoment({
      name: `${tag} Counted`,
      end: [{ outcome: "success", event: converted }],
    });
    const idle = await createMoment({ name: `${tag} Never entered` });
    expect((await setStatus(moment.id, "running")).status).toBe(200);
    // Whatever happens, the run still waiting its hour ends with the test, so the stack can go idle.
    onTestFinished(async () => {
      await setStatus(moment.id, "stopped");
    });
    const send = async (event: string, accountId: string) => {
      const response = await api("POST", "/v1/events", {
        key: writeKey,
        body: { event, accountId, messageId: `msg-${tag}-${event}-${accountId}` },
      });
      expect(response.status).toBe(202);
    };
    await send(moment.start.event, "acct_s1");
    await send(moment.start.event, "acct_s2");
    await waitFor(
      async () => {
        const accounts = await admin<{ items: unknown[] }>("GET", `/v1/admin/moments/${moment.id}/accounts`);
        return accounts.body.items.length === 2;
      },
      { description: "both accounts to be in the moment" },
    );
    await send(converted, "acct_s1");
    const listed = async () => {
      const list = await admin<{ items: Array<MomentBody & { stats: unknown }> }>(
        "GET",
        `/v1/admin/moments?q=${tag}`,
      );
      expect(list.status).toBe(200);
      return list.body.items.map((m) => [m.id, m.stats]);
    };

    // Act: the end event is processed asynchronously, so read the list until it shows it.
    await waitFor(
      async () => (await listed()).some(([, stats]) => (stats as { succeeded?: number }).succeeded === 1),
      { description: "the success to be counted" },
    );

    // Assess: most recently updated first (starting the moment updated it).
    expect(await listed()).toEqual([
      [moment.id, { entered: 2, active: 1, succeeded: 1, failed: 0, successRate: 100, failedRate: 0 }],
      [idle.id, { entered: 0, active: 0, succeeded: 0, failed: 0, successRate: null, failedRate: null }],
    ]);
    const grouped = await admin<{ groups: Array<{ items: Array<{ id: string; stats: unknown }> }> }>(
      "GET",
      `/v1/admin/moments?q=${tag}&groupBy=goal`,
    );
    expect(grouped.body.groups.flatMap((g) => g.items).find((m) => m.id === moment.id)?.stats).toMatchObject({
      entered: 2,
      active: 1,
    });
  });
});

describe("a moment's time frame", () => {
  it("starts nothing outside it (logged as outside_time_frame), shows it in the list, and PATCH null lifts it", async () => {
    const tag = `tf${Date.now().toString(36)}`;
    const until = new Date(Date.now() - 60_000).toISOString();
    const moment = await createMoment({ name: `${tag} Black Friday`, timeFrame: { until } });
    expect((await setStatus(moment.id, "running")).status).toBe(200);
    onTestFinished(async () => {
      await setStatus(moment.id, "stopped");
    });
    const accountId = `acct_${tag}`;
    const send = async (messageId: string) =>
      expect(
        (
          await api("POST", "/v1/events", {
            key: writeKey,
            body: { event: moment.start.event, accountId, messageId },
          })
        ).status,
      ).toBe(202);
    type Decision = { messageId: string; reason: string; until?: string; message: string };
    const decisionFor = (messageId: string) =>
      waitFor(
        async () => {
          const view = await admin<{ decisions?: Decision[] }>("GET", `/v1/admin/accounts/${accountId}`);
          return view.body.decisions?.find((d) => d.messageId === messageId && d.reason !== "duplicate");
        },
        { description: `the decision on ${messageId}` },
      );

    await send(`${tag}-late`);

    expect(await decisionFor(`${tag}-late`)).toMatchObject({
      reason: "outside_time_frame",
      until,
      message: `Not started: the moment starts runs only until ${until}`,
    });
    const listed = await admin<{ items: Array<{ id: string; timeFrame?: unknown }> }>(
      "GET",
      `/v1/admin/moments?q=${tag}`,
    );
    expect(listed.body.items).toEqual([expect.objectContaining({ id: moment.id, timeFrame: { until } })]);

    const current = await raw("GET", `/v1/admin/moments/${moment.id}`);
    const lifted = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { timeFrame: null },
      headers: { "if-match": current.headers.get("etag") ?? "" },
    });
    expect(lifted.status).toBe(200);
    expect(lifted.body).not.toHaveProperty("timeFrame");
    await send(`${tag}-now`);
    expect(await decisionFor(`${tag}-now`)).toMatchObject({ reason: "started" });
  });

  it("refuses a frame that ends before it starts, naming timeFrame.until", async () => {
    const created = await admin<ErrorBody>(
      "POST",
      "/v1/admin/moments",
      aMomentBody({ timeFrame: { from: "2026-12-01T00:00:00Z", until: "2026-11-01T00:00:00Z" } }),
    );

    expect(created.status).toBe(400);
    expect(paths(created.body)).toEqual(["timeFrame.until"]);
  });
});

describe("updating a moment", () => {
  it("needs If-Match (428), refuses a stale version (412), and applies a current one (200)", async () => {
    const moment = await createMoment({ name: "Before" });
    const read = await raw("GET", `/v1/admin/moments/${moment.id}`);
    expect(read.status).toBe(200);
    const etag = read.headers.get("etag");
    expect(etag).toBe('"1"');

    const missing = await raw("PATCH", `/v1/admin/moments/${moment.id}`, { body: { name: "After" } });
    expect(missing.status).toBe(428);

    const updated = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: {
        name: "After",
        steps: [{ id: "only", action: { type: "send_notification", title: "Hi", body: "There" } }],
      },
      headers: { "if-match": etag ?? "" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: "After", version: 2, steps: [{ id: "only" }] });
    expect(updated.headers.get("etag")).toBe('"2"');

    // The same (now stale) ETag again: someone else's update would be lost.
    const stale = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { name: "Lost" },
      headers: { "if-match": etag ?? "" },
    });
    expect(stale.status).toBe(412);

    // The unquoted form is accepted too.
    const unquoted = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { description: "Edited" },
      headers: { "if-match": "2" },
    });
    expect(unquoted.status).toBe(200);
    expect((await admin("GET", `/v1/admin/moments/${moment.id}`)).body).toMatchObject({
      name: "After",
      description: "Edited",
      version: 3,
    });
  });

  it("refuses status and an invalid merged moment with 400 naming the field", async () => {
    const moment = await createMoment();

    const status = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { status: "running" },
      headers: { "if-match": '"1"' },
    });
    const invalid = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { end: [{ outcome: "maybe", after: { amount: 1, unit: "days" } }] },
      headers: { "if-match": '"1"' },
    });

    expect(status.status).toBe(400);
    expect(paths(status.body)).toEqual(["status"]);
    expect(invalid.status).toBe(400);
    expect(paths(invalid.body)).toEqual(["end.0.outcome"]);
  });

  it("locks sourceIds while the moment is running (409), but allows other edits", async () => {
    const moment = await createMoment();
    const running = await setStatus(moment.id, "running");
    expect(running.status).toBe(200);
    const version = String(running.body.version);

    const locked = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { sourceIds: [sourceId, otherSourceId] },
      headers: { "if-match": version },
    });
    const renamed = await raw("PATCH", `/v1/admin/moments/${moment.id}`, {
      body: { name: "Renamed while running" },
      headers: { "if-match": version },
    });

    expect(locked.status).toBe(409);
    expect(paths(locked.body)).toEqual(["sourceIds"]);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ status: "running", sourceIds: [sourceId] });
  });
});

describe("lifecycle", () => {
  it("refuses a transition the lifecycle does not have, with 409 naming the allowed ones", async () => {
    const moment = await createMoment();

    const response = await setStatus(moment.id, "stopped");

    expect(response.status).toBe(409);
    expect(response.body.error.message).toBe("A draft moment cannot become stopped; allowed: running");
  });

  it("deletes only draft and archived moments", async () => {
    const draft = await createMoment();
    const live = await createMoment();
    await setStatus(live.id, "running");

    const refused = await admin<ErrorBody>("DELETE", `/v1/admin/moments/${live.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/running/);

    expect((await admin("DELETE", `/v1/admin/moments/${draft.id}`)).status).toBe(204);
    expect((await admin("GET", `/v1/admin/moments/${draft.id}`)).status).toBe(404);

    expect((await setStatus(live.id, "archived")).status).toBe(200);
    const deleted = await raw("DELETE", `/v1/admin/moments/${live.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await admin("DELETE", `/v1/admin/moments/${live.id}`)).status).toBe(404);
  });

  it("duplicates a moment as a new draft named ' (copy)'", async () => {
    const original = await createMoment({
      name: "Original",
      end: [{ outcome: "failed", after: { amount: 3, unit: "days" } }],
    });
    await setStatus(original.id, "running");

    const copy = await admin("POST", `/v1/admin/moments/${original.id}/duplicate`);

    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      name: "Original (copy)",
      status: "draft",
      version: 1,
      start: original.start,
      steps: original.steps,
      end: [{ outcome: "failed", after: { amount: 3, unit: "days" } }],
      sourceIds: [sourceId],
    });
    expect(copy.body.id).not.toBe(original.id);
    expect((await admin("GET", `/v1/admin/moments/${original.id}`)).body.status).toBe("running");
  });
});

describe("stopping a moment with a run in flight", () => {
  it("ends the run as stopped, aborts its execution, and sends nothing afterwards", async () => {
    // Prepare: a running moment whose only step waits an hour before emailing.
    const address = `stop-${Date.now()}@example.com`;
    const moment = await createMoment({ name: "Stop me" });
    expect((await setStatus(moment.id, "running")).status).toBe(200);
    const sent = await api("POST", "/v1/events", {
      key: writeKey,
      body: {
        event: moment.start.event,
        accountId: "acct_stop",
        messageId: `msg-stop-${Date.now()}`,
        traits: { email: address },
      },
    });
    expect(sent.status).toBe(202);
    await waitFor(
      async () => {
        const list = await admin<{ items: Array<{ accountId: string; status: string }> }>(
          "GET",
          `/v1/admin/moments/${moment.id}/accounts`,
        );
        return list.body.items.some((a) => a.accountId === "acct_stop" && a.status === "active");
      },
      { description: "the account to be in the moment" },
    );

    // Act
    const stopped = await raw("POST", `/v1/admin/moments/${moment.id}/status`, {
      body: { status: "stopped" },
    });

    // Assess
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: "stopped" });
    expect(stopped.headers.get("x-moments-runs-stopped")).toBe("1");
    expect(stopped.headers.get("x-moments-runs-remaining")).toBe("false");
    const current = await admin<{ items: unknown[] }>("GET", `/v1/admin/moments/${moment.id}/accounts`);
    expect(current.body.items).toEqual([]);
    const ended = await admin<{ items: Array<Record<string, unknown>> }>(
      "GET",
      `/v1/admin/moments/${moment.id}/accounts?status=stopped`,
    );
    expect(ended.body.items).toEqual([
      {
        accountId: "acct_stop",
        status: "stopped",
        runId: expect.any(String),
        startedAt: expect.any(String),
        endedAt: expect.any(String),
      },
    ]);
    // With time at real speed the execution would wait in its one-hour Wait state: the stack can only
    // become idle because the execution was aborted.
    await Promise.race([
      stack.idle(),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error("the run's execution was not aborted: it is still waiting")),
          10_000,
        ).unref(),
      ),
    ]);
    expect((await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(address))).toEqual([]);
    // The history still shows the account, as stopped.
    const history = await admin<{ items: Array<{ status: string }> }>(
      "GET",
      `/v1/admin/moments/${moment.id}/accounts?status=all`,
    );
    expect(history.body.items.map((a) => a.status)).toEqual(["stopped"]);
  });
});

describe("stopping a moment with a key", () => {
  it("stops every keyed run of the moment, and leaves another moment's unkeyed run alone", async () => {
    // Prepare: a keyed moment with two runs for one account (two carts), and an unkeyed moment with one.
    const keyed = await createMoment({
      name: "Per cart",
      start: { event: `cart_added_${Date.now()}`, key: "cart_id" },
    });
    const unkeyed = await createMoment({ name: "Per account" });
    expect((await setStatus(keyed.id, "running")).status).toBe(200);
    expect((await setStatus(unkeyed.id, "running")).status).toBe(200);
    const track = async (event: string, suffix: string, properties: Record<string, unknown> = {}) =>
      expect(
        (
          await api("POST", "/v1/events", {
            key: writeKey,
            body: {
              event,
              accountId: "acct_keyed",
              messageId: `msg-keyed-${suffix}-${Date.now()}`,
              properties,
              traits: { email: `keyed-${Date.now()}@example.com` },
            },
          })
        ).status,
      ).toBe(202);
    await track(keyed.start.event, "c1", { cart_id: "c1" });
    await track(keyed.start.event, "c2", { cart_id: "c2" });
    await track(unkeyed.start.event, "plain");
    const active = async (id: string) =>
      (await admin<{ items: unknown[] }>("GET", `/v1/admin/moments/${id}/accounts`)).body.items.length;
    await waitFor(async () => (await active(keyed.id)) === 2 && (await active(unkeyed.id)) === 1, {
      description: "two keyed runs and one unkeyed run in flight",
    });

    // Act
    const stopped = await raw("POST", `/v1/admin/moments/${keyed.id}/status`, {
      body: { status: "stopped" },
    });

    // Assess: both keyed runs ended as stopped (before the fix, the stop found neither and reported 0).
    expect(stopped.status).toBe(200);
    expect(stopped.headers.get("x-moments-runs-stopped")).toBe("2");
    expect(stopped.headers.get("x-moments-runs-remaining")).toBe("false");
    expect(await active(keyed.id)).toBe(0);
    const history = await admin<{ items: Array<{ status: string }> }>(
      "GET",
      `/v1/admin/moments/${keyed.id}/accounts?status=all`,
    );
    expect(history.body.items.map((a) => a.status)).toEqual(["stopped", "stopped"]);
    expect(await active(unkeyed.id)).toBe(1);

    // Archiving the unkeyed moment stops its run too: then no execution is left waiting.
    const archived = await raw("POST", `/v1/admin/moments/${unkeyed.id}/status`, {
      body: { status: "archived" },
    });
    expect(archived.headers.get("x-moments-runs-stopped")).toBe("1");
    await Promise.race([
      stack.idle(),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error("an execution was not aborted: it is still waiting")),
          10_000,
        ).unref(),
      ),
    ]);
  });
});
