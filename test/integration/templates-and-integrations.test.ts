/**
 * Email templates and integrations on the local stack, over HTTP only: template CRUD and preview;
 * integrations of every kind with write-only secrets; Slack channels listed through a local fake of
 * Slack's Web API; another workspace's ids answered 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../support/fake-slack.js";
import { type ApiResponse, apiClient } from "../support/local-api.js";
import { type SharedStack, sharedLocalStack } from "../support/shared-stack.js";

let stack: SharedStack;
let slack: FakeSlack;
let call: ReturnType<typeof apiClient>;
let keyB = "";
/** Every response body this file received, to prove no secret ever left the API. */
const bodies: string[] = [];

type Json = Record<string, unknown> & { id: string };

async function api<T = Json>(
  method: string,
  path: string,
  options: { key?: string; body?: unknown } = {},
): Promise<ApiResponse<T>> {
  const response = await call<T>(method, path, { key: stack.adminKey, ...options });
  bodies.push(JSON.stringify(response.body ?? ""));
  return response;
}

const BOT_TOKEN = "xoxb-100000000001-200000000002-goodTokenAAAA";
const BOT_TOKEN_2 = "xoxb-100000000001-200000000002-goodTokenBBBB";
const UNKNOWN_BOT_TOKEN = "xoxb-100000000001-200000000002-revokedTokenZ";
const WEBHOOK_URL = "https://hooks.slack.com/services/T00000001/B00000001/incomingHookSecret";
const ATTIO_TOKEN = "attio-access-token-0123456789abcdef-QQQQ";
const ATTIO_TOKEN_2 = "attio-access-token-0123456789abcdef-RRRR";
const SIGNING_SECRET = `whsec_${Buffer.alloc(32, 42).toString("base64")}`;
const userSecrets = [
  BOT_TOKEN,
  BOT_TOKEN_2,
  UNKNOWN_BOT_TOKEN,
  WEBHOOK_URL,
  ATTIO_TOKEN,
  ATTIO_TOKEN_2,
  SIGNING_SECRET,
];

const template = {
  name: "Welcome",
  from: '"Anna at Acme" <anna@mail.acme.com>',
  subject: "Welcome to {event.plan}, {first_name|there}",
  text: "Hi {first_name},\n\n{company} is set up.\n\nAnna",
  html: "<p>Hi {first_name}, {company} is set up.</p>",
};

beforeAll(async () => {
  // The process's shared stack and fake Slack (shared-stack.ts, pages of 2 channels), reset for this file.
  stack = await sharedLocalStack();
  slack = stack.slack;
  slack.addWorkspace(BOT_TOKEN, [
    { id: "C3", name: "sales", is_member: false },
    { id: "C1", name: "alerts", is_member: true },
    { id: "C5", name: "support", is_member: true, is_private: true },
    { id: "C2", name: "general", is_member: true },
    { id: "C4", name: "old-launch", is_member: true, is_archived: true },
  ]);
  call = apiClient(stack.apiUrl);
  // A second workspace, created by the operator.
  const tenant = await call<{ adminKey: string }>("POST", "/v1/admin/workspaces", {
    key: stack.operatorKey,
    body: { name: "Workspace B" },
  });
  expect(tenant.status, JSON.stringify(tenant.body)).toBe(201);
  keyB = tenant.body.adminKey;
});

afterAll(async () => {
  await stack?.stop();
});

