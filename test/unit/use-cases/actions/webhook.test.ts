import { beforeEach, describe, expect, it } from "vitest";
import type { Action } from "../../../../shared/domain/actions.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../../shared/domain/delivery-errors.js";
import { MissingValueError } from "../../../../shared/domain/render.js";
import { webhookMessageId } from "../../../../shared/domain/webhook-signature.js";
import { isPrepared, type PreparedAction } from "../../../../shared/use-cases/actions/action.js";
import {
  type HttpExchange,
  type OutgoingHttp,
  webhookPerformer,
} from "../../../../shared/use-cases/actions/webhook.js";
import { performAction, prepareAction } from "../../../support/actions.js";
import { verifyStandardWebhook } from "../../../support/fake-webhook-receiver.js";
import { aRun, FakeIntegrations, FakeProfiles, type FixedClock, fixedClock } from "../../../support/fakes.js";

type SendWebhook = Extract<Action, { type: "send_webhook" }>;

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Answers with scripted exchanges (204 when none is left); records each request as sent. */
class FakeHttp implements OutgoingHttp {
  readonly sent: Sent[] = [];
  readonly script: HttpExchange[] = [];
  async send(request: Parameters<OutgoingHttp["send"]>[0]): Promise<HttpExchange> {
    const body = request.body;
    this.sent.push({
      method: request.method,
      url: request.url.href,
      headers: {
        ...request.headers,
        ...request.targetHeaders?.({ method: request.method, body: body ?? "" }),
      },
      body,
    });
    return this.script.shift() ?? { kind: "response", status: 204, body: "", redirects: 0 };
  }
}

const response = (status: number, body = "", extra: Partial<HttpExchange> = {}): HttpExchange =>
  ({ kind: "response", status, body, redirects: 0, ...extra }) as HttpExchange;

let http: FakeHttp;
let profiles: FakeProfiles;
let integrations: FakeIntegrations;
let clock: FixedClock;
let sleeps: number[];
let secret: string;
let performer: ReturnType<typeof webhookPerformer>;

