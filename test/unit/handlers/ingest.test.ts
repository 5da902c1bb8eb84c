import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { InternalServerError, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import {
  EventBridgeClient,
  InternalException as EventBridgeInternalException,
  PutEventsCommand,
} from "@aws-sdk/client-eventbridge";
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { RETRY_AFTER_SECONDS } from "../../../shared/domain/errors.js";
import { context, setHandlerEnv } from "./env.js";

const eventBridge = mockClient(EventBridgeClient);
const db = mockClient(DynamoDBDocumentClient);
let handler: (
  event: APIGatewayProxyEventV2,
  ctx: typeof context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const WRITE_KEY = "mk_write_handler-test-key";
/**
 * A key this container has never looked up. The handler's module (and its write key cache, which
 * trusts an answer for a few seconds) lives for the whole file, as in a Lambda container: a test of
 * what one lookup answers must not be served the answer of an earlier test's.
 */
let keys = 0;
const unseenKey = () => `mk_write_unseen-${++keys}`;

function post(
  body: unknown,
  headers: Record<string, string> = {},
  path = "/v1/events",
  writeKey = WRITE_KEY,
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/json", ...headers },
    requestContext: {} as APIGatewayProxyEventV2["requestContext"],
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const event = { event: "payment_failed", accountId: "acct_1", messageId: "msg-1" };
const bodies: Record<string, unknown> = {
  "/v1/events": event,
  "/v1/batch": { batch: [{ type: "track", ...event }] },
  "/v1/identify": { accountId: "acct_1", messageId: "idf-1", traits: { plan: "pro" } },
};

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import("../../../functions/ingest/handler.js"));
});

beforeEach(() => {
  eventBridge.reset();
  db.reset();
  db.on(GetCommand, { Key: { pk: `WRITEKEY#${hashApiKey(WRITE_KEY)}`, sk: "WRITEKEY" } }).resolves({
    Item: { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: ["app.acme.com"] },
  });
  // Identity links and the source's debugger.
  db.on(UpdateCommand).resolves({ Attributes: {} });
  db.on(BatchWriteCommand).resolves({});
});

