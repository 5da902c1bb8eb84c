/**
 * The unsubscribe routes through the real HTTP wrapper (form bodies, HTML answers), with in-memory
 * keys and suppressions.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { signUnsubscribeToken } from "../../../shared/domain/unsubscribe.js";
import { formRoute, httpHandler, json } from "../../../shared/http/http-handler.js";
import { unsubscribeRoutes } from "../../../shared/http/unsubscribe-routes.js";
import type { Observability } from "../../../shared/observability.js";
import { FakeSuppressionList, FakeUnsubscribeKeys } from "../../support/fake-suppressions.js";
import { fixedClock } from "../../support/fakes.js";
import { httpApiEvent } from "../../support/http-api-event.js";

const context = { awsRequestId: "req-1", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const NOW = "2026-11-21T10:00:00.000Z";

function stubObservability() {
  const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn() };
  const metrics = { addMetric: vi.fn() };
  return { obs: { logger, metrics, tracer: {}, middlewares: () => [] } as unknown as Observability, logger };
}

function request(
  method: "GET" | "POST",
  query: Record<string, string>,
  options: { headers?: Record<string, string>; body?: string } = {},
) {
  return httpApiEvent(method, "/v1/unsubscribe", { ...options, query });
}

let keys: FakeUnsubscribeKeys;
let suppressions: FakeSuppressionList;
let handler: ReturnType<typeof httpHandler>;
let logger: ReturnType<typeof stubObservability>["logger"];
let token: string;

const call = (event: APIGatewayProxyEventV2) =>
  handler(event, context) as Promise<APIGatewayProxyStructuredResultV2 & { body: string }>;
const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const ONE_CLICK = { "content-type": "application/x-www-form-urlencoded" };

beforeEach(async () => {
  keys = new FakeUnsubscribeKeys();
  suppressions = new FakeSuppressionList();
  const stub = stubObservability();
  logger = stub.logger;
  handler = httpHandler(
    unsubscribeRoutes({ keys, suppressions, clock: fixedClock(NOW) }, stub.obs),
    stub.obs,
  );
  token = signUnsubscribeToken(
    { workspaceId: "ws_1", address: "ada@example.com", issuedAt: new Date("2026-01-01T00:00:00Z") },
    await keys.signingKey("ws_1"),
  );
});

describe("GET /v1/unsubscribe", () => {
  it("shows a browser a self-contained page with a one-button form, and unsubscribes nobody", async () => {
    const result = await call(request("GET", { token }, { headers: BROWSER }));

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": expect.stringContaining("default-src 'none'"),
      "referrer-policy": "no-referrer",
    });
    expect(result.body).toContain("a***@example.com");
    expect(result.body).not.toContain("ada@example.com");
    expect(result.body).toMatch(/<form method="post">[\s\S]*<button type="submit">Unsubscribe<\/button>/);
    // Nothing loaded from anywhere: no src, no external href, no script.
    expect(result.body).not.toMatch(/\bsrc=|<script|<link|https?:\/\//i);
    expect(suppressions.items.size).toBe(0);
  });

  it("tells a browser it is already unsubscribed, without a button", async () => {
    await suppressions.suppress("ws_1", {
      address: "ada@example.com",
      reason: "unsubscribed",
      suppressedAt: NOW,
    });

    const result = await call(request("GET", { token }, { headers: BROWSER }));

    expect(result.body).toContain("You are unsubscribed");
    expect(result.body).not.toContain("<form");
  });

  it("answers JSON to anything that does not ask for HTML (a link scanner), still changing nothing", async () => {
    const result = await call(request("GET", { token }, { headers: { accept: "*/*" } }));

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ address: "a***@example.com", unsubscribed: false });
    expect(suppressions.items.size).toBe(0);
  });

  it.each([
    ["a forged signature", () => `${token.split(".")[0]}.${"A".repeat(43)}`],
    [
      "another workspace's key",
      () =>
        signUnsubscribeToken(
          { workspaceId: "ws_2", address: "a@b.co", issuedAt: new Date() },
          { id: "k", secret: Buffer.alloc(32, 1) },
        ),
    ],
    ["garbage", () => "not-a-token"],
    ["no token", () => undefined],
  ])("answers 400 naming token for %s, and no more", async (_label, make) => {
    const value = make();
    const result = await call(request("GET", value === undefined ? {} : { token: value }));

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({
      error: {
        code: "invalid_request",
        message: "Invalid unsubscribe link",
        details: [{ path: "token", message: "is not a valid unsubscribe link" }],
      },
    });
  });

  it("answers a browser's bad link with a 400 HTML page", async () => {
    const result = await call(request("GET", { token: "nope" }, { headers: BROWSER }));

    expect(result.statusCode).toBe(400);
    expect(result.headers?.["content-type"]).toBe("text/html; charset=utf-8");
    expect(result.body).toContain("This unsubscribe link is not valid");
  });
});

