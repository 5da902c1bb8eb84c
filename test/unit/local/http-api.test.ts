/**
 * The local HTTP API behaves like API Gateway's HTTP APIs with a Lambda proxy integration (payload
 * 2.0): the path is percent-decoded before routing, so an id containing "/", "?", "#" or "%" behaves
 * locally as it does on AWS, and a malformed escape is a 400; an answer without a statusCode is
 * inferred; Lambda's 6 MB payload quota applies before the gateway's own 10 MB.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHttpApi, startLocalHttpApi } from "../../../infra/local/http-api.js";
import { overRequestQuota } from "../../../infra/local/lambda-context.js";
import {
  LAMBDA_SYNC_REQUEST_MAX_BYTES,
  LAMBDA_SYNC_RESPONSE_MAX_BYTES,
} from "../../../shared/contracts/functions.js";
import type { RouteDefinition } from "../../../shared/contracts/routes.js";
import { waitFor } from "../../support/wait-for.js";

let api: LocalHttpApi;

beforeAll(async () => {
  const echo = async (event: APIGatewayProxyEventV2) => ({
    statusCode: 200,
    body: JSON.stringify({
      route: event.routeKey,
      params: event.pathParameters ?? {},
      cookies: event.cookies ?? null,
      cookieHeader: event.headers.cookie ?? null,
      time: event.requestContext.time,
      rawPath: event.rawPath,
      httpPath: event.requestContext.http.path,
    }),
  });
  // A function answering without a statusCode: the value the request names.
  const bare: Record<string, unknown> = {
    object: { message: "hi", n: 1 },
    string: "hello",
    number: 42,
    null: null,
    // A statusCode Lambda's JSON drops is no statusCode: the whole answer is the body.
    undefinedStatus: { statusCode: undefined, body: "x" },
    // Not a response the gateway can read, though it names a statusCode.
    objectBody: { statusCode: 200, body: { a: 1 } },
    textStatus: { statusCode: "200", body: "x" },
  };
  const answer = async (event: APIGatewayProxyEventV2) => {
    const kind = event.queryStringParameters?.kind ?? "";
    if (kind === "throwsTooLarge")
      // An SDK error of the function's own, named as Lambda's refusal: still a function error.
      throw Object.assign(new Error("Request is too large"), { name: "RequestEntityTooLargeException" });
    return bare[kind];
  };
  api = await startLocalHttpApi({
    routes: [
      { method: "GET", path: "/health", function: "health", auth: "none" },
      { method: "GET", path: "/v1/admin/moments/{id}", function: "admin", auth: "admin_key" },
      { method: "GET", path: "/v1/admin/moments/{id}/runs", function: "admin", auth: "admin_key" },
      { method: "POST", path: "/v1/t", function: "ingest", auth: "write_key" },
      { method: "OPTIONS", path: "/v1/t", function: "ingest", auth: "none" },
    ] as unknown as RouteDefinition[],
    handlers: { admin: echo, ingest: echo, inbox: echo, health: answer } as never,
    host: "127.0.0.1",
    port: 0,
    region: "us-east-1",
    accountId: "123456789012",
  });
});

afterAll(() => api.stop());

/** The route and path parameters the function saw (the whole event, for `event`). */
const get = async (path: string, { event = false } = {}) => {
  const response = await fetch(`${api.url}${path}`);
  const body = (await response.json()) as Record<string, unknown>;
  if (event || !("route" in body)) return { status: response.status, body };
  return { status: response.status, body: { route: body.route, params: body.params } };
};

