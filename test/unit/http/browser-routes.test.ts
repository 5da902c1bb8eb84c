/**
 * The routes a browser calls with a source's write key (ingestion, the in-app inbox), through the
 * real HTTP wrapper: the origin is checked before the route runs, whatever the route, since the
 * preflight admits every origin.
 */
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { browserRoutes } from "../../../shared/http/browser-routes.js";
import { httpHandler, json } from "../../../shared/http/http-handler.js";
import type { Observability } from "../../../shared/observability.js";
import type { WriteKeyOwner } from "../../../shared/ports/keys.js";
import { httpApiEvent } from "../../support/http-api-event.js";

const context = { awsRequestId: "req-1", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const WRITE_KEY = "wk_test";
const owner: WriteKeyOwner = { workspaceId: "ws", sourceId: "src", allowedDomains: ["app.acme.com"] };
const keys = {
  findWriteKey: async (hash: string) => (hash === hashApiKey(WRITE_KEY) ? owner : undefined),
};
const obs = {
  logger: { error: vi.fn(), warn: vi.fn(), info: vi.fn(), appendKeys: vi.fn() },
  metrics: { addMetric: vi.fn() },
  tracer: undefined,
  middlewares: () => [],
} as unknown as Observability;

const request = (headers: Record<string, string>, body = "{}") =>
  httpApiEvent("POST", "/v1/feedback", {
    headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json", ...headers },
    body,
  });

let accepted: () => void;
let handler: ReturnType<typeof httpHandler>;
const call = (headers: Record<string, string>, body?: string) =>
  handler(request(headers, body), context) as Promise<APIGatewayProxyStructuredResultV2 & { body: string }>;

beforeEach(() => {
  accepted = vi.fn<() => void>();
  const { browserRoute } = browserRoutes(keys, obs);
  handler = httpHandler(
    {
      "POST /v1/feedback": browserRoute(async () => {
        accepted();
        return json(201, { ok: true });
      }),
    },
    obs,
  );
});

describe("a browser route", () => {
  it("refuses an origin the source does not allow with 403 origin_not_allowed, before the route runs", async () => {
    const response = await call({ origin: "https://evil.example" });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "origin_not_allowed" } });
    expect(response.headers?.["access-control-allow-origin"]).toBeUndefined();
    expect(accepted).not.toHaveBeenCalled();
  });

  it("runs for an allowed origin, with its CORS headers", async () => {
    const response = await call({ origin: "https://app.acme.com" });
    expect(response.statusCode).toBe(201);
    expect(response.headers?.["access-control-allow-origin"]).toBe("https://app.acme.com");
    expect(accepted).toHaveBeenCalledOnce();
  });

  it("runs for a server (no Origin), without CORS headers", async () => {
    const response = await call({});
    expect(response.statusCode).toBe(201);
    expect(response.headers?.["access-control-allow-origin"]).toBeUndefined();
    expect(accepted).toHaveBeenCalledOnce();
  });

  it("checks the key before the origin: a wrong key is a 401 from any origin", async () => {
    const response = await call({ origin: "https://evil.example", authorization: "Bearer nope" });
    expect(response.statusCode).toBe(401);
    expect(accepted).not.toHaveBeenCalled();
  });

  it.each([
    ["malformed JSON", { "content-type": "application/json" }, "{", 400],
    ["an unsupported content type", { "content-type": "application/xml" }, "<a/>", 415],
    ["an unsupported encoding", { "content-encoding": "br" }, "x", 415],
    [
      "a body over 512 KB",
      { "content-type": "application/json" },
      JSON.stringify("x".repeat(600 * 1024)),
      413,
    ],
  ])(
    "answers an allowed page's body error (%s) with its CORS headers, so the page can read it",
    async (_, headers, body, status) => {
      const response = await call({ origin: "https://app.acme.com", ...headers }, body);
      expect(response.statusCode).toBe(status);
      expect(response.headers?.["access-control-allow-origin"]).toBe("https://app.acme.com");
      expect(accepted).not.toHaveBeenCalled();
    },
  );

  it("checks key and origin before the body: a refused page learns only that it is refused", async () => {
    const refused = await call({ origin: "https://evil.example" }, "{");
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.["access-control-allow-origin"]).toBeUndefined();
    expect(
      (await call({ origin: "https://app.acme.com", authorization: "Bearer nope" }, "{")).statusCode,
    ).toBe(401);
  });

  it("answers an unreadable body that carries no key in the headers as is: no source, so no CORS", async () => {
    const response = await handler(
      httpApiEvent("POST", "/v1/feedback", {
        headers: { origin: "https://app.acme.com", "content-type": "application/json" },
        body: '{"writeKey":',
      }),
      context,
    );
    expect(response).toMatchObject({ statusCode: 400 });
    expect(
      (response as APIGatewayProxyStructuredResultV2).headers?.["access-control-allow-origin"],
    ).toBeUndefined();
  });
});
