/**
 * HttpSlackClient against the local fake of Slack (test/support/fake-slack.ts): real HTTP on
 * localhost, with waits injected so Retry-After costs no time. Channel listings answer the config
 * API (UpstreamErrors); posts and lookups answer the send_slack action (delivery errors: transient
 * when Slack cannot have acted, permanent when it refused or may have acted without answering).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HttpSlackClient, type SlackClientOptions } from "../../../shared/adapters/slack-client.js";
import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../../../shared/domain/delivery-errors.js";
import { UpstreamError } from "../../../shared/domain/upstream-error.js";
import { type FakeSlack, type FakeSlackChannel, startFakeSlack } from "../../support/fake-slack.js";

const TOKEN = "xoxb-1111-2222-abcdefghijkl";
const POST_TOKEN = "xoxb-3333-4444-postingToken";
const NO_EMAIL_SCOPE_TOKEN = "xoxb-3333-4444-withoutEmailScope";
const HOOK_PATH = "/services/T0001/B0001/hookSecretXYZ";
const HOOK_URL = `https://hooks.slack.com${HOOK_PATH}`;
const ARCHIVED_HOOK_PATH = "/services/T0001/B0002/archivedSecret";
let slack: FakeSlack;
let waits: number[];

const channels = (n: number): FakeSlackChannel[] =>
  Array.from({ length: n }, (_, i) => ({ id: `C${i}`, name: `channel-${i}`, is_member: i % 2 === 0 }));

const client = (options: Partial<SlackClientOptions> = {}) =>
  new HttpSlackClient({
    baseUrl: slack.baseUrl,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });

beforeAll(async () => {
  slack = await startFakeSlack({ pageSize: 2 });
  slack.addWorkspace(TOKEN, [
    ...channels(5),
    { id: "CP", name: "private", is_member: true, is_private: true },
    { id: "CA", name: "old", is_member: true, is_archived: true },
  ]);
  slack.addWorkspace(
    POST_TOKEN,
    [
      { id: "C100", name: "cs-alerts", is_member: true },
      { id: "C200", name: "sales", is_member: false },
      { id: "C300", name: "old-launch", is_member: true, is_archived: true },
    ],
    { users: [{ id: "U0ADA", email: "ada@acme.com" }] },
  );
  slack.addWorkspace(NO_EMAIL_SCOPE_TOKEN, [], { scopes: ["chat:write", "users:read"] });
  slack.addWebhook(HOOK_PATH, { id: "C100", name: "cs-alerts", is_member: true });
  slack.addWebhook(ARCHIVED_HOOK_PATH, {
    id: "C300",
    name: "old-launch",
    is_member: true,
    is_archived: true,
  });
});

afterAll(async () => {
  await slack.stop();
});

beforeEach(() => {
  waits = [];
  slack.reset();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("HttpSlackClient.listChannels", () => {
  it("follows next_cursor through every page, with the token only in the Authorization header", async () => {
    const result = await client().listChannels(TOKEN);

    expect(result.truncated).toBe(false);
    expect(result.channels).toHaveLength(6);
    expect(result.channels).toContainEqual({ id: "CP", name: "private", isMember: true });
    expect(result.channels).toContainEqual({ id: "C1", name: "channel-1", isMember: false });
    expect(result.channels.map((c) => c.id)).not.toContain("CA");
    expect(slack.requests).toHaveLength(3);
    for (const request of slack.requests) {
      expect(request.path).toBe("/api/conversations.list");
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.query).toMatchObject({
        types: "public_channel,private_channel",
        limit: "200",
        exclude_archived: "true",
      });
      expect(JSON.stringify(request.query)).not.toContain(TOKEN);
    }
    expect(slack.requests[0]?.query.cursor).toBeUndefined();
    expect(slack.requests[1]?.query.cursor).toBeTruthy();
  });

  it("stops at the page cap and says the list was cut short", async () => {
    const result = await client({ maxPages: 2 }).listChannels(TOKEN);

    expect(result).toMatchObject({ truncated: true });
    expect(result.channels).toHaveLength(4);
    expect(slack.requests).toHaveLength(2);
  });

  it("stops early once its time budget is spent", async () => {
    let now = 0;
    const result = await client({ budgetMs: 1000, now: () => (now += 600) }).listChannels(TOKEN);

    expect(result.truncated).toBe(true);
    expect(slack.requests.length).toBeLessThan(3);
  });

  it("maps ok:false to an UpstreamError naming Slack's error", async () => {
    const attempt = client().listChannels("xoxb-not-a-known-token");

    await expect(attempt).rejects.toThrow(UpstreamError);
    await expect(attempt).rejects.toMatchObject({
      statusCode: 502,
      code: "slack_error",
      message: "Slack said invalid_auth",
    });
  });

  it("waits out one 429 for its Retry-After, then carries on", async () => {
    slack.rateLimitNext(1, 2);

    const result = await client().listChannels(TOKEN);

    expect(waits).toEqual([2000]);
    expect(result.channels).toHaveLength(6);
  });

  it("gives up on a second 429 in a row, saying when to retry", async () => {
    slack.rateLimitNext(2, 1);

    await expect(client().listChannels(TOKEN)).rejects.toMatchObject({
      statusCode: 502,
      code: "slack_rate_limited",
      message: expect.stringContaining("retry in 1 s"),
    });
    expect(waits).toEqual([1000]);
  });

  it("does not wait longer than it can afford", async () => {
    slack.rateLimitNext(1, 30);

    await expect(client({ maxRetryAfterMs: 3000 }).listChannels(TOKEN)).rejects.toMatchObject({
      code: "slack_rate_limited",
      message: expect.stringContaining("retry in 30 s"),
    });
    expect(waits).toEqual([]);
  });

  it("reports an unreachable Slack as an UpstreamError without the token", async () => {
    const attempt = new HttpSlackClient({ baseUrl: "http://127.0.0.1:1/api" }).listChannels(TOKEN);

    await expect(attempt).rejects.toMatchObject({ statusCode: 502, code: "slack_unavailable" });
    await expect(attempt).rejects.not.toThrow(TOKEN);
  });

  it("reports a timeout", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    });

    await expect(client().listChannels(TOKEN)).rejects.toThrow("Slack timed out (conversations.list)");
  });

  it.each([
    ["an HTTP error", new Response("oops", { status: 503 }), "Slack answered HTTP 503 to conversations.list"],
    ["a body that is not JSON", new Response("<html>", { status: 200 }), "not JSON"],
    ["ok:false without an error", Response.json({ ok: false }), "Slack said unknown_error"],
  ])("reports %s as an UpstreamError", async (_label, response, message) => {
    vi.stubGlobal("fetch", async () => response);

    await expect(client().listChannels(TOKEN)).rejects.toThrow(message);
  });
});

/** What an attempt threw, for assertions on its class and message together. */
async function failure(attempt: Promise<unknown>): Promise<Error> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error("expected the call to fail");
}

