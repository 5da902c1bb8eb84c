import type { IncomingMessage, ServerResponse } from "node:http";
import { MessageChannel } from "node:worker_threads";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { HttpRequest } from "@smithy/core/protocols";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAppTable } from "../../../infra/local/dynamodb.js";
import { startLocalDynamoThread } from "../../../infra/local/dynamodb-thread.js";
import {
  type RequestListener,
  routeByMessage,
  serveByMessage,
} from "../../../infra/local/message-transport.js";
import { closedEndpoints } from "../../support/closed-endpoints.js";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

let NOWHERE: string;
let NOWHERE_ELSE: string;
beforeAll(async () => {
  [NOWHERE = "", NOWHERE_ELSE = ""] = await closedEndpoints(2);
});

const unroutes: Array<() => void> = [];
afterEach(() => {
  for (const unroute of unroutes.splice(0)) unroute();
});

/** `listener` served on one end of a channel, the SDK's requests to `endpoint` routed to the other. */
function served(listener: RequestListener, endpoint = NOWHERE) {
  const { port1, port2 } = new MessageChannel();
  const server = serveByMessage(port1, listener);
  unroutes.push(routeByMessage(endpoint, port2), () => server.close());
  return server;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
};

const readAll = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const client = (endpoint = NOWHERE, maxAttempts = 1, requestHandler?: { socketTimeout: number }) =>
  new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials,
    maxAttempts,
    ...(requestHandler ? { requestHandler } : {}),
  });