describe("the event", () => {
  it("hands the cookies over as the cookies array, not as a Cookie header, as an HTTP API (payload 2.0) does", async () => {
    const response = await fetch(`${api.url}/v1/admin/moments/m1`, {
      headers: { cookie: "moments_session=abc; theme=dark;  other=x=y" },
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.cookies).toEqual(["moments_session=abc", "theme=dark", "other=x=y"]);
    expect(body.cookieHeader).toBeNull();
    const none = (await (await fetch(`${api.url}/v1/admin/moments/m1`)).json()) as Record<string, unknown>;
    expect(none.cookies).toBeNull();
  });

  it("writes requestContext.time in API Gateway's format", async () => {
    const body = (await get("/v1/admin/moments/m1", { event: true })).body;
    expect(body.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });
});

describe("path parameters", () => {
  it.each([
    { encoded: "a%3Fb", id: "a?b" },
    { encoded: "a%23b", id: "a#b" },
    { encoded: "a%25b", id: "a%b" },
    { encoded: "caf%C3%A9", id: "café" },
  ])("decodes $encoded to $id inside one segment", async ({ encoded, id }) => {
    expect(await get(`/v1/admin/moments/${encoded}`)).toEqual({
      status: 200,
      body: { route: "GET /v1/admin/moments/{id}", params: { id } },
    });
  });

  it("hands rawPath over percent-decoded, as the path parameters are (API Gateway's HTTP APIs decode the path)", async () => {
    const body = (await get("/v1/admin/moments/caf%C3%A9%20au%20lait%3F", { event: true })).body;
    expect(body).toMatchObject({
      params: { id: "café au lait?" },
      rawPath: "/v1/admin/moments/café au lait?",
      httpPath: "/v1/admin/moments/café au lait?",
    });
  });

  it("decodes %2F to a path separator before routing, as API Gateway does", async () => {
    expect((await get("/v1/admin/moments/a%2Fruns")).body).toEqual({
      route: "GET /v1/admin/moments/{id}/runs",
      params: { id: "a" },
    });
    expect((await get("/v1/admin/moments/a%2Fb%2Fc")).status).toBe(404);
  });

  it.each(["%", "%zz", "a%2", "%E9"])(
    "answers a malformed escape (%s) with a 400, not a 500",
    async (bad) => {
      expect(await get(`/v1/admin/moments/${bad}`)).toEqual({
        status: 400,
        body: { message: "Bad Request" },
      });
    },
  );
});

describe("trailing slashes", () => {
  it("routes a path with a trailing slash to the route without it, as API Gateway's HTTP APIs do", async () => {
    expect(await get("/v1/admin/moments/abc/")).toEqual({
      status: 200,
      body: { route: "GET /v1/admin/moments/{id}", params: { id: "abc" } },
    });
    expect((await get("/v1/admin/moments/abc/runs//")).body).toEqual({
      route: "GET /v1/admin/moments/{id}/runs",
      params: { id: "abc" },
    });
    expect((await get("/v1/admin/nothing/")).status).toBe(404);
  });
});

describe("an answer without a statusCode (payload 2.0 format inference)", () => {
  // "API Gateway makes the following assumptions if your Lambda function returns valid JSON and doesn't
  // return a statusCode: isBase64Encoded is false, statusCode is 200, content-type is application/json,
  // body is the function's response" (its table: a string is the body as it is, an object its JSON).
  it.each([
    { kind: "object", body: '{"message":"hi","n":1}' },
    { kind: "string", body: "hello" },
    { kind: "number", body: "42" },
    { kind: "null", body: "null" },
    { kind: "undefinedStatus", body: '{"body":"x"}' },
  ])(
    "is a 200, application/json, whose body is the $kind the function returned (a string as it is, the rest as JSON)",
    async ({ kind, body }) => {
      const response = await fetch(`${api.url}/health?kind=${kind}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.text()).toBe(body);
    },
  );
});

describe("a function error, or an answer the gateway cannot read", () => {
  it.each(["objectBody", "textStatus", "throwsTooLarge"])(
    "is a 500 Internal Server Error, never a hung request or another error's answer (%s)",
    async (kind) => {
      const response = await fetch(`${api.url}/health?kind=${kind}`, { signal: AbortSignal.timeout(10_000) });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: "Internal Server Error" });
    },
  );
});

describe("the request quota's measure", () => {
  // Lambda refuses a request that is not "smaller than 6291456 bytes": measured exactly at the edge,
  // with a body whose JSON escapes make it longer than its text (the measure's bounds disagree there).
  const event = (body: string) => ({ version: "2.0", rawPath: "/v1/t", body, isBase64Encoded: false });
  const sized = (bytes: number, unit: string, unitBytes: number) => {
    const base = Buffer.byteLength(JSON.stringify(event("")));
    const units = Math.floor((bytes - base) / unitBytes);
    const body = unit.repeat(units) + "x".repeat(bytes - base - units * unitBytes);
    expect(Buffer.byteLength(JSON.stringify(event(body)))).toBe(bytes);
    return event(body);
  };
  it.each([
    ["plain text", "x", 1],
    ["quotes (2 bytes each as JSON)", '"', 2],
    ["non-ASCII (2 bytes each in UTF-8)", "é", 2],
    ["control characters (6 bytes each as JSON)", "\u0001", 6],
  ])("refuses 6,291,456 bytes of event and takes one byte less: %s", (_, unit, unitBytes) => {
    expect(overRequestQuota(sized(LAMBDA_SYNC_REQUEST_MAX_BYTES - 1, unit, unitBytes))).toBe(false);
    expect(overRequestQuota(sized(LAMBDA_SYNC_REQUEST_MAX_BYTES, unit, unitBytes))).toBe(true);
  });
});

describe("Lambda's synchronous payload quota, in front of the gateway's own 10 MB", () => {
  let quota: LocalHttpApi;
  let invocations = 0;
  beforeAll(async () => {
    const accept = async () => {
      invocations += 1;
      return { statusCode: 202, body: "{}" };
    };
    // Answers a body of the size the request asks for.
    const sized = async (event: APIGatewayProxyEventV2) => ({
      statusCode: 200,
      body: "x".repeat(Number(event.queryStringParameters?.bytes)),
    });
    quota = await startLocalHttpApi({
      routes: [
        { method: "POST", path: "/v1/t", function: "ingest", auth: "write_key" },
        { method: "GET", path: "/health", function: "health", auth: "none" },
      ] as unknown as RouteDefinition[],
      handlers: { ingest: accept, health: sized } as never,
      host: "127.0.0.1",
      port: 0,
      region: "us-east-1",
      accountId: "123456789012",
    });
  });
  afterAll(() => quota.stop());

  const post = (body: RequestInit["body"], contentType: string) =>
    fetch(`${quota.url}/v1/t`, { method: "POST", body, headers: { "content-type": contentType } });

  it("answers 413 Request Entity Too Large, invoking nothing, when the event would pass 6 MB", async () => {
    invocations = 0;
    const response = await post("x".repeat(LAMBDA_SYNC_REQUEST_MAX_BYTES), "text/plain");
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: "Request Entity Too Large" });
    expect(invocations).toBe(0);
  });

  it("counts a binary body as the event carries it, base64-encoded (a third larger)", async () => {
    invocations = 0;
    // 4.5 MB: a text body of that size reaches the function; base64-encoded it is 6 MB
    const bytes = (LAMBDA_SYNC_REQUEST_MAX_BYTES / 4) * 3;
    expect((await post("x".repeat(bytes), "text/plain")).status).toBe(202);
    expect(invocations).toBe(1);
    const binary = await post(new Blob([new Uint8Array(bytes)]), "application/octet-stream");
    expect(binary.status).toBe(413);
    expect(invocations).toBe(1);
  });

  it("answers 500 Internal Server Error when the function's answer passes Lambda's response quota", async () => {
    const within = await fetch(`${quota.url}/health?bytes=${LAMBDA_SYNC_RESPONSE_MAX_BYTES - 1_000}`);
    expect(within.status).toBe(200);
    expect((await within.text()).length).toBe(LAMBDA_SYNC_RESPONSE_MAX_BYTES - 1_000);
    const over = await fetch(`${quota.url}/health?bytes=${LAMBDA_SYNC_RESPONSE_MAX_BYTES}`);
    expect(over.status).toBe(500);
    expect(await over.json()).toEqual({ message: "Internal Server Error" });
  });
});

describe("readiness", () => {
  it("answers 503 to everything, GET /health included, until the stack behind it is ready", async () => {
    let markReady: () => void = () => undefined;
    const health = { method: "GET", path: "/health", function: "health", auth: "none" };
    const ok = async () => ({ statusCode: 200, body: JSON.stringify({ ok: true }) });
    const early = await startLocalHttpApi({
      routes: [health] as unknown as RouteDefinition[],
      handlers: { admin: ok, ingest: ok, inbox: ok, health: ok } as never,
      host: "127.0.0.1",
      port: 0,
      region: "us-east-1",
      accountId: "123456789012",
      ready: new Promise<void>((resolve) => {
        markReady = resolve;
      }),
    });
    try {
      const before = await fetch(`${early.url}/health`);
      expect(before.status).toBe(503);
      expect(before.headers.get("retry-after")).toBe("1");
      markReady();
      await waitFor(async () => (await fetch(`${early.url}/health`)).status === 200, {
        description: "health once ready",
      });
    } finally {
      await early.stop();
    }
  });
});

describe("failNextResponse", () => {
  it("answers the next request to the path with the fault once, after its work; a CORS preflight leaves it armed", async () => {
    api.failNextResponse("/v1/t");
    // A browser's preflight goes first: it does no work whose answer could be lost.
    expect((await fetch(`${api.url}/v1/t`, { method: "OPTIONS" })).status).toBe(200);
    expect((await fetch(`${api.url}/v1/t`, { method: "POST", body: "{}" })).status).toBe(503);
    expect((await fetch(`${api.url}/v1/t`, { method: "POST", body: "{}" })).status).toBe(200);
  });
});