const poster = (options: Partial<SlackClientOptions> = {}) =>
  client({ webhookBaseUrl: slack.webhookBaseUrl, maxRetryAfterMs: 5_000, ...options });

describe("HttpSlackClient.postMessage", () => {
  it("posts JSON to chat.postMessage with the bot token and answers the channel and ts", async () => {
    const posted = await poster().postMessage(POST_TOKEN, { channel: "cs-alerts", text: "Hi <@U0ADA> & co" });

    expect(posted).toEqual({ channel: "C100", ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(slack.requests).toEqual([
      {
        method: "POST",
        path: "/api/chat.postMessage",
        query: {},
        authorization: `Bearer ${POST_TOKEN}`,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({ channel: "cs-alerts", text: "Hi <@U0ADA> & co" }),
      },
    ]);
    expect(slack.messages).toEqual([
      { via: "bot_token", channel: "C100", text: "Hi <@U0ADA> & co", ts: posted.ts },
    ]);
  });

  it.each([
    ["an unknown channel", POST_TOKEN, "C-gone", "slack: channel_not_found"],
    ["a channel the bot is not in", POST_TOKEN, "C200", "slack: not_in_channel"],
    ["an archived channel", POST_TOKEN, "C300", "slack: is_archived"],
    ["a revoked token", "xoxb-revoked-0000", "C100", "slack: invalid_auth"],
  ])("fails for good on %s, naming Slack's error", async (_label, token, channel, reason) => {
    const error = await failure(poster().postMessage(token, { channel, text: "hello" }));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(reason);
    expect(error.message).not.toContain(token);
  });

  it.each(["account_inactive", "token_revoked", "missing_scope", "msg_too_long", "some_future_error"])(
    "fails for good on ok:false %s",
    async (code) => {
      slack.failNext(1, { status: 200, body: { ok: false, error: code } });

      const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe(`slack: ${code}`);
    },
  );

  it.each(["ratelimited", "service_unavailable", "team_added_to_org", "request_timeout"])(
    "retries later on ok:false %s (Slack did not act)",
    async (code) => {
      slack.failNext(1, { status: 200, body: { ok: false, error: code } });

      const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

      expect(error).toBeInstanceOf(TransientDeliveryError);
      expect(error.message).toContain(code);
    },
  );

  it.each(["internal_error", "fatal_error"])(
    "does not retry ok:false %s, which Slack says may have posted anyway",
    async (code) => {
      slack.failNext(1, { status: 200, body: { ok: false, error: code } });

      const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe(
        `outcome_unknown: slack: ${code} (HTTP 200, chat.postMessage), which Slack says may have partly succeeded; not retried, so it is never sent twice`,
      );
    },
  );

  it.each([503, 408])("retries later on HTTP %i (Slack did not take the message)", async (status) => {
    slack.failNext(1, { status, body: "upstream trouble" });

    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe(`slack: HTTP ${status} (chat.postMessage)`);
    expect(slack.messages).toEqual([]);
  });

  it.each([500, 502, 504, 520, 524])(
    "records HTTP %i as outcome unknown, never retried: a gateway may answer it after Slack posted",
    async (status) => {
      slack.actThenFailNext(1, { status, body: "<html>Bad gateway</html>" }, "/api/chat.postMessage");

      const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe(
        `outcome_unknown: Slack answered HTTP ${status} to the chat.postMessage call, which may have posted the message; not retried, so it is never sent twice`,
      );
      // It was posted: retrying would have posted it twice.
      expect(slack.messages).toHaveLength(1);
    },
  );

  it("quotes Slack's error code in an outcome unknown, when a 5xx carries one", async () => {
    slack.actThenFailNext(1, { status: 502, body: { ok: false, error: "service_unavailable" } });

    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

    expect(error.message).toMatch(
      /^outcome_unknown: Slack answered HTTP 502 \(service_unavailable\) to the chat\.postMessage call,/,
    );
  });

  it.each([500, 503])(
    "records HTTP %i with ok:false internal_error as outcome unknown, whatever the status says",
    async (status) => {
      slack.actThenFailNext(1, { status, body: { ok: false, error: "internal_error" } });

      const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe(
        `outcome_unknown: slack: internal_error (HTTP ${status}, chat.postMessage), which Slack says may have partly succeeded; not retried, so it is never sent twice`,
      );
    },
  );

  it("fails for good on another HTTP error, and on an error code that is not an identifier", async () => {
    slack.failNext(1, { status: 404, body: "<html>not here</html>" });
    const notFound = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));
    expect(notFound).toBeInstanceOf(PermanentDeliveryError);
    expect(notFound.message).toBe("slack: HTTP 404 (chat.postMessage)");

    slack.failNext(1, { status: 200, body: { ok: false, error: "line\nbreak <script>" } });
    const odd = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));
    expect(odd.message).toBe("slack: unknown_error");
  });

  it("waits out one short Retry-After, then posts exactly once", async () => {
    slack.rateLimitNext(1, 2);

    await poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" });

    expect(waits).toEqual([2000]);
    expect(slack.requests).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
  });

  it("leaves a Retry-After longer than it may wait to the caller's backoff", async () => {
    slack.rateLimitNext(1, 30);

    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toContain("Retry-After 30 s");
    expect(waits).toEqual([]);
    expect(slack.messages).toEqual([]);
  });

  it("makes no second attempt when it may not wait, not even for Retry-After: 0", async () => {
    slack.rateLimitNext(1, 0);

    const error = await failure(
      poster({ maxRetryAfterMs: 0 }).postMessage(POST_TOKEN, { channel: "C100", text: "hello" }),
    );

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(slack.requests).toHaveLength(1);
  });

  it("gives up on a second 429 in a row", async () => {
    slack.rateLimitNext(2, 1);

    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(waits).toEqual([1000]);
  });

  it("records an unanswered post as outcome unknown, never to be retried", async () => {
    slack.stallNext(1, "/api/chat.postMessage");

    const error = await failure(
      poster({ postTimeoutMs: 300 }).postMessage(POST_TOKEN, { channel: "C100", text: "hello" }),
    );

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toMatch(
      /^outcome_unknown: no answer from Slack to the chat\.postMessage call \(timeout/,
    );
    // It was posted: retrying would have posted it twice.
    expect(slack.messages).toHaveLength(1);
  });

  it("records a 200 whose body is not Slack's JSON as outcome unknown", async () => {
    slack.failNext(1, { status: 200, body: "<html>proxy says hi</html>" });

    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toMatch(/^outcome_unknown: /);
  });

  it("retries later when Slack cannot be reached (nothing was sent), without the token", async () => {
    const error = await failure(
      new HttpSlackClient({ baseUrl: "http://127.0.0.1:1/api" }).postMessage(POST_TOKEN, {
        channel: "C100",
        text: "hello",
      }),
    );

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("slack: could not reach Slack for the chat.postMessage call (ECONNREFUSED)");
  });
});