describe("email templates", () => {
  it("creates, reads, lists, updates and deletes a template", async () => {
    const created = await api("POST", "/v1/admin/email-templates", { body: template });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(template);
    const id = created.body.id;

    expect(await api("GET", `/v1/admin/email-templates/${id}`)).toEqual({ status: 200, body: created.body });
    const list = await api<{ items: Json[] }>("GET", "/v1/admin/email-templates");
    expect(list.status).toBe(200);
    expect(list.body.items.map((t) => t.id)).toContain(id);

    const updated = await api("PATCH", `/v1/admin/email-templates/${id}`, {
      body: { subject: "Your {event.plan} workspace", html: null },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ subject: "Your {event.plan} workspace", text: template.text });
    expect(updated.body).not.toHaveProperty("html");

    const invalid = await api<{ error: { details: Array<{ path: string }> } }>(
      "PATCH",
      `/v1/admin/email-templates/${id}`,
      { body: { from: "not a sender" } },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d) => d.path)).toEqual(["from"]);

    expect(await api("DELETE", `/v1/admin/email-templates/${id}`)).toEqual({ status: 204, body: undefined });
    expect((await api("GET", `/v1/admin/email-templates/${id}`)).status).toBe(404);
    expect((await api("DELETE", `/v1/admin/email-templates/${id}`)).status).toBe(404);
  });

  it("pages the list with limit and an opaque cursor, refusing malformed ones", async () => {
    for (const name of ["Page 1", "Page 2", "Page 3"]) {
      expect((await api("POST", "/v1/admin/email-templates", { body: { ...template, name } })).status).toBe(
        201,
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api<{ items: Json[]; nextCursor?: string }>(
        "GET",
        `/v1/admin/email-templates?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);

    const badLimit = await api<{ error: { details: Array<{ path: string }> } }>(
      "GET",
      "/v1/admin/email-templates?limit=500",
    );
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.details[0]?.path).toBe("limit");
    const badCursor = await api<{ error: { details: Array<{ path: string }> } }>(
      "GET",
      "/v1/admin/email-templates?cursor=bm90LWEtY3Vyc29y",
    );
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0]?.path).toBe("cursor");
  });

  it("previews with sample data: HTML escaped, empty placeholders listed", async () => {
    const { body: created } = await api("POST", "/v1/admin/email-templates", { body: template });

    const preview = await api("POST", `/v1/admin/email-templates/${created.id}/preview`, {
      body: { traits: { company: "<script>alert(1)</script> & Co" }, event: { plan: "Pro" } },
    });

    expect(preview).toEqual({
      status: 200,
      body: {
        from: template.from,
        subject: "Welcome to Pro, there",
        text: "Hi ,\n\n<script>alert(1)</script> & Co is set up.\n\nAnna",
        html: "<p>Hi , &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co is set up.</p>",
        missing: ["first_name"],
      },
    });
  });

  it("previews with an account's stored traits, and 404s an account it has never heard of", async () => {
    const { body: created } = await api("POST", "/v1/admin/email-templates", { body: template });
    const { body: source } = await api<Json & { writeKey: string }>("POST", "/v1/admin/sources", {
      body: { name: "Preview app" },
    });
    const sent = await call("POST", "/v1/events", {
      key: source.writeKey,
      body: {
        event: "signed_up",
        accountId: "acct_preview",
        messageId: "msg-preview-1",
        traits: { first_name: "Ada", company: "Analytical Engines" },
      },
    });
    expect(sent.status).toBe(202);
    // Traits reach the profile through the bus and the match function.
    await stack.idle();

    const preview = await api("POST", `/v1/admin/email-templates/${created.id}/preview`, {
      body: { accountId: "acct_preview", event: { plan: "Team" } },
    });
    const unknown = await api("POST", `/v1/admin/email-templates/${created.id}/preview`, {
      body: { accountId: "acct_nobody" },
    });

    expect(preview.body).toMatchObject({ subject: "Welcome to Team, Ada", missing: [] });
    expect(preview.status).toBe(200);
    expect(unknown.status).toBe(404);
  });

  it("previews unsaved edits without saving them, and names an edit that a save would refuse", async () => {
    const { body: created } = await api("POST", "/v1/admin/email-templates", { body: template });

    const preview = await api("POST", `/v1/admin/email-templates/${created.id}/preview`, {
      body: {
        traits: { first_name: "Ada" },
        edits: { subject: "Draft subject for {first_name}", html: null },
      },
    });
    const bad = await api<{ error: { details: Array<{ path: string }> } }>(
      "POST",
      `/v1/admin/email-templates/${created.id}/preview`,
      { body: { edits: { subject: "" } } },
    );
    const stored = await api("GET", `/v1/admin/email-templates/${created.id}`);

    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ subject: "Draft subject for Ada" });
    expect(preview.body).not.toHaveProperty("html");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe("edits.subject");
    expect(stored.body).toMatchObject({ subject: template.subject, html: template.html });
  });

  it("refuses a malformed preview request with a 400", async () => {
    const { body: created } = await api("POST", "/v1/admin/email-templates", { body: template });

    const preview = await api("POST", `/v1/admin/email-templates/${created.id}/preview`, {
      body: { traits: "Ada" },
    });

    expect(preview.status).toBe(400);
  });

  it("refuses to delete a template a moment that is not archived sends, then allows it once the moment is gone", async () => {
    const { body: created } = await api("POST", "/v1/admin/email-templates", { body: template });
    const { body: source } = await api("POST", "/v1/admin/sources", { body: { name: "Web app" } });
    const moment = await api("POST", "/v1/admin/moments", {
      body: {
        name: "Welcome series",
        goal: "activate",
        sourceIds: [source.id],
        start: { event: "signed_up" },
        steps: [
          {
            id: "hello",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: created.id },
          },
        ],
      },
    });
    expect(moment.status, JSON.stringify(moment.body)).toBe(201);

    const refused = await api<{ error: { code: string; message: string } }>(
      "DELETE",
      `/v1/admin/email-templates/${created.id}`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Welcome series");

    expect((await api("DELETE", `/v1/admin/moments/${moment.body.id}`)).status).toBe(204);
    expect((await api("DELETE", `/v1/admin/email-templates/${created.id}`)).status).toBe(204);
  });
});

describe("integrations", () => {
  it("creates one of each kind, never echoing a secret it was given", async () => {
    const hook = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Alerts channel", webhookUrl: WEBHOOK_URL },
    });
    const bot = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Slack bot", botToken: BOT_TOKEN },
    });
    const attio = await api("POST", "/v1/admin/integrations", {
      body: { kind: "attio", name: "CRM", accessToken: ATTIO_TOKEN },
    });
    const webhook = await api("POST", "/v1/admin/integrations", {
      body: { kind: "webhook", name: "Signed hooks", signingSecret: SIGNING_SECRET },
    });

    expect([hook.status, bot.status, attio.status, webhook.status]).toEqual([201, 201, 201, 201]);
    expect(hook.body).toMatchObject({
      kind: "slack",
      webhookUrl: { set: true, last4: "cret" },
      botToken: { set: false },
    });
    expect(bot.body).toMatchObject({ webhookUrl: { set: false }, botToken: { set: true, last4: "AAAA" } });
    expect(attio.body).toMatchObject({ kind: "attio", accessToken: { set: true, last4: "QQQQ" } });
    expect(webhook.body).toMatchObject({
      kind: "webhook",
      signingSecret: { set: true, last4: SIGNING_SECRET.slice(-4) },
    });
    expect(webhook.body.signingSecret).not.toHaveProperty("value");

    const list = await api<{ items: Json[] }>("GET", "/v1/admin/integrations");
    expect(list.body.items.map((i) => i.id)).toEqual(
      expect.arrayContaining([hook.body.id, bot.body.id, attio.body.id, webhook.body.id]),
    );
    for (const { body } of [hook, bot, attio, webhook]) {
      expect((await api("GET", `/v1/admin/integrations/${body.id}`)).body).toEqual(body);
    }
  });

  it("generates a webhook signing secret when none is given, shown in the create response only", async () => {
    const created = await api<Json & { signingSecret: { set: boolean; last4: string; value?: string } }>(
      "POST",
      "/v1/admin/integrations",
      { body: { kind: "webhook", name: "Generated" } },
    );

    expect(created.status).toBe(201);
    const secret = created.body.signingSecret.value ?? "";
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64").length).toBeGreaterThanOrEqual(24);
    expect(created.body.signingSecret.last4).toBe(secret.slice(-4));

    const read = await api("GET", `/v1/admin/integrations/${created.body.id}`);
    const list = await api("GET", "/v1/admin/integrations");
    expect(JSON.stringify(read.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain(secret);
  });

  it("replaces a secret with PATCH: last4 changes, the old one is gone", async () => {
    const { body: created } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "attio", name: "CRM", accessToken: ATTIO_TOKEN },
    });

    const patched = await api("PATCH", `/v1/admin/integrations/${created.id}`, {
      body: { accessToken: ATTIO_TOKEN_2, name: "CRM (rotated)" },
    });

    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "CRM (rotated)", accessToken: { set: true, last4: "RRRR" } });
    expect((await api("GET", `/v1/admin/integrations/${created.id}`)).body).toEqual(patched.body);
  });

  it("refuses invalid integrations and patches with a 400", async () => {
    const cases: unknown[] = [
      { kind: "slack", name: "Both", webhookUrl: WEBHOOK_URL, botToken: BOT_TOKEN },
      { kind: "slack", name: "Elsewhere", webhookUrl: "https://attacker.example/services/T/B/xyz123456789" },
      { kind: "webhook", name: "Weak", signingSecret: "whsec_c2hvcnQ=" },
      { kind: "teams", name: "Unknown" },
    ];
    for (const body of cases) {
      expect((await api("POST", "/v1/admin/integrations", { body })).status, JSON.stringify(body)).toBe(400);
    }
    const { body: created } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "attio", name: "CRM", accessToken: ATTIO_TOKEN },
    });
    const patch = await api("PATCH", `/v1/admin/integrations/${created.id}`, { body: { kind: "slack" } });
    expect(patch.status).toBe(400);
  });

  it("deletes an integration no moment uses", async () => {
    const { body: created } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "attio", name: "Old CRM", accessToken: ATTIO_TOKEN },
    });

    expect((await api("DELETE", `/v1/admin/integrations/${created.id}`)).status).toBe(204);
    expect((await api("GET", `/v1/admin/integrations/${created.id}`)).status).toBe(404);
  });

  it("refuses to delete an integration a moment that is not archived uses", async () => {
    const { body: created } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Ops", botToken: BOT_TOKEN },
    });
    const { body: source } = await api("POST", "/v1/admin/sources", { body: { name: "Web app" } });
    const moment = await api("POST", "/v1/admin/moments", {
      body: {
        name: "Trial alerts",
        goal: "convert",
        sourceIds: [source.id],
        start: { event: "trial_started" },
        steps: [
          {
            id: "ping",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_slack", integrationId: created.id, channel: "C1", text: "New trial" },
          },
        ],
      },
    });
    expect(moment.status, JSON.stringify(moment.body)).toBe(201);

    const refused = await api<{ error: { message: string } }>(
      "DELETE",
      `/v1/admin/integrations/${created.id}`,
    );

    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Trial alerts");
  });
});

describe("Slack channels", () => {
  it("lists the bot's channels through every page of Slack's cursor, sorted by name", async () => {
    const { body: bot } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Slack bot", botToken: BOT_TOKEN },
    });
    slack.requests.length = 0;

    const channels = await api("GET", `/v1/admin/integrations/${bot.id}/slack/channels`);

    expect(channels).toEqual({
      status: 200,
      body: {
        items: [
          { id: "C1", name: "alerts", isMember: true },
          { id: "C2", name: "general", isMember: true },
          { id: "C3", name: "sales", isMember: false },
          { id: "C5", name: "support", isMember: true },
        ],
      },
    });
    // Four live channels at two a page.
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests.every((r) => r.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
  });

  it("waits out one rate limit from Slack", async () => {
    const { body: bot } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Slack bot", botToken: BOT_TOKEN },
    });
    slack.rateLimitNext(1, 0);

    const channels = await api<{ items: unknown[] }>(
      "GET",
      `/v1/admin/integrations/${bot.id}/slack/channels`,
    );

    expect(channels.status).toBe(200);
    expect(channels.body.items).toHaveLength(4);
  });

  it("answers 502 naming Slack's error for a token Slack refuses", async () => {
    const { body: bot } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Revoked bot", botToken: UNKNOWN_BOT_TOKEN },
    });

    const channels = await api("GET", `/v1/admin/integrations/${bot.id}/slack/channels`);

    expect(channels).toEqual({
      status: 502,
      body: { error: { code: "slack_error", message: "Slack said invalid_auth" } },
    });
  });

  it("answers 409 for an incoming-webhook integration: listing needs a bot token", async () => {
    const { body: hook } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Alerts channel", webhookUrl: WEBHOOK_URL },
    });
    slack.requests.length = 0;

    const channels = await api<{ error: { message: string } }>(
      "GET",
      `/v1/admin/integrations/${hook.id}/slack/channels`,
    );

    expect(channels.status).toBe(409);
    expect(channels.body.error.message).toMatch(/needs a bot token/i);
    expect(slack.requests).toHaveLength(0);
  });

  it("lists with the new token after a PATCH switches a webhook integration to a bot token", async () => {
    slack.addWorkspace(BOT_TOKEN_2, [{ id: "C9", name: "rotated", is_member: true }]);
    const { body: hook } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Switching", webhookUrl: WEBHOOK_URL },
    });

    const patched = await api("PATCH", `/v1/admin/integrations/${hook.id}`, {
      body: { botToken: BOT_TOKEN_2 },
    });
    const channels = await api("GET", `/v1/admin/integrations/${hook.id}/slack/channels`);

    expect(patched.body).toMatchObject({
      webhookUrl: { set: false },
      botToken: { set: true, last4: "BBBB" },
    });
    expect(channels.body).toEqual({ items: [{ id: "C9", name: "rotated", isMember: true }] });
  });
});

describe("another workspace", () => {
  it("gets 404 for this workspace's templates and integrations, and sees none of them", async () => {
    const { body: tpl } = await api("POST", "/v1/admin/email-templates", { body: template });
    const { body: integration } = await api("POST", "/v1/admin/integrations", {
      body: { kind: "slack", name: "Slack bot", botToken: BOT_TOKEN },
    });
    const asB = { key: keyB };
    slack.requests.length = 0;

    const attempts = [
      await api("GET", `/v1/admin/email-templates/${tpl.id}`, asB),
      await api("PATCH", `/v1/admin/email-templates/${tpl.id}`, { ...asB, body: { name: "taken over" } }),
      await api("POST", `/v1/admin/email-templates/${tpl.id}/preview`, { ...asB, body: {} }),
      await api("DELETE", `/v1/admin/email-templates/${tpl.id}`, asB),
      await api("GET", `/v1/admin/integrations/${integration.id}`, asB),
      await api("PATCH", `/v1/admin/integrations/${integration.id}`, {
        ...asB,
        body: { name: "taken over" },
      }),
      await api("GET", `/v1/admin/integrations/${integration.id}/slack/channels`, asB),
      await api("DELETE", `/v1/admin/integrations/${integration.id}`, asB),
    ];

    expect(attempts.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404]);
    expect(slack.requests).toHaveLength(0);
    expect((await api<{ items: unknown[] }>("GET", "/v1/admin/email-templates", asB)).body.items).toEqual([]);
    expect((await api<{ items: unknown[] }>("GET", "/v1/admin/integrations", asB)).body.items).toEqual([]);
    // Untouched for their owner.
    expect((await api("GET", `/v1/admin/email-templates/${tpl.id}`)).body).toEqual(tpl);
    expect((await api("GET", `/v1/admin/integrations/${integration.id}`)).body).toEqual(integration);
  });

  it("cannot continue this workspace's listing with its cursor", async () => {
    const page = await api<{ nextCursor?: string }>("GET", "/v1/admin/email-templates?limit=1");
    expect(page.body.nextCursor).toBeTruthy();

    const stolen = await api("GET", `/v1/admin/email-templates?limit=1&cursor=${page.body.nextCursor}`, {
      key: keyB,
    });

    expect(stolen.status).toBe(400);
  });
});

describe("secrets", () => {
  // Runs last (vitest runs a file's tests in order): every response of this file is in `bodies`.
  it("never appear in any response body", () => {
    expect(bodies.length).toBeGreaterThan(40);
    for (const secret of userSecrets) {
      const leaks = bodies.filter((body) => body.includes(secret));
      expect(leaks, `secret ending ${secret.slice(-4)}`).toEqual([]);
    }
  });
});