describe("requests to a local emulator by message", () => {
  it("reach the DynamoDB thread's server without a socket: items, transactions and error answers as over HTTP", async () => {
    const dynamo = await startLocalDynamoThread("127.0.0.1");
    try {
      unroutes.push(routeByMessage(NOWHERE, dynamo.connect()));
      await createAppTable(client(), "moments");
      const key = { pk: { S: "message#1" }, sk: { S: "item" } };
      await client().send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: "moments", Item: { ...key, n: { N: "1" }, s: { S: "é🙂" } } } },
          ],
        }),
      );
      const { Item } = await client().send(
        new GetItemCommand({ TableName: "moments", Key: key, ConsistentRead: true }),
      );
      expect(Item).toEqual({ ...key, n: { N: "1" }, s: { S: "é🙂" } });
      // The service's error answer becomes the same modelled exception.
      const refused = client()
        .send(
          new PutItemCommand({
            TableName: "moments",
            Item: key,
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        )
        .catch((error: unknown) => error);
      expect(await refused).toBeInstanceOf(ConditionalCheckFailedException);
      // The same data over HTTP: one server behind both.
      const overHttp = await client(dynamo.endpoint).send(
        new GetItemCommand({ TableName: "moments", Key: key, ConsistentRead: true }),
      );
      expect(overHttp.Item?.n).toEqual({ N: "1" });
      expect(await dynamo.servedByMessage()).toBeGreaterThanOrEqual(6);
    } finally {
      // Its stop closes the ports it serves, as a stopped server its connections, and never waits for them.
      const stopping = Date.now();
      await dynamo.stop();
      expect(Date.now() - stopping).toBeLessThan(4_000);
    }
    // Stopped: the route is gone, and the endpoint refuses as over HTTP, at once.
    await expect(client().send(new ListTablesCommand({}))).rejects.toMatchObject({ code: "ECONNREFUSED" });
    // A port asked of a stopped thread comes closed: requests on it never wait for an answer.
    unroutes.push(routeByMessage(NOWHERE_ELSE, dynamo.connect()));
    await expect(client(NOWHERE_ELSE).send(new ListTablesCommand({}))).rejects.toMatchObject({
      code: expect.stringMatching(/^(ECONNRESET|ECONNREFUSED)$/),
    });
  });

  it("carry the method, path, query, headers (lower-cased, as a server reads them) and bytes, both ways", async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingMessage["headers"]; body: Buffer }> =
      [];
    served(async (req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: await readAll(req) });
      res.statusCode = 207;
      res.setHeader("X-Many", ["a", "b"]);
      res.setHeader("Content-Type", "application/octet-stream");
      res.write(Buffer.from([0, 1]));
      res.end(Buffer.from([255]));
    });
    const { response } = await new NodeHttpHandler().handle(
      new HttpRequest({
        method: "PUT",
        protocol: "http:",
        hostname: "127.0.0.1",
        port: Number(new URL(NOWHERE).port),
        path: "/a%20path",
        query: { q: "1 2", list: ["x", "y"] },
        headers: { "X-Amz-Target": "Service.Operation", "Content-Type": "application/x-amz-json-1.0" },
        body: new Uint8Array([1, 2, 3]),
      }),
    );
    expect(seen).toEqual([
      {
        method: "PUT",
        url: "/a%20path?list=x&list=y&q=1%202",
        headers: { "x-amz-target": "Service.Operation", "content-type": "application/x-amz-json-1.0" },
        body: Buffer.from([1, 2, 3]),
      },
    ]);
    expect(response.statusCode).toBe(207);
    expect(response.reason).toBe("Multi-Status");
    // As Node's server sends one (the SDK's signer reads it to correct clock skew).
    expect(new Date(response.headers.date ?? "").getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(response.headers).toMatchObject({ "x-many": "a, b", "content-type": "application/octet-stream" });
    expect(await readAll(response.body as IncomingMessage)).toEqual(Buffer.from([0, 1, 255]));
  });

  it("leave every other endpoint on HTTP", async () => {
    served((_req, res) => json(res, 200, { TableNames: ["by message"] }));
    expect((await client().send(new ListTablesCommand({}))).TableNames).toEqual(["by message"]);
    await expect(client(NOWHERE_ELSE).send(new ListTablesCommand({}))).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });

  it("fail as a reset connection when the server cuts the response, which the SDK retries as on AWS", async () => {
    let calls = 0;
    served((_req, res) => {
      calls++;
      if (calls === 1) res.destroy();
      else json(res, 200, { TableNames: ["second attempt"] });
    });
    await expect(client(NOWHERE, 1).send(new ListTablesCommand({}))).rejects.toMatchObject({
      code: "ECONNRESET",
    });
    calls = 0;
    expect((await client(NOWHERE, 2).send(new ListTablesCommand({}))).TableNames).toEqual(["second attempt"]);
    expect(calls).toBe(2);
  });

  it("fail as a reset connection when the serving side goes away, and then go over HTTP, where it is refused", async () => {
    let server: { close(): void } | undefined;
    server = served(() => server?.close());
    await expect(client().send(new ListTablesCommand({}))).rejects.toMatchObject({ code: "ECONNRESET" });
    // The SDK's retry of that reset, and every later request, is refused at once rather than left waiting.
    await expect(client(NOWHERE, 3).send(new ListTablesCommand({}))).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });

  it("fail as a reset connection when the listener destroys the request's socket (a proxy's drop)", async () => {
    served((req) => req.socket.destroy());
    await expect(client().send(new ListTablesCommand({}))).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("fail as a reset connection when the listener throws", async () => {
    served(() => {
      throw new Error("listener bug");
    });
    await expect(client().send(new ListTablesCommand({}))).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("time out as NodeHttpHandler does when no answer comes within the client's socket timeout", async () => {
    served(() => undefined);
    await expect(
      client(NOWHERE, 1, { socketTimeout: 50 }).send(new ListTablesCommand({})),
    ).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("stop waiting when the caller aborts", async () => {
    let answer: (() => void) | undefined;
    served((_req, res) => {
      answer = () => json(res, 200, { TableNames: [] });
    });
    const abort = new AbortController();
    const sent = client().send(new ListTablesCommand({}), { abortSignal: abort.signal });
    await expect.poll(() => answer).toBeDefined();
    abort.abort();
    await expect(sent).rejects.toMatchObject({ name: "AbortError" });
    // A late answer to an abandoned request is ignored.
    answer?.();
  });
});