describe("a marked post and HttpSlackClient.findMessage", () => {
  const marker = { runId: "run_1", stepId: "notify" };
  const since = () => new Date(Date.now() - 60_000);

  it("a marked post in doubt is ambiguous (to be looked up), and the history finds it by its metadata", async () => {
    // Other messages, ours (another step) and not, around it: paging (2 a page) and matching both count.
    await poster().postMessage(POST_TOKEN, {
      channel: "C100",
      text: "other",
      marker: { ...marker, stepId: "x" },
    });
    slack.actThenFailNext(1, { status: 502, body: "<html>Bad gateway</html>" }, "/api/chat.postMessage");
    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello", marker }));
    await poster().postMessage(POST_TOKEN, { channel: "C100", text: "later" });
    await poster().postMessage(POST_TOKEN, { channel: "C100", text: "later still" });

    expect(error).toBeInstanceOf(AmbiguousDeliveryError);
    expect(error.message).toBe(
      "Slack answered HTTP 502 to the chat.postMessage call, which may have posted the message",
    );
    expect(JSON.parse(slack.requests[1]?.body ?? "")).toMatchObject({
      metadata: { event_type: "moments_step", event_payload: marker },
    });
    const found = await poster().findMessage(POST_TOKEN, "C100", marker, since());
    expect(found).toEqual({ status: "found", channel: "C100", ts: slack.messages[1]?.ts });
    const reads = slack.requests.filter((r) => r.path === "/api/conversations.history");
    expect(reads.length).toBeGreaterThan(1);
    expect(reads[0]).toMatchObject({
      method: "GET",
      authorization: `Bearer ${POST_TOKEN}`,
      query: { channel: "C100", include_all_metadata: "true", inclusive: "true", limit: "200" },
    });
  });

  it("answers absent when the step's message is not in the history since the claim", async () => {
    await poster().postMessage(POST_TOKEN, {
      channel: "C100",
      text: "other",
      marker: { ...marker, stepId: "x" },
    });

    expect(await poster().findMessage(POST_TOKEN, "C100", marker, since())).toEqual({ status: "absent" });
    // A message before `oldest` is not looked at.
    await poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello", marker });
    const future = new Date(Date.now() + 120_000);
    expect(await poster().findMessage(POST_TOKEN, "C100", marker, future)).toEqual({ status: "absent" });
  });

  it("is unknown when Slack refuses the read (no channels:history scope), transient on a 5xx", async () => {
    slack.addWorkspace("xoxb-no-history", [{ id: "C9", name: "x", is_member: true }], {
      scopes: ["chat:write"],
    });
    expect(await poster().findMessage("xoxb-no-history", "C9", marker, since())).toEqual({
      status: "unknown",
      reason: "slack: missing_scope (conversations.history)",
    });
    slack.failNext(1, { status: 500, body: "oops" }, "/api/conversations.history");
    expect(await failure(poster().findMessage(POST_TOKEN, "C100", marker, since()))).toBeInstanceOf(
      TransientDeliveryError,
    );
  });

  it("an unmarked post (a test send) stays outcome_unknown", async () => {
    slack.actThenFailNext(1, { status: 502, body: "" }, "/api/chat.postMessage");
    const error = await failure(poster().postMessage(POST_TOKEN, { channel: "C100", text: "hello" }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
  });
});

describe("HttpSlackClient.lookupUserByEmail", () => {
  it("finds a member by email, the address in the query and the token in the header only", async () => {
    const found = await poster().lookupUserByEmail(POST_TOKEN, "Ada@Acme.com");

    expect(found).toEqual({ found: true, userId: "U0ADA" });
    expect(slack.requests).toEqual([
      expect.objectContaining({
        method: "GET",
        path: "/api/users.lookupByEmail",
        query: { email: "Ada@Acme.com" },
        authorization: `Bearer ${POST_TOKEN}`,
      }),
    ]);
  });

  it("answers users_not_found and refusals such as a missing scope as not found, with Slack's reason", async () => {
    expect(await poster().lookupUserByEmail(POST_TOKEN, "nobody@acme.com")).toEqual({
      found: false,
      error: "users_not_found",
    });
    expect(await poster().lookupUserByEmail(NO_EMAIL_SCOPE_TOKEN, "ada@acme.com")).toEqual({
      found: false,
      error: "missing_scope",
    });
  });

  it("refuses a member id that is not one (it would be written into the message)", async () => {
    slack.failNext(1, { status: 200, body: { ok: true, user: { id: "U1> <!channel" } } });

    expect(await poster().lookupUserByEmail(POST_TOKEN, "ada@acme.com")).toEqual({
      found: false,
      error: "invalid_user_id",
    });
  });

  it.each([
    ["HTTP 503", { status: 503, body: "down" }],
    ["HTTP 500", { status: 500, body: "oops" }],
    ["HTTP 502", { status: 502, body: "<html>Bad gateway</html>" }],
    ["HTTP 500 internal_error", { status: 500, body: { ok: false, error: "internal_error" } }],
    ["ok:false internal_error", { status: 200, body: { ok: false, error: "internal_error" } }],
    ["a body that is not JSON", { status: 200, body: "<html>" }],
  ])("retries later on %s (a lookup changes nothing)", async (_label, answer) => {
    slack.failNext(1, answer);

    await expect(poster().lookupUserByEmail(POST_TOKEN, "ada@acme.com")).rejects.toBeInstanceOf(
      TransientDeliveryError,
    );
  });

  it("retries later when the lookup gets no answer in time", async () => {
    slack.stallNext(1, "/api/users.lookupByEmail");

    const error = await failure(
      poster({ requestTimeoutMs: 200 }).lookupUserByEmail(POST_TOKEN, "ada@acme.com"),
    );

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toContain("timeout after 200 ms");
  });
});

describe("HttpSlackClient.postToWebhook", () => {
  it("posts JSON to the webhook's path on the configured base, and takes Slack's ok", async () => {
    await poster().postToWebhook(HOOK_URL, { text: "Renewal in 30 days" });

    expect(slack.requests).toEqual([
      {
        method: "POST",
        path: HOOK_PATH,
        query: {},
        authorization: undefined,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({ text: "Renewal in 30 days" }),
      },
    ]);
    expect(slack.messages).toEqual([
      expect.objectContaining({ via: "incoming_webhook", channel: "C100", text: "Renewal in 30 days" }),
    ]);
  });

  it("posts to the URL itself when no base is configured", async () => {
    await client().postToWebhook(`${slack.webhookBaseUrl}${HOOK_PATH}`, { text: "direct" });

    expect(slack.messages).toEqual([expect.objectContaining({ text: "direct" })]);
  });

  it("refuses a base that is not an absolute http(s) URL when built, not at send time", () => {
    expect(() => client({ webhookBaseUrl: "proxy.internal:8080" })).toThrow(/absolute http\(s\) URL/);
  });

  it("keeps a path prefix of the configured base (an egress proxy)", async () => {
    const error = await failure(
      poster({ webhookBaseUrl: `${slack.webhookBaseUrl}/egress/` }).postToWebhook(HOOK_URL, { text: "x" }),
    );

    expect(slack.requests[0]?.path).toBe(`/egress${HOOK_PATH}`);
    expect(error.message).toBe("slack: the incoming webhook answered HTTP 404");
  });

  it.each([
    [
      "an unknown webhook",
      "/services/T0001/B0001/revokedSecret",
      { text: "x" },
      "slack: no_service (HTTP 404)",
    ],
    ["an archived channel", ARCHIVED_HOOK_PATH, { text: "x" }, "slack: channel_is_archived (HTTP 410)"],
    ["an empty text", HOOK_PATH, { text: " " }, "slack: no_text (HTTP 400)"],
  ])("fails for good on %s, with Slack's text and never the URL", async (_label, path, message, reason) => {
    const error = await failure(poster().postToWebhook(`https://hooks.slack.com${path}`, message));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(reason);
    expect(error.message).not.toContain("Secret");
    expect(error.message).not.toContain("/services/");
  });

  it.each([
    [400, "invalid_payload"],
    [403, "action_prohibited"],
    [404, "channel_not_found"],
  ])("fails for good on HTTP %i %s", async (status, code) => {
    slack.failNext(1, { status, body: code });

    const error = await failure(poster().postToWebhook(HOOK_URL, { text: "x" }));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(`slack: ${code} (HTTP ${status})`);
  });

  it("does not quote an error page, which could echo the URL", async () => {
    slack.failNext(1, { status: 404, body: `<h1>Not found: ${HOOK_PATH}</h1>` });

    const error = await failure(poster().postToWebhook(HOOK_URL, { text: "x" }));

    expect(error.message).toBe("slack: the incoming webhook answered HTTP 404");
  });

  it("retries later on 503 and 408 and on a long Retry-After; waits out a short one", async () => {
    slack.failNext(1, { status: 503, body: "service_unavailable" });
    await expect(poster().postToWebhook(HOOK_URL, { text: "x" })).rejects.toThrow(
      new TransientDeliveryError("slack: HTTP 503 (incoming webhook)"),
    );
    slack.failNext(1, { status: 408, body: "" });
    await expect(poster().postToWebhook(HOOK_URL, { text: "x" })).rejects.toThrow(
      new TransientDeliveryError("slack: HTTP 408 (incoming webhook)"),
    );

    slack.rateLimitNext(1, 60);
    await expect(poster().postToWebhook(HOOK_URL, { text: "x" })).rejects.toBeInstanceOf(
      TransientDeliveryError,
    );
    expect(slack.messages).toEqual([]);

    slack.rateLimitNext(1, 1);
    await poster().postToWebhook(HOOK_URL, { text: "x" });
    expect(waits).toEqual([1000]);
    expect(slack.messages).toHaveLength(1);
  });

  it.each([500, 502, 504, 520, 524])(
    "records HTTP %i as outcome unknown, never retried, without the URL",
    async (status) => {
      slack.actThenFailNext(1, { status, body: `<h1>Upstream error for ${HOOK_PATH}</h1>` }, HOOK_PATH);

      const error = await failure(poster().postToWebhook(HOOK_URL, { text: "x" }));

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe(
        `outcome_unknown: Slack answered HTTP ${status} to the incoming webhook call, which may have posted the message; not retried, so it is never sent twice`,
      );
      expect(slack.messages).toHaveLength(1);
    },
  );

  it.each([500, 503])("records HTTP %i internal_error as outcome unknown", async (status) => {
    slack.actThenFailNext(1, { status, body: "internal_error" }, HOOK_PATH);

    const error = await failure(poster().postToWebhook(HOOK_URL, { text: "x" }));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(
      `outcome_unknown: slack: internal_error (HTTP ${status}, incoming webhook), which Slack says may have partly succeeded; not retried, so it is never sent twice`,
    );
  });

  it("records an unanswered webhook post as outcome unknown, without the URL", async () => {
    slack.stallNext(1, HOOK_PATH);

    const error = await failure(poster({ postTimeoutMs: 300 }).postToWebhook(HOOK_URL, { text: "x" }));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toMatch(/^outcome_unknown: no answer from Slack to the incoming webhook call/);
    expect(error.message).not.toContain("/services/");
    expect(slack.messages).toHaveLength(1);
  });

  it("records a 200 without Slack's ok as outcome unknown", async () => {
    slack.failNext(1, { status: 200, body: "accepted?" });

    const error = await failure(poster().postToWebhook(HOOK_URL, { text: "x" }));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toMatch(/^outcome_unknown: /);
  });
});