describe("POST /v1/unsubscribe", () => {
  it("unsubscribes on a mail provider's one-click POST (form-encoded) and answers 200", async () => {
    const result = await call(
      request("POST", { token }, { headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" }),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ address: "a***@example.com", unsubscribed: true });
    expect([...suppressions.items.values()]).toEqual([
      { address: "ada@example.com", reason: "unsubscribed", suppressedAt: NOW },
    ]);
    expect(logger.info).toHaveBeenCalledWith("Unsubscribed", { workspaceId: "ws_1", changed: true });
    expect(JSON.stringify(logger.info.mock.calls)).not.toContain("ada@example.com");
  });

  it.each([
    ["an empty body", {}],
    [
      "a multipart body",
      { headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x\r\n\r\n--x--" },
    ],
    ["a text body", { headers: { "content-type": "text/plain" }, body: "List-Unsubscribe=One-Click" }],
  ])("unsubscribes on %s too (the token is what counts)", async (_label, options) => {
    const result = await call(request("POST", { token }, options));

    expect(result.statusCode).toBe(200);
    expect(suppressions.items.size).toBe(1);
  });

  it("is idempotent: a second POST answers the same and keeps the first record", async () => {
    await call(request("POST", { token }, { headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" }));
    const first = [...suppressions.items.values()];

    const again = await call(
      request("POST", { token }, { headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" }),
    );

    expect(again.statusCode).toBe(200);
    expect([...suppressions.items.values()]).toEqual(first);
    expect(logger.info).toHaveBeenLastCalledWith("Unsubscribed", { workspaceId: "ws_1", changed: false });
  });

  it("shows a browser's form POST a confirmation page", async () => {
    const result = await call(
      request(
        "POST",
        { token },
        { headers: { ...BROWSER, ...ONE_CLICK }, body: "List-Unsubscribe=One-Click" },
      ),
    );

    expect(result.statusCode).toBe(200);
    expect(result.headers?.["content-type"]).toBe("text/html; charset=utf-8");
    expect(result.body).toContain("You are unsubscribed");
  });

  it("suppresses nothing for a forged token", async () => {
    const forged = signUnsubscribeToken(
      { workspaceId: "ws_1", address: "eve@example.com", issuedAt: new Date() },
      { id: (await keys.signingKey("ws_1")).id, secret: Buffer.alloc(32, 7) },
    );

    const result = await call(request("POST", { token: forged }, { headers: ONE_CLICK, body: "" }));

    expect(result.statusCode).toBe(400);
    expect(suppressions.items.size).toBe(0);
  });

  it("keeps every other route JSON-only: a form body there is still 415", async () => {
    const { obs } = stubObservability();
    const jsonOnly = httpHandler(
      {
        "POST /v1/unsubscribe": async () => json(200, {}),
        "POST /v1/form": formRoute(async (r) => json(200, r.body)),
      },
      obs,
    );

    const refused = await jsonOnly(request("POST", {}, { headers: ONE_CLICK, body: "a=1" }), context);
    const formEvent = {
      ...request("POST", {}, { headers: ONE_CLICK, body: "a=1&b=two" }),
      routeKey: "POST /v1/form",
    };
    const accepted = await jsonOnly(formEvent, context);

    expect(refused.statusCode).toBe(415);
    expect(accepted.statusCode).toBe(200);
    expect(JSON.parse((accepted as { body: string }).body)).toEqual({ a: "1", b: "two" });
  });
});
