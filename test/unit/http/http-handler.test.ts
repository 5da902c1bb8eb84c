import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_REQUEST_BYTES } from "../../../shared/contracts/routes.js";
import { ConflictError, ServiceUnavailableError, ValidationError } from "../../../shared/domain/errors.js";
import {
  type HttpRequest,
  httpHandler,
  json,
  jsonishRoute,
  nestingDepth,
  type RouteHandler,
} from "../../../shared/http/http-handler.js";
import type { Observability } from "../../../shared/observability.js";
import { httpApiEvent } from "../../support/http-api-event.js";

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "moments-test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:moments-test",
  memoryLimitInMB: "512",
  awsRequestId: "req-1",
  logGroupName: "/aws/lambda/moments-test",
  logStreamName: "test",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

function stubObservability() {
  const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn() };
  const metrics = { addMetric: vi.fn() };
  // Only what the wrapper touches; the Powertools classes are exercised in the last test.
  const obs = { logger, metrics, tracer: {}, middlewares: () => [] } as unknown as Observability;
  return { obs, logger, metrics };
}

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    ...httpApiEvent("POST", "/v1/things", { headers: { "content-type": "application/json" } }),
    ...overrides,
  };
}

let seen: HttpRequest | undefined;
const echo: RouteHandler = async (request) => {
  seen = request;
  return json(201, { received: request.body });
};

function parsed(result: { body?: string }) {
  return JSON.parse(result.body ?? "null") as { error: { code: string; message: string; details?: unknown } };
}