describe("ingest handler", () => {
  it("answers 202 once the bus has taken the event", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });

    const response = await handler(post(event), context);

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? "")).toEqual({ messageId: "msg-1" });
    const [call] = eventBridge.commandCalls(PutEventsCommand);
    const entry = call?.args[0].input.Entries?.[0];
    expect(entry?.EventBusName).toBe("moments-test");
    expect(JSON.parse(entry?.Detail ?? "{}")).toMatchObject({
      workspaceId: "ws_1",
      sourceId: "src_1",
      messageId: "msg-1",
    });
  });

  it("reads a write key once for a container's consecutive requests (consistently, so a fresh key works)", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
    db.on(GetCommand).resolves({ Item: { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: [] } });
    const writeKey = unseenKey();

    for (let i = 0; i < 3; i++)
      expect((await handler(post(event, {}, "/v1/events", writeKey), context)).statusCode).toBe(202);

    const lookups = db.commandCalls(GetCommand);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.args[0].input).toMatchObject({
      Key: { pk: `WRITEKEY#${hashApiKey(writeKey)}` },
      ConsistentRead: true,
    });
  });

  it("retries an entry PutEvents reports as failed, then answers 202", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try again" }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });

    const response = await handler(post(event), context);

    expect(response.statusCode).toBe(202);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it("answers 503, never 2xx, when the bus keeps refusing the event", async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "slow down" }],
    });

    const response = await handler(post(event), context);

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ error: { code: "service_unavailable" } });
    expect(response.headers).toMatchObject({ "retry-after": String(RETRY_AFTER_SECONDS) });
    expect(eventBridge.commandCalls(PutEventsCommand).length).toBeGreaterThan(1);
  });

  it.each([
    ["throttled", () => new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} })],
    ["failing", () => new InternalServerError({ message: "internal failure", $metadata: {} })],
    ["unreachable", () => Object.assign(new Error("socket hang up at 10.0.0.1"), { code: "ECONNRESET" })],
  ])(
    "answers 503 (retry), never 500 or 401, when the write-key lookup is %s, and puts nothing on the bus",
    async (_, error) => {
      db.on(GetCommand).rejects(error());
      const writeKey = unseenKey();

      for (const path of ["/v1/events", "/v1/batch", "/v1/identify"]) {
        const response = await handler(post(bodies[path], {}, path, writeKey), context);

        expect(response.statusCode).toBe(503);
        const body = JSON.parse(response.body ?? "");
        expect(body).toEqual({
          error: {
            code: "service_unavailable",
            message: expect.stringContaining("retry the request with the same messageId"),
          },
        });
        expect(body.error.message).toContain("write key could not be checked");
        expect(response.body).not.toContain("10.0.0.1");
      }
      expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    },
  );

  it("answers 503 on every ingestion route when the bus put itself keeps failing", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(new EventBridgeInternalException({ message: "boom", $metadata: {} }));

    for (const path of ["/v1/events", "/v1/batch", "/v1/identify"]) {
      const response = await handler(post(bodies[path], {}, path), context);

      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body ?? "")).toEqual({
        error: {
          code: "service_unavailable",
          message: expect.stringMatching(/did not accept .*retry with the same messageId/),
        },
      });
    }
  });

  it("answers 401 for an unknown key without touching the bus", async () => {
    db.on(GetCommand).resolves({});

    const response = await handler(post(event, {}, "/v1/events", unseenKey()), context);

    expect(response.statusCode).toBe(401);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe("ingest handler, browser requests", () => {
  beforeEach(() => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
  });

  it("answers an allowed origin 202 with the CORS headers naming it", async () => {
    const response = await handler(post(event, { Origin: "https://app.acme.com" }), context);

    expect(response.statusCode).toBe(202);
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "https://app.acme.com",
      vary: "origin",
    });
  });

  it("lets an allowed page read a 503's Retry-After (exposed: it is not a CORS-safelisted header)", async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "slow down" }],
    });

    const response = await handler(post(event, { origin: "https://app.acme.com" }), context);

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "https://app.acme.com",
      "access-control-expose-headers": "retry-after",
      "retry-after": String(RETRY_AFTER_SECONDS),
    });
  });

  it("refuses another origin with 403 origin_not_allowed, no CORS header, and nothing on the bus", async () => {
    const response = await handler(post(event, { origin: "https://evil.com" }), context);

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ error: { code: "origin_not_allowed" } });
    expect(response.headers).not.toHaveProperty("access-control-allow-origin");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("lets an allowed page read why its event was refused", async () => {
    const response = await handler(post({ event: "" }, { origin: "https://app.acme.com" }), context);

    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({ "access-control-allow-origin": "https://app.acme.com" });
    expect(JSON.parse(response.body ?? "")).toMatchObject({
      error: {
        code: "invalid_request",
        details: expect.arrayContaining([expect.objectContaining({ path: "event" })]),
      },
    });
  });

  it.each(["/v1/events", "/v1/batch", "/v1/identify"])(
    "answers the preflight of %s for any web origin (it carries no key); the POST enforces the list",
    async (path) => {
      const response = await handler(
        {
          ...post(undefined, { origin: "https://elsewhere.example" }, path),
          routeKey: `OPTIONS ${path}`,
          body: undefined,
        },
        context,
      );

      expect(response.statusCode).toBe(204);
      expect(response.headers).toMatchObject({
        "access-control-allow-origin": "https://elsewhere.example",
        "access-control-allow-methods": "POST",
        "access-control-allow-headers":
          "authorization, content-type, content-encoding, x-retry-count, x-moments-user-token",
      });
    },
  );

  it("answers a preflight without a usable origin with no CORS header", async () => {
    const response = await handler(
      { ...post(undefined, { origin: "null" }, "/v1/batch"), routeKey: "OPTIONS /v1/batch", body: undefined },
      context,
    );

    expect(response.statusCode).toBe(204);
    expect(response.headers).not.toHaveProperty("access-control-allow-origin");
  });

  const batch = { batch: [{ type: "track", ...event }] };
  const identify = { accountId: "acct_1", messageId: "idf-1", traits: { plan: "pro" } };

  it.each([
    ["/v1/batch", batch],
    ["/v1/identify", identify],
  ])("answers an allowed origin on %s 202 with the CORS headers naming it", async (path, body) => {
    const response = await handler(post(body, { origin: "https://app.acme.com" }, path), context);

    expect(response.statusCode).toBe(202);
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "https://app.acme.com",
      vary: "origin",
    });
  });

  it.each([
    ["/v1/batch", batch],
    ["/v1/identify", identify],
  ])("refuses another origin on %s with 403, no CORS header, and nothing on the bus", async (path, body) => {
    const response = await handler(post(body, { origin: "https://evil.com" }, path), context);

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ error: { code: "origin_not_allowed" } });
    expect(response.headers).not.toHaveProperty("access-control-allow-origin");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("lets an allowed page read why its batch was refused (413 over 500 KB)", async () => {
    // Over 500 KB, under the 512 KB any request may have.
    const tooLarge = {
      batch: Array.from({ length: 19 }, () => ({
        type: "track",
        ...event,
        properties: { blob: "x".repeat(27 * 1024 - 500) },
      })),
    };

    const response = await handler(post(tooLarge, { origin: "https://app.acme.com" }, "/v1/batch"), context);

    expect(response.statusCode).toBe(413);
    expect(response.headers).toMatchObject({ "access-control-allow-origin": "https://app.acme.com" });
    expect(JSON.parse(response.body ?? "")).toMatchObject({
      error: { code: "payload_too_large", message: expect.stringContaining("at most 500 KB") },
    });
  });
});

