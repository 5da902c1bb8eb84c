import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { context, setHandlerEnv } from "./env.js";

const eventBridge = mockClient(EventBridgeClient);
const db = mockClient(DynamoDBDocumentClient);
let handler: (
  event: APIGatewayProxyEventV2,
  ctx: typeof context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const WRITE_KEY = "mk_write_handler-test-key";

function post(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "POST /v1/events",
    rawPath: "/v1/events",
    rawQueryString: "",
    headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json", ...headers },
    requestContext: {} as APIGatewayProxyEventV2["requestContext"],
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const event = { event: "payment_failed", accountId: "acct_1", messageId: "msg-1" };

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
    expect(eventBridge.commandCalls(PutEventsCommand).length).toBeGreaterThan(1);
  });

  it("answers 500 without leaking internals when the key store fails unexpectedly, and puts nothing on the bus", async () => {
    db.on(GetCommand).rejects(new Error("socket hang up at 10.0.0.1"));

    const response = await handler(post(event), context);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("10.0.0.1");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("answers 401 for an unknown key without touching the bus", async () => {
    db.on(GetCommand).resolves({});

    const response = await handler(post(event), context);

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

  it("answers the preflight for any web origin (it carries no key); the POST enforces the list", async () => {
    const response = await handler(
      {
        ...post(undefined, { origin: "https://app.acme.com" }),
        routeKey: "OPTIONS /v1/events",
        body: undefined,
      },
      context,
    );

    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "https://app.acme.com",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "authorization, content-type",
    });
  });
});
