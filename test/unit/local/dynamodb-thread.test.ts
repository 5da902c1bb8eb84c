import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { createAppTable } from "../../../infra/local/dynamodb.js";
import { startLocalDynamoThread } from "../../../infra/local/dynamodb-thread.js";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const key = { pk: { S: "thread#1" }, sk: { S: "item" } };

describe("the local DynamoDB on its own thread", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("serves the SDK over HTTP, transactions included, keeps its data across a restart, and stops", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "moments-dynamodb-thread-"));
    dirs.push(dataDir);
    const first = await startLocalDynamoThread("127.0.0.1", dataDir);
    const client = (endpoint: string) =>
      new DynamoDBClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
    try {
      await createAppTable(client(first.endpoint), "moments");
      await client(first.endpoint).send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: "moments", Item: { ...key, n: { N: "1" } } } }],
        }),
      );
      await first.collectGarbage();
    } finally {
      await first.stop();
    }
    // Stopped: nothing answers there any more.
    await expect(
      client(first.endpoint).send(new GetItemCommand({ TableName: "moments", Key: key })),
    ).rejects.toThrow();

    const second = await startLocalDynamoThread("127.0.0.1", dataDir);
    try {
      const { Item } = await client(second.endpoint).send(
        new GetItemCommand({ TableName: "moments", Key: key, ConsistentRead: true }),
      );
      expect(Item?.n).toEqual({ N: "1" });
      await client(second.endpoint).send(
        new PutItemCommand({ TableName: "moments", Item: { ...key, n: { N: "2" } } }),
      );
    } finally {
      await second.stop();
      // A second stop is harmless.
      await second.stop();
    }
  });
});