beforeEach(() => {
  seen = undefined;
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("httpHandler", () => {
  it("routes by route key and answers the route's JSON with no-store headers", async () => {
    // Prepare
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);

    // Act
    const result = await handler(event({ body: '{"name":"x"}' }), context);

    // Assess
    expect(result).toEqual({
      statusCode: 201,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      body: JSON.stringify({ received: { name: "x" } }),
    });
  });

  it("hands the route lower-cased headers, path parameters and query", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "GET /v1/things/{id}": echo }, obs);

    await handler(
      event({
        routeKey: "GET /v1/things/{id}",
        headers: { Authorization: "Bearer k", "X-Trace": "t" },
        pathParameters: { id: "m_1" },
        queryStringParameters: { limit: "5" },
      }),
      context,
    );

    expect(seen).toEqual({
      routeKey: "GET /v1/things/{id}",
      headers: { authorization: "Bearer k", "x-trace": "t" },
      path: { id: "m_1" },
      query: { limit: "5" },
      body: undefined,
    });
  });

  it("hands the route the cookies an HTTP API sends as the cookies array as one cookie header", async () => {
    // API Gateway (payload 2.0) takes the Cookie header out of `headers`: the console's session
    // cookie arrives only in `cookies`.
    const { obs } = stubObservability();
    const handler = httpHandler({ "GET /v1/things/{id}": echo }, obs);

    await handler(
      event({
        routeKey: "GET /v1/things/{id}",
        headers: { host: "api.example.com" },
        cookies: ["moments_session=abc", "theme=dark"],
        pathParameters: { id: "m_1" },
      }),
      context,
    );

    expect(seen?.headers).toEqual({ host: "api.example.com", cookie: "moments_session=abc; theme=dark" });
  });

  it("answers 404 in the error envelope for an unknown route", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);

    const result = await handler(event({ routeKey: "DELETE /v1/things" }), context);

    expect(result.statusCode).toBe(404);
    expect(parsed(result)).toEqual({ error: { code: "not_found", message: "No route DELETE /v1/things" } });
  });

  it("answers 400 for a body nested deeper than any the API defines, without calling the route", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;

    const result = await handler(
      event({ routeKey: "POST /v1/things", body: deep, headers: { "content-type": "application/json" } }),
      context,
    );

    expect(result.statusCode).toBe(400);
    expect(seen).toBeUndefined();
  });

  it.each([
    ['{"a":{"b":[1,2]}}', 3],
    ['{"q":"a \\" [ b","r":"{[{[ ]}]}"}', 1],
    ["[]", 1],
    ['"plain"', 0],
  ])("measures the nesting of %s as %i, ignoring brackets inside strings", (json, depth) => {
    expect(nestingDepth(json)).toBe(depth);
  });

  it("answers 404 for a path parameter longer than any id, without calling the route", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "GET /v1/things/{id}": echo }, obs);

    const result = await handler(
      event({ routeKey: "GET /v1/things/{id}", pathParameters: { id: "x".repeat(3_000) } }),
      context,
    );

    expect(result.statusCode).toBe(404);
    expect(seen).toBeUndefined();
  });

  it("answers 400 naming the body for malformed JSON, without calling the route", async () => {
    const { obs } = stubObservability();
    const route = vi.fn(echo);
    const handler = httpHandler({ "POST /v1/things": route }, obs);

    const result = await handler(event({ body: '{"name": ' }), context);

    expect(result.statusCode).toBe(400);
    expect(parsed(result).error).toMatchObject({
      code: "invalid_request",
      message: "The request body is not valid JSON",
      details: [{ path: "", message: expect.stringMatching(/^body is not valid JSON/) }],
    });
    expect(route).not.toHaveBeenCalled();
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "application/jsonp"])(
    "answers 415 for a body sent as %s",
    async (contentType) => {
      const { obs } = stubObservability();
      const handler = httpHandler({ "POST /v1/things": echo }, obs);

      const result = await handler(event({ headers: { "Content-Type": contentType }, body: "{}" }), context);

      expect(result.statusCode).toBe(415);
      expect(parsed(result).error.code).toBe("unsupported_media_type");
      expect(seen).toBeUndefined();
    },
  );

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "application/vnd.api+json",
  ])("accepts a body sent as %s", async (contentType) => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);

    const result = await handler(event({ headers: { "content-type": contentType }, body: "[1]" }), context);

    expect(result.statusCode).toBe(201);
  });

  it("parses a body sent without a content type as JSON", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);

    await handler(event({ headers: {}, body: '{"a":1}' }), context);

    expect(seen?.body).toEqual({ a: 1 });
  });

  it("answers 413 for a body over 512 KB and accepts one of exactly 512 KB", async () => {
    // Prepare
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);
    const atLimit = JSON.stringify("x".repeat(MAX_REQUEST_BYTES - 2));
    const overLimit = JSON.stringify("x".repeat(MAX_REQUEST_BYTES - 1));

    // Act
    const accepted = await handler(event({ body: atLimit }), context);
    const refused = await handler(event({ body: overLimit }), context);

    // Assess
    expect(Buffer.byteLength(atLimit)).toBe(MAX_REQUEST_BYTES);
    expect(accepted.statusCode).toBe(201);
    expect(refused.statusCode).toBe(413);
    expect(parsed(refused).error.code).toBe("payload_too_large");
  });

  it("answers an ingestion body over 512 KB with the batch's and the event's own limits", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": jsonishRoute(echo) }, obs);

    const refused = await handler(event({ body: JSON.stringify("x".repeat(MAX_REQUEST_BYTES)) }), context);

    expect(refused.statusCode).toBe(413);
    expect(parsed(refused).error.message).toBe(
      "This request is over 512 KB: a batch may be at most 500 KB (split it into several requests), an event 32 KB",
    );
  });

  it("decodes a base64 body", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);

    await handler(
      event({ isBase64Encoded: true, body: Buffer.from('{"name":"Zoë"}', "utf8").toString("base64") }),
      context,
    );

    expect(seen?.body).toEqual({ name: "Zoë" });
  });

  it("measures a base64 body by its decoded size", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler({ "POST /v1/things": echo }, obs);
    // About 400 KB of JSON: over 512 KB once base64-encoded, well under it decoded.
    const body = Buffer.from(JSON.stringify("x".repeat(400 * 1024))).toString("base64");
    expect(body.length).toBeGreaterThan(MAX_REQUEST_BYTES);

    const result = await handler(event({ isBase64Encoded: true, body }), context);

    expect(result.statusCode).toBe(201);
  });

  it("keeps a DomainError's status, code and details", async () => {
    const { obs } = stubObservability();
    const handler = httpHandler(
      {
        "POST /v1/things": async () => {
          throw new ValidationError([
            { path: "steps.0.action.templateId", message: 'no email template with id "t"' },
          ]);
        },
        "POST /v1/conflict": async () => {
          throw new ConflictError("A draft moment cannot become archived; allowed: running");
        },
      },
      obs,
    );

    const invalid = await handler(event({ body: "{}" }), context);
    const conflict = await handler(event({ routeKey: "POST /v1/conflict", body: "{}" }), context);

    expect(invalid.statusCode).toBe(400);
    expect(parsed(invalid).error).toEqual({
      code: "invalid_request",
      message: 'Invalid request: steps.0.action.templateId: no email template with id "t"',
      details: [{ path: "steps.0.action.templateId", message: 'no email template with id "t"' }],
    });
    expect(conflict.statusCode).toBe(409);
    expect(parsed(conflict)).toEqual({
      error: { code: "conflict", message: "A draft moment cannot become archived; allowed: running" },
    });
  });

  it("answers a 503 DomainError as such and logs it as a warning", async () => {
    const { obs, logger } = stubObservability();
    const handler = httpHandler(
      {
        "POST /v1/things": async () => {
          throw new ServiceUnavailableError("The event bus did not accept the event");
        },
      },
      obs,
    );

    const result = await handler(event({ body: "{}" }), context);

    expect(result.statusCode).toBe(503);
    expect(parsed(result).error.code).toBe("service_unavailable");
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it("answers an unexpected error with 500 'Internal error', leaking no message or stack", async () => {
    // Prepare
    const { obs, logger, metrics } = stubObservability();
    const secret = new Error("connect ECONNREFUSED 10.0.0.12:5432 password=hunter2");
    const handler = httpHandler(
      {
        "POST /v1/things": async () => {
          throw secret;
        },
      },
      obs,
    );

    // Act
    const result = await handler(event({ body: "{}" }), context);

    // Assess
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? "")).toEqual({
      error: { code: "internal_error", message: "Internal error" },
    });
    expect(result.body).not.toMatch(/hunter2|ECONNREFUSED|at .*\.ts/);
    expect(logger.error).toHaveBeenCalledWith("Unhandled error", secret);
    expect(metrics.addMetric).toHaveBeenCalledWith("UnhandledError", "Count", 1);
  });

  it("runs with the real Powertools middlewares", async () => {
    // Prepare
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
    vi.stubEnv("POWERTOOLS_TRACE_ENABLED", "false");
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
    const { createObservability } = await import("../../../shared/observability.js");
    const obs = createObservability("test");
    const logged = vi.spyOn(obs.logger, "error");
    const handler = httpHandler(
      {
        "POST /v1/things": echo,
        "POST /v1/boom": async () => {
          throw new Error("boom");
        },
      },
      obs,
    );

    // Act
    const ok = await handler(event({ body: '{"a":1}' }), context);
    const boom = await handler(event({ routeKey: "POST /v1/boom", body: "{}" }), context);

    // Assess
    expect(ok.statusCode).toBe(201);
    expect(boom.statusCode).toBe(500);
    expect(logged).toHaveBeenCalledTimes(1);
  });
});