beforeEach(async () => {
  http = new FakeHttp();
  profiles = new FakeProfiles();
  integrations = new FakeIntegrations();
  integrations.add("ws_1", "int_hook", "webhook");
  integrations.add("ws_1", "int_slack", "slack");
  const stored = await integrations.getIntegration("ws_1", "int_hook");
  secret = stored?.kind === "webhook" ? stored.signingSecret : "";
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  sleeps = [];
  performer = webhookPerformer({
    integrations,
    http,
    now: () => clock.now(),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  await profiles.mergeTraits(
    "ws_1",
    "acct_1",
    { first_name: "Ada", company: 'Acme "Rockets"\nInc', plan: "pro", path: "a/../b?x=1#top" },
    "2026-11-20T00:00:00.000Z",
  );
});

const hook = (overrides: Partial<SendWebhook> = {}): SendWebhook => ({
  type: "send_webhook",
  method: "POST",
  url: "https://hooks.example.com/moments?plan={account.plan}",
  body: '{"name": "{first_name}", "company": "{company}"}',
  integrationId: "int_hook",
  ...overrides,
});

const deps = () => ({ profiles, clock });
const perform = (action: SendWebhook, stepId = "s1", options: { test?: boolean } = {}) =>
  performAction(performer, deps(), aRun(), action, stepId, options);

async function prepared(action: SendWebhook): Promise<PreparedAction> {
  const result = await prepareAction(performer, deps(), aRun(), action);
  if (!isPrepared(result)) throw new Error(`expected a prepared action, got ${JSON.stringify(result)}`);
  return result;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe("send_webhook: the request", () => {
  it("sends a signed JSON POST a Standard Webhooks receiver verifies, with the step's stable id", async () => {
    const outcome = await perform(hook());

    const webhookId = webhookMessageId("run_1:s1");
    expect(outcome).toEqual({ status: "executed", detail: { status: "204", webhookId } });
    expect(http.sent).toHaveLength(1);
    const [sent] = http.sent;
    expect(sent).toMatchObject({ method: "POST", url: "https://hooks.example.com/moments?plan=pro" });
    expect(sent?.headers).toMatchObject({
      "user-agent": "Moments-Webhooks/1",
      "content-type": "application/json",
      "webhook-id": webhookId,
      "webhook-timestamp": String(Date.parse("2026-11-21T10:00:00.000Z") / 1000),
    });
    expect(sent?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const nowSeconds = Date.parse("2026-11-21T10:00:00.000Z") / 1000;
    expect(verifyStandardWebhook(secret, sent?.headers ?? {}, sent?.body ?? "", nowSeconds)).toBe(true);
  });

  it("encodes values as JSON string content, so a quote or a line break cannot break the body", async () => {
    await perform(hook());
    expect(JSON.parse(http.sent[0]?.body ?? "")).toEqual({ name: "Ada", company: 'Acme "Rockets"\nInc' });
  });

  it("percent-encodes values in the URL, so they cannot change its path, query or host", async () => {
    await perform(hook({ url: "https://hooks.example.com/accounts/{path}?name={company}" }));
    const url = new URL(http.sent[0]?.url ?? "");
    expect(url.host).toBe("hooks.example.com");
    expect(url.pathname).toBe("/accounts/a%2F..%2Fb%3Fx%3D1%23top");
    expect(url.searchParams.get("name")).toBe('Acme "Rockets"\nInc');
    expect(url.hash).toBe("");

    await profiles.mergeTraits(
      "ws_1",
      "acct_1",
      { domain: "evil.example/@hooks.example.com" },
      "2026-11-20T00:00:00.000Z",
    );
    expect(await perform(hook({ url: "https://{domain}/in" }))).toEqual({
      status: "failed",
      reason: "invalid_url: the rendered URL is not a valid URL",
    });
    expect(http.sent).toHaveLength(1);
  });

  it("removes line breaks from header values and keeps the admin's headers", async () => {
    await perform(hook({ headers: { "X-Company": "{company}", Authorization: "Bearer abc123" } }));
    expect(http.sent[0]?.headers).toMatchObject({
      "X-Company": 'Acme "Rockets" Inc',
      Authorization: "Bearer abc123",
    });
  });

  it("signs and sends with a fresh timestamp on each attempt and the same webhook-id", async () => {
    await perform(hook());
    clock.advance(90_000);
    await perform(hook());
    const [first, second] = http.sent;
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(Number(second?.headers["webhook-timestamp"]) - Number(first?.headers["webhook-timestamp"])).toBe(
      90,
    );
    expect(second?.headers["webhook-signature"]).not.toBe(first?.headers["webhook-signature"]);
    // Another step of the run is another message.
    await perform(hook(), "s2");
    expect(http.sent[2]?.headers["webhook-id"]).not.toBe(first?.headers["webhook-id"]);
  });

  it("sends no signature without an integration, but still the id and timestamp", async () => {
    const { integrationId: _, ...unsigned } = hook();
    await perform(unsigned as SendWebhook);
    expect(http.sent[0]?.headers["webhook-signature"]).toBeUndefined();
    expect(http.sent[0]?.headers["webhook-id"]).toBe(webhookMessageId("run_1:s1"));
    expect(http.sent[0]?.headers["webhook-timestamp"]).toBeDefined();
  });

  it("sends a plain-text body as text/plain, and a body that renders to JSON as application/json", async () => {
    await perform(hook({ body: "Hello {first_name}" }));
    expect(http.sent[0]).toMatchObject({ body: "Hello Ada" });
    expect(http.sent[0]?.headers["content-type"]).toBe("text/plain; charset=utf-8");

    await profiles.mergeTraits("ws_1", "acct_1", { payload: { seats: 4 } }, "2026-11-20T00:00:00.000Z");
    await perform(hook({ body: "{payload}" }));
    expect(http.sent[1]).toMatchObject({ body: '{"seats":4}' });
    expect(http.sent[1]?.headers["content-type"]).toBe("application/json");
  });

  it("follows the admin's Content-Type: JSON escaping for +json, percent-encoding for a form", async () => {
    await perform(
      hook({
        body: "name={company}&plan={plan}",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(http.sent[0]?.body).toBe("name=Acme%20%22Rockets%22%0AInc&plan=pro");
    expect(http.sent[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");

    await perform(hook({ body: '"{company}"', headers: { "content-type": "application/vnd.acme+json" } }));
    expect(JSON.parse(http.sent[1]?.body ?? "")).toBe('Acme "Rockets"\nInc');
  });

  it("fails a JSON body that does not parse once rendered, before sending anything", async () => {
    expect(await perform(hook({ body: '{"seats": {seats}}' }))).toEqual({
      status: "failed",
      reason: "invalid_body: the rendered body is not valid JSON",
    });
    expect(http.sent).toEqual([]);
  });

  it("sends GET, HEAD and DELETE without a body, and fails a GET or HEAD that has one", async () => {
    for (const method of ["GET", "HEAD", "DELETE"] as const) {
      expect(await perform(hook({ method, body: undefined }))).toMatchObject({ status: "executed" });
    }
    expect(http.sent.map((s) => [s.method, s.body, s.headers["content-type"]])).toEqual([
      ["GET", undefined, undefined],
      ["HEAD", undefined, undefined],
      ["DELETE", undefined, undefined],
    ]);
    // The signature of a bodiless request covers the empty body.
    const nowSeconds = clock.now().getTime() / 1000;
    expect(verifyStandardWebhook(secret, http.sent[0]?.headers ?? {}, "", nowSeconds)).toBe(true);

    for (const method of ["GET", "HEAD"] as const) {
      expect(await perform(hook({ method }))).toEqual({
        status: "failed",
        reason: `body_not_allowed: a ${method} request carries no body`,
      });
    }
    expect(await perform(hook({ method: "DELETE" }))).toMatchObject({ status: "executed" });
    expect(await perform(hook({ method: "OPTIONS" }))).toMatchObject({ status: "executed" });
    expect(http.sent).toHaveLength(5);
  });

  it("refuses headers the sender owns: the signature headers, Host, Content-Length", async () => {
    for (const name of [
      "webhook-signature",
      "Webhook-Id",
      "webhook-timestamp",
      "Host",
      "Content-Length",
      "Transfer-Encoding",
    ]) {
      expect(await perform(hook({ headers: { [name]: "x" } }))).toEqual({
        status: "failed",
        reason: `reserved_header: "${name}" is set by Moments and cannot be overridden`,
      });
    }
    expect(http.sent).toEqual([]);
  });

  it("lets the admin set User-Agent and Accept, and fails a header value HTTP forbids", async () => {
    await perform(hook({ headers: { "User-Agent": "Acme/2", Accept: "application/json" } }));
    expect(http.sent[0]?.headers).toMatchObject({ "user-agent": "Acme/2", accept: "application/json" });
    expect(await perform(hook({ headers: { "X-Bell": "ding\u0007" } }))).toEqual({
      status: "failed",
      reason: 'invalid_header: the value of "X-Bell" has characters HTTP forbids',
    });
  });

  it("fails a URL whose placeholders side by side make a dot segment, before sending", async () => {
    await profiles.mergeTraits("ws_1", "acct_1", { a: ".", b: "." }, "2026-11-21T00:00:00.000Z");

    const outcome = await perform(hook({ url: "https://hooks.example.com/orgs/{a}{b}/admin" }));

    expect(outcome).toMatchObject({ status: "failed", reason: expect.stringMatching(/^unsafe_value: /) });
    expect(http.sent).toEqual([]);
  });

  it("fails a URL that carries credentials", async () => {
    expect(await perform(hook({ url: "https://user:pass@hooks.example.com/" }))).toEqual({
      status: "failed",
      reason: "invalid_url: credentials in the URL are not sent; use an Authorization header",
    });
    expect(http.sent).toEqual([]);
  });

  it("marks a test send", async () => {
    await perform(hook(), "s1", { test: true });
    expect(http.sent[0]?.headers["moments-test"]).toBe("true");
    await perform(hook());
    expect(http.sent[1]?.headers["moments-test"]).toBeUndefined();
  });

  it("fails when the integration is gone or of another kind", async () => {
    expect(await perform(hook({ integrationId: "int_gone" }))).toEqual({
      status: "failed",
      reason: 'integration_missing: integration "int_gone" no longer exists',
    });
    expect(await perform(hook({ integrationId: "int_slack" }))).toEqual({
      status: "failed",
      reason: 'integration_missing: integration "int_slack" is a slack integration, not a webhook one',
    });
    expect(http.sent).toEqual([]);
  });

  it("lets a missing value stop the step under onMissing, before any request", async () => {
    const action = hook({ url: "https://hooks.example.com/{account.region}" });
    await expect(
      prepareAction(performer, deps(), aRun(), action, "s1", { onMissing: "skip" }),
    ).rejects.toBeInstanceOf(MissingValueError);
    expect(http.sent).toEqual([]);
  });
});

describe("send_webhook: the preview", () => {
  it("shows the rendered request with no secret and no signature value", async () => {
    const { preview } = await prepared(
      hook({ headers: { Authorization: "Bearer abc123", "X-Plan": "{plan}" } }),
    );
    expect(preview).toEqual({
      method: "POST",
      url: "https://hooks.example.com/moments?plan=pro",
      headers: {
        Authorization: "(hidden)",
        "X-Plan": "pro",
        "user-agent": "Moments-Webhooks/1",
        "content-type": "application/json",
        "webhook-id": webhookMessageId("run_1:s1"),
        "webhook-timestamp": "(set at send time)",
        "webhook-signature": "(signed at send time)",
      },
      body: '{"name": "Ada", "company": "Acme \\"Rockets\\"\\nInc"}',
    });
    expect(JSON.stringify(preview)).not.toContain(secret.slice(6));
    expect(http.sent).toEqual([]);
  });
});

describe("send_webhook: outcomes", () => {
  it("records any 2xx as executed with its status", async () => {
    http.script.push(response(200), response(202, "queued"));
    expect(await perform(hook())).toMatchObject({ status: "executed", detail: { status: "200" } });
    expect(await perform(hook())).toMatchObject({ status: "executed", detail: { status: "202" } });
  });

  it("fails for good on a 4xx, with the receiver's text bounded and on one line", async () => {
    http.script.push(response(400, 'invalid payload:\r\n\u001b[31m"name" is required'));
    const error = await failure(perform(hook()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe('webhook: HTTP 400: invalid payload: [31m"name" is required');

    http.script.push(response(422, "x".repeat(5_000)), response(404));
    expect((await failure(perform(hook()))).message).toBe(`webhook: HTTP 422: ${"x".repeat(200)}…`);
    expect((await failure(perform(hook()))).message).toBe("webhook: HTTP 404");
  });

  it("redacts the step's credentials and any signature a receiver echoes into its error text", async () => {
    const apiKey = "sk_live_0123456789abcdef";
    http.script.push(
      response(
        401,
        JSON.stringify({
          error: "bad auth",
          echo: {
            authorization: `Bearer ${apiKey}`,
            "x-api-key": apiKey,
            "webhook-signature": "v1,LCZR/abc+def0123456789ABCDEFGH=",
          },
        }),
      ),
    );

    const error = await failure(
      perform(hook({ headers: { Authorization: `Bearer ${apiKey}`, "X-Api-Key": apiKey } })),
    );

    expect(error.message).not.toContain(apiKey);
    expect(error.message).not.toContain("LCZR");
    expect(error.message).toContain('"bad auth"');
    expect(error.message).toContain("[redacted]");
    expect(error.message).toContain("v1,[redacted]");
  });

  it("redacts header values whatever their names, the bare token of a Bearer value, and the URL's secret path", async () => {
    const token = "tok_9f8e7d6c5b4a";
    const functionsKey = "fk_0011223344556677";
    const hookPath = "h0oKs3cretP4th";
    http.script.push(
      response(404, `Cannot POST /hooks/${hookPath}: bad key ${token} and ${functionsKey}`),
      response(401, "x"),
    );

    const error = await failure(
      perform(
        hook({
          url: `https://hooks.example.com/hooks/${hookPath}`,
          headers: { Authorization: `Bearer ${token}`, "x-functions-key": functionsKey },
        }),
      ),
    );

    for (const secret of [token, functionsKey, hookPath]) expect(error.message).not.toContain(secret);
    expect(error.message).toMatch(
      /^webhook: HTTP 404: Cannot POST \/hooks\/\[redacted\]: bad key \[redacted\]/,
    );
  });

  it("hides key-like header values in the preview, whatever the vendor calls them", async () => {
    const prepared = await prepareAction(
      performer,
      deps(),
      aRun(),
      hook({
        headers: {
          "Ocp-Apim-Subscription-Key": "sub-key-123456",
          "X-Auth-Key": "auth-key-123456",
          "X-Event": "renewal",
        },
      }),
    );
    if (!isPrepared(prepared)) throw new Error("expected a prepared action");

    expect(prepared.preview.headers).toMatchObject({
      "Ocp-Apim-Subscription-Key": "(hidden)",
      "X-Auth-Key": "(hidden)",
      "X-Event": "renewal",
    });
  });

  it("retries 408, 5xx and network failures through the state machine (transient)", async () => {
    http.script.push(
      response(408, "timeout"),
      response(500, "boom"),
      response(503, "maintenance"),
      { kind: "failed", host: "hooks.example.com", reason: "connection reset (ECONNRESET)", retryable: true },
      { kind: "failed", host: "hooks.example.com", reason: "no response within 10 s", retryable: true },
    );
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) {
      const error = await failure(perform(hook()));
      expect(error).toBeInstanceOf(TransientDeliveryError);
      messages.push(error.message);
    }
    expect(messages).toEqual([
      "webhook: HTTP 408: timeout",
      "webhook: HTTP 500: boom",
      "webhook: HTTP 503: maintenance",
      "webhook: hooks.example.com: connection reset (ECONNRESET)",
      "webhook: hooks.example.com: no response within 10 s",
    ]);
  });

  it("fails for good when retrying cannot help: a rejected certificate", async () => {
    http.script.push({
      kind: "failed",
      host: "hooks.example.com",
      reason: "TLS certificate rejected (CERT_HAS_EXPIRED)",
      retryable: false,
    });
    const error = await failure(perform(hook()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe("webhook: hooks.example.com: TLS certificate rejected (CERT_HAS_EXPIRED)");
  });

  it("waits out a short 429 Retry-After once, inline, and sends again with the same id", async () => {
    http.script.push(response(429, "slow down", { retryAfter: "2" }));
    expect(await perform(hook())).toMatchObject({ status: "executed" });
    expect(sleeps).toEqual([2_000]);
    const [first, second] = http.sent;
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(Number(second?.headers["webhook-timestamp"]) - Number(first?.headers["webhook-timestamp"])).toBe(
      2,
    );
  });

  it("leaves a long or repeated 429 to the state machine's backoff", async () => {
    http.script.push(response(429, "", { retryAfter: "30" }));
    const long = await failure(perform(hook()));
    expect(long).toBeInstanceOf(TransientDeliveryError);
    expect(long.message).toBe("webhook: HTTP 429");
    expect(sleeps).toEqual([]);

    http.script.push(response(429, "", { retryAfter: "1" }), response(429, "", { retryAfter: "1" }));
    expect(await failure(perform(hook()))).toBeInstanceOf(TransientDeliveryError);
    expect(sleeps).toEqual([1_000]);
    // An HTTP date works too; no Retry-After at all is not waited for.
    http.script.push(
      response(429, "", { retryAfter: new Date(clock.now().getTime() + 3_000).toUTCString() }),
    );
    expect(await perform(hook())).toMatchObject({ status: "executed" });
    http.script.push(response(429));
    expect(await failure(perform(hook()))).toBeInstanceOf(TransientDeliveryError);
    expect(sleeps).toEqual([1_000, 3_000]);
  });

  it("fails for good on a 3xx it did not follow", async () => {
    http.script.push(
      response(302, "", { redirects: 3, unfollowed: "redirect_limit" }),
      response(301, "", { unfollowed: "bad_location" }),
      response(304),
    );
    const messages = [];
    for (let i = 0; i < 3; i++) {
      const error = await failure(perform(hook()));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      messages.push(error.message);
    }
    expect(messages).toEqual([
      "webhook: HTTP 302: too many redirects (3 followed)",
      "webhook: HTTP 301: redirect to a location that is not an http(s) URL",
      "webhook: HTTP 304",
    ]);
  });

  it("fails for good, without retrying, on an address the guard refused", async () => {
    http.script.push(
      { kind: "blocked", host: "hooks.example.com", address: "10.0.0.7", category: "private", redirects: 0 },
      {
        kind: "blocked",
        host: "169.254.169.254",
        address: "169.254.169.254",
        category: "metadata",
        redirects: 1,
      },
    );
    const first = await failure(perform(hook()));
    expect(first).toBeInstanceOf(PermanentDeliveryError);
    expect(first.message).toBe("blocked_address: hooks.example.com resolves to a private address (10.0.0.7)");
    expect((await failure(perform(hook()))).message).toBe(
      "blocked_address: 169.254.169.254 is a cloud metadata address (after 1 redirect)",
    );
    expect(http.sent).toHaveLength(2);
  });
});