describe("ingest handler, POST /v1/batch", () => {
  beforeEach(() => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
  });

  it("answers 202 with the accepted items' messageIds and the rejected items' errors, by index", async () => {
    const response = await handler(
      post(
        {
          batch: [
            { type: "track", ...event, messageId: "m0" },
            { type: "track", event: "payment_failed" },
            {
              type: "identify",
              accountId: "acct_1",
              messageId: "m2",
              userId: "u1",
              userTraits: { first_name: "Ada" },
            },
          ],
        },
        {},
        "/v1/batch",
      ),
      context,
    );

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? "")).toEqual({
      accepted: [
        { index: 0, messageId: "m0" },
        { index: 2, messageId: "m2" },
      ],
      rejected: [
        {
          index: 1,
          error: {
            code: "invalid_request",
            message: expect.any(String),
            details: [{ path: "accountId", message: expect.any(String) }],
          },
        },
      ],
    });
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual(["Event Received", "Identify Received"]);
  });

  it("puts 100 items in calls of at most 10 entries", async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ type: "track", ...event, messageId: `m${i}` }));

    const response = await handler(post({ batch: items }, {}, "/v1/batch"), context);

    expect(response.statusCode).toBe(202);
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(calls).toEqual(Array.from({ length: 10 }, () => 10));
  });

  it("answers 503 for the whole batch when one call's entry is still refused after retries", async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: Array<{ Detail?: string }> }) => {
      const refused = input.Entries.map((e) => (e.Detail ?? "").includes('"messageId":"m13"'));
      return {
        FailedEntryCount: refused.filter(Boolean).length,
        Entries: refused.map((r, i) =>
          r ? { ErrorCode: "InternalFailure", ErrorMessage: "try later" } : { EventId: `e${i}` },
        ),
      };
    });
    const items = Array.from({ length: 20 }, (_, i) => ({ type: "track", ...event, messageId: `m${i}` }));

    const response = await handler(post({ batch: items }, {}, "/v1/batch"), context);

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ error: { code: "service_unavailable" } });
  });

  it("answers 401 for an unknown key without touching the bus", async () => {
    db.on(GetCommand).resolves({});

    const response = await handler(
      post({ batch: [{ type: "track", ...event }] }, {}, "/v1/batch", unseenKey()),
      context,
    );

    expect(response.statusCode).toBe(401);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe("ingest handler, POST /v1/identify", () => {
  it("answers 202 { messageId } once the bus has taken an Identify Received entry", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });

    const response = await handler(
      post({ accountId: "acct_1", messageId: "idf-1", traits: { plan: "pro" } }, {}, "/v1/identify"),
      context,
    );

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? "")).toEqual({ messageId: "idf-1" });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe("Identify Received");
    expect(JSON.parse(entry?.Detail ?? "{}")).toMatchObject({ accountId: "acct_1", traits: { plan: "pro" } });
  });

  it("answers 400 naming the field for an invalid identify", async () => {
    const response = await handler(post({ traits: { plan: "pro" } }, {}, "/v1/identify"), context);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? "")).toMatchObject({
      error: { code: "invalid_request", details: [{ path: "accountId" }] },
    });
  });
});

