import { Readable } from "node:stream";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { HttpResponse } from "@smithy/core/protocols";
import { describe, expect, it } from "vitest";
import { documentClient } from "../../../shared/adapters/clients.js";
import { CACHED_MIDDLEWARE, sdkClient } from "../../../shared/adapters/sdk-client.js";
import { sesClient } from "../../../shared/adapters/ses-client.js";

interface SentRequest {
  headers: Record<string, string>;
  body: string;
}
type WireRequest = { headers: Record<string, string>; body: string | Uint8Array };

/** An EventBridge client whose requests are answered at once, in memory, and kept. */
function recordingEventBridge(config: object = {}) {
  const sent: SentRequest[] = [];
  const requestHandler = {
    handle: async (request: WireRequest) => {
      const body = typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body);
      sent.push({ headers: { ...request.headers }, body });
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.1" },
          body: Readable.from([Buffer.from('{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}')]),
        }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const client = new EventBridgeClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    requestHandler,
    ...config,
  });
  return { client, sent };
}

const put = (detail: string) =>
  new PutEventsCommand({ Entries: [{ EventBusName: "bus", Source: "s", DetailType: "t", Detail: detail }] });

const middlewareNames = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().map((entry) => entry.split(" ")[0]);

describe("sdkClient", () => {
  it("sends each command's own input when the client caches its middleware, signed, concurrently too", async () => {
    // Prepare
    const { client, sent } = recordingEventBridge(CACHED_MIDDLEWARE);
    sdkClient(client);

    // Act: one after another (the second reuses the first's resolved stack), then at once
    await client.send(put('{"n":1}'));
    await client.send(put('{"n":2}'));
    await Promise.all([client.send(put('{"n":3}')), client.send(put('{"n":4}'))]);

    // Assert
    expect(sent.map((request) => JSON.parse(request.body).Entries[0].Detail)).toEqual([
      '{"n":1}',
      '{"n":2}',
      '{"n":3}',
      '{"n":4}',
    ]);
    for (const request of sent) {
      expect(request.headers["x-amz-target"]).toBe("AWSEvents.PutEvents");
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    }
  });

  it("runs a middleware added before the first send on every send (the local caller identity, the bench's counter)", async () => {
    // Prepare
    const { client } = recordingEventBridge(CACHED_MIDDLEWARE);
    sdkClient(client);
    let seen = 0;
    client.middlewareStack.add(
      (next) => (args) => {
        seen += 1;
        return next(args);
      },
      { step: "initialize", name: "counter" },
    );

    // Act
    for (const n of [1, 2, 3]) await client.send(put(`{"n":${n}}`));

    // Assert
    expect(seen).toBe(3);
  });

  it("takes the SDK's logger middleware off, which walks every input and answer through a filter for a logger nobody set", () => {
    // Prepare
    const { client } = recordingEventBridge();
    expect(middlewareNames(client)).toContain("loggerMiddleware");

    // Act
    sdkClient(client);

    // Assert
    expect(middlewareNames(client)).not.toContain("loggerMiddleware");
  });

  it("is how the functions' DynamoDB and SES clients are made: no logger middleware; SES's caches its stack, DynamoDB's cannot", () => {
    process.env.AWS_REGION ??= "us-east-1";
    const db = documentClient();
    const ses = sesClient();

    expect(middlewareNames(db)).not.toContain("loggerMiddleware");
    expect(db.config.cacheMiddleware).toBeFalsy();
    expect(middlewareNames(ses)).not.toContain("loggerMiddleware");
    expect(ses.config.cacheMiddleware).toBe(true);
  });
});