describe("ingest handler, what the analytics SDKs send", () => {
  beforeEach(() => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
  });
  const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString("base64")}`;
  const segmentBatch = { batch: [{ type: "track", ...event }], sentAt: "2026-11-21T10:00:00.000Z" };

  it("takes the write key as Basic auth user name (Segment's and RudderStack's server libraries)", async () => {
    const response = await handler(post(segmentBatch, { authorization: basic }, "/v1/batch"), context);

    expect(response.statusCode).toBe(202);
  });

  it("takes the write key from a text/plain body without Authorization (analytics.js)", async () => {
    const request = post({ ...event, writeKey: WRITE_KEY }, { "content-type": "text/plain" }, "/v1/t");
    delete request.headers.authorization;

    const response = await handler({ ...request, routeKey: "POST /v1/t" }, context);

    expect(response.statusCode).toBe(202);
  });

  it("reads a gzip body that API Gateway hands over base64-encoded, under RudderStack's form content type", async () => {
    const request = post(
      undefined,
      {
        authorization: basic,
        "content-type": "application/x-www-form-urlencoded",
        "content-encoding": "gzip",
      },
      "/v1/batch",
    );

    const response = await handler(
      { ...request, body: gzipSync(JSON.stringify(segmentBatch)).toString("base64"), isBase64Encoded: true },
      context,
    );

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? "")).toEqual({
      accepted: [{ index: 0, messageId: "msg-1" }],
      rejected: [],
    });
  });

  it("refuses a decompression bomb with 413 before inflating it", async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 32));
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    const request = post(undefined, { "content-encoding": "gzip" }, "/v1/batch");

    const response = await handler(
      { ...request, body: bomb.toString("base64"), isBase64Encoded: true },
      context,
    );

    expect(response.statusCode).toBe(413);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it.each([
    ["zlib-wrapped, as the standard says", deflateSync],
    ["raw, with no zlib header, as some clients send it", deflateRawSync],
  ])("reads a deflate body %s", async (_, deflate) => {
    const request = post(undefined, { "content-encoding": "deflate" }, "/v1/batch");

    const response = await handler(
      { ...request, body: deflate(JSON.stringify(segmentBatch)).toString("base64"), isBase64Encoded: true },
      context,
    );

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? "").accepted).toEqual([{ index: 0, messageId: "msg-1" }]);
  });

  it("answers 400 naming the coding for a body that is not deflate in either form", async () => {
    const response = await handler(
      post(segmentBatch, { "content-encoding": "deflate" }, "/v1/batch"),
      context,
    );

    expect(response.statusCode).toBe(400);
    const { error } = JSON.parse(response.body ?? "");
    expect(error.message).toBe("The request body is not valid deflate");
    // Not a zlib stream (no header): read as raw deflate, whose own error is the one named.
    expect(error.details[0].message).not.toContain("incorrect header check");
  });

  it("names a truncated deflate body by its own error", async () => {
    const whole = deflateRawSync(JSON.stringify(segmentBatch));
    const request = post(undefined, { "content-encoding": "deflate" }, "/v1/batch");

    const response = await handler(
      { ...request, body: whole.subarray(0, whole.byteLength - 4).toString("base64"), isBase64Encoded: true },
      context,
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? "").error.details[0].message).toContain("unexpected end of file");
  });

  it("refuses a raw deflate bomb with 413 too", async () => {
    const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 32));
    const request = post(undefined, { "content-encoding": "deflate" }, "/v1/batch");

    const response = await handler(
      { ...request, body: bomb.toString("base64"), isBase64Encoded: true },
      context,
    );

    expect(response.statusCode).toBe(413);
  });

  it("answers 400 for a body that is not the gzip it claims to be", async () => {
    const response = await handler(post(segmentBatch, { "content-encoding": "gzip" }, "/v1/batch"), context);

    expect(response.statusCode).toBe(400);
  });

  it("still refuses a content type that is not JSON-ish on ingestion (415)", async () => {
    const response = await handler(post(event, { "content-type": "image/png" }), context);

    expect(response.statusCode).toBe(415);
  });
});
