import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  IdempotentParameterMismatchException,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAppTable,
  type LocalDynamo,
  type LocalDynamoOptions,
  startLocalDynamo,
} from "../../../infra/local/dynamodb.js";
import { FifoLock } from "../../../infra/local/dynamodb-transactions.js";
import { waitFor } from "../../support/wait-for.js";

const TableName = "moments";
// Not a modelled error class in the SDK: it arrives as a DynamoDBServiceException with this name.
const validationException = { name: "ValidationException", $fault: "client" };
type TransactItems = NonNullable<TransactWriteCommandInput["TransactItems"]>;

describe("local DynamoDB transactions (dynalite behind the transaction proxy)", () => {
  const started: LocalDynamo[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const dynamo of started.splice(0)) await dynamo.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A local DynamoDB with the app table, and the real SDK clients pointed at it. */
  async function setup(dataDir?: string, options?: LocalDynamoOptions) {
    const dynamo = await startLocalDynamo("127.0.0.1", dataDir, options);
    started.push(dynamo);
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      // No SDK retries: a retry could hide a wrong first answer.
      maxAttempts: 1,
    });
    await createAppTable(client, TableName);
    const doc = DynamoDBDocumentClient.from(client);
    const get = async (pk: string, sk = "A") =>
      (await doc.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
    const put = (item: Record<string, unknown>) =>
      doc.send(new PutCommand({ TableName, Item: { sk: "A", ...item } }));
    return { dynamo, client, doc, get, put };
  }

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error("expected the request to fail");
  }

  const claimAndCount = (claimId: string, winner: string): TransactItems => [
    {
      Put: {
        TableName,
        Item: { pk: `claim#${claimId}`, sk: "A", winner },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Update: {
        TableName,
        Key: { pk: "counter", sk: "A" },
        UpdateExpression: "ADD wins :one",
        ExpressionAttributeValues: { ":one": 1 },
      },
    },
  ];

  it("applies a Put, an Update ADD and a ConditionCheck together", async () => {
    const { doc, get, put } = await setup();
    await put({ pk: "moment", status: "running" });
    await put({ pk: "stats", entered: 4 });

    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: "run", sk: "A", outcome: "succeeded" } } },
          {
            Update: {
              TableName,
              Key: { pk: "stats", sk: "A" },
              UpdateExpression: "ADD succeeded :one, entered :zero",
              ExpressionAttributeValues: { ":one": 1, ":zero": 0 },
            },
          },
          {
            ConditionCheck: {
              TableName,
              Key: { pk: "moment", sk: "A" },
              ConditionExpression: "#status = :running",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":running": "running" },
            },
          },
        ],
      }),
    );

    expect(await get("run")).toEqual({ pk: "run", sk: "A", outcome: "succeeded" });
    expect(await get("stats")).toEqual({ pk: "stats", sk: "A", entered: 4, succeeded: 1 });
    // The ConditionCheck leaves its item exactly as it was.
    expect(await get("moment")).toEqual({ pk: "moment", sk: "A", status: "running" });
  });

  it("answers the capacity a committed transaction consumed: 2 units per started KB of each item's larger image", async () => {
    const { doc, put } = await setup();
    // 1.5 KB before, a few bytes after: billed by the old image (2 KB), twice.
    await put({ pk: "shrinks", body: "x".repeat(1500) });
    await put({ pk: "checked", status: "running", body: "y".repeat(2100) });
    const send = (ReturnConsumedCapacity?: "TOTAL") =>
      doc.send(
        new TransactWriteCommand({
          ...(ReturnConsumedCapacity ? { ReturnConsumedCapacity } : {}),
          TransactItems: [
            // A new item under 1 KB: 2.
            { Put: { TableName, Item: { pk: `new-${ReturnConsumedCapacity}`, sk: "A", a: 1 } } },
            { Update: { TableName, Key: { pk: "shrinks", sk: "A" }, UpdateExpression: "REMOVE body" } },
            // A ConditionCheck is billed as a write of its item (3 KB): 6.
            {
              ConditionCheck: {
                TableName,
                Key: { pk: "checked", sk: "A" },
                ConditionExpression: "#status = :running",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":running": "running" },
              },
            },
          ],
        }),
      );
    const answer = await send("TOTAL");
    expect(answer.ConsumedCapacity).toEqual([{ TableName, CapacityUnits: 2 + 4 + 6 }]);
    expect((await send()).ConsumedCapacity).toBeUndefined();
  });

  it("rolls back every applied action when a later ConditionCheck fails, and names the failing index", async () => {
    const { doc, get, put } = await setup();
    await put({ pk: "moment", status: "stopped" });
    await put({ pk: "stats", entered: 4 });
    await put({ pk: "old", note: "before" });
    await put({ pk: "gone", note: "kept" });

    const error = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: { pk: "run", sk: "A", outcome: "succeeded", gsi1pk: "G", gsi1sk: "1" },
              },
            },
            { Put: { TableName, Item: { pk: "old", sk: "A", note: "after" } } },
            {
              Update: {
                TableName,
                Key: { pk: "stats", sk: "A" },
                UpdateExpression: "ADD entered :one",
                ExpressionAttributeValues: { ":one": 1 },
              },
            },
            { Delete: { TableName, Key: { pk: "gone", sk: "A" } } },
            {
              ConditionCheck: {
                TableName,
                Key: { pk: "moment", sk: "A" },
                ConditionExpression: "#status = :running",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":running": "running" },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
          ],
        }),
      ),
    );

    expect(error).toBeInstanceOf(TransactionCanceledException);
    const cancelled = error as TransactionCanceledException;
    expect(cancelled.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, None, ConditionalCheckFailed]",
    );
    expect(cancelled.CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "None" },
      { Code: "None" },
      { Code: "None" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        // lib-dynamodb does not unmarshall errors: the old image is in wire format, as from AWS.
        Item: { pk: { S: "moment" }, sk: { S: "A" }, status: { S: "stopped" } },
      },
    ]);
    expect(await get("run")).toBeUndefined();
    expect(await get("old")).toEqual({ pk: "old", sk: "A", note: "before" });
    expect(await get("stats")).toEqual({ pk: "stats", sk: "A", entered: 4 });
    expect(await get("gone")).toEqual({ pk: "gone", sk: "A", note: "kept" });
    // The rolled-back Put left nothing in the index either.
    const index = await doc.send(
      new QueryCommand({
        TableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :g",
        ExpressionAttributeValues: { ":g": "G" },
      }),
    );
    expect(index.Items).toEqual([]);
  });

  it("reports every failing condition, and the old item only where ALL_OLD was asked for", async () => {
    const { doc, put } = await setup();
    await put({ pk: "a", v: 1 });
    await put({ pk: "b", v: 1 });

    const error = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: { pk: "a", sk: "A" },
                UpdateExpression: "SET v = :two",
                ConditionExpression: "attribute_not_exists(pk)",
                ExpressionAttributeValues: { ":two": 2 },
              },
            },
            { Put: { TableName, Item: { pk: "c", sk: "A" } } },
            {
              Delete: {
                TableName,
                Key: { pk: "b", sk: "A" },
                ConditionExpression: "v = :two",
                ExpressionAttributeValues: { ":two": 2 },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
          ],
        }),
      ),
    );

    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      { Code: "None" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        Item: { pk: { S: "b" }, sk: { S: "A" }, v: { N: "1" } },
      },
    ]);
  });

  it("cancels with a ValidationError reason when an update does not fit the item's data", async () => {
    const { doc, get, put } = await setup();
    await put({ pk: "text", counter: "not a number" });

    const error = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: "run", sk: "A" } } },
            {
              Update: {
                TableName,
                Key: { pk: "text", sk: "A" },
                UpdateExpression: "ADD #counter :one",
                ExpressionAttributeNames: { "#counter": "counter" },
                ExpressionAttributeValues: { ":one": 1 },
              },
            },
          ],
        }),
      ),
    );

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "ValidationError", Message: "An operand in the update expression has an incorrect data type" },
    ]);
    expect(await get("run")).toBeUndefined();
  });

  it("answers a ValidationException, and changes nothing, for a malformed action", async () => {
    const { doc, get } = await setup();

    const error = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: "run", sk: "A" } } },
            { Update: { TableName, Key: { pk: "x", sk: "A" }, UpdateExpression: "SET = oops" } },
          ],
        }),
      ),
    );

    expect(error).toMatchObject(validationException);
    expect(await get("run")).toBeUndefined();
  });

  it("refuses two actions on the same item, and more than 100 actions, with a ValidationException", async () => {
    const { doc, get } = await setup();

    const duplicate = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: "run", sk: "A" } } },
            {
              ConditionCheck: {
                TableName,
                Key: { pk: "run", sk: "A" },
                ConditionExpression: "attribute_exists(pk)",
              },
            },
          ],
        }),
      ),
    );
    expect(duplicate).toMatchObject(validationException);
    expect((duplicate as Error).message).toBe(
      "Transaction request cannot include multiple operations on one item",
    );

    const tooMany = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 101 }, (_, index) => ({
            Put: { TableName, Item: { pk: `item#${index}`, sk: "A" } },
          })),
        }),
      ),
    );
    expect(tooMany).toMatchObject(validationException);
    expect(await get("run")).toBeUndefined();
    expect(await get("item#0")).toBeUndefined();
  });

  it("answers ResourceNotFoundException for an unknown table", async () => {
    const { doc } = await setup();

    const error = await rejection(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: { TableName: "nope", Item: { pk: "x", sk: "A" } } }],
        }),
      ),
    );

    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it("lets exactly one of 20 concurrent claims win, and counts only the winner", async () => {
    const { doc, get } = await setup();

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        doc.send(new TransactWriteCommand({ TransactItems: claimAndCount("X", `worker-${index}`) })),
      ),
    );

    const winners = results.filter((result) => result.status === "fulfilled");
    const losers = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) {
      expect(loser).toBeInstanceOf(TransactionCanceledException);
      expect(
        (loser as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code),
      ).toEqual(["ConditionalCheckFailed", "None"]);
    }
    expect(await get("counter")).toEqual({ pk: "counter", sk: "A", wins: 1 });
    expect(await get("claim#X")).toMatchObject({ winner: expect.stringMatching(/^worker-\d+$/) });
  });

  it("loses no update when transactions and plain writes hit the same counter concurrently", async () => {
    const { doc, get } = await setup();
    const plainIncrement = () =>
      doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: "counter", sk: "A" },
          UpdateExpression: "ADD wins :one",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );

    await Promise.all(
      Array.from({ length: 20 }, (_, index) => [
        doc.send(new TransactWriteCommand({ TransactItems: claimAndCount(`claim-${index}`, "w") })),
        plainIncrement(),
      ]).flat(),
    );

    expect(await get("counter")).toEqual({ pk: "counter", sk: "A", wins: 40 });
  });

  it("never lets a concurrent reader see a transaction that is later rolled back", async () => {
    const { doc, get } = await setup();
    const failing: TransactItems = [
      { Put: { TableName, Item: { pk: "ghost", sk: "A" } } },
      {
        ConditionCheck: {
          TableName,
          Key: { pk: "absent", sk: "A" },
          ConditionExpression: "attribute_exists(pk)",
        },
      },
    ];

    const reads: Array<Promise<unknown>> = [];
    const writes: Array<Promise<unknown>> = [];
    for (let round = 0; round < 20; round += 1) {
      writes.push(doc.send(new TransactWriteCommand({ TransactItems: failing })).catch(() => "cancelled"));
      reads.push(get("ghost"), get("ghost"));
    }

    expect(await Promise.all(writes)).toEqual(Array(20).fill("cancelled"));
    expect((await Promise.all(reads)).filter((item) => item !== undefined)).toEqual([]);
  });

  it("answers a replayed ClientRequestToken without applying it again, for 10 minutes", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const { client, get } = await setup(undefined, { now: () => now });
    const increment = (by: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: "token-1",
        TransactItems: [
          {
            Update: {
              TableName,
              Key: { pk: { S: "counter" }, sk: { S: "A" } },
              UpdateExpression: "ADD wins :by",
              ExpressionAttributeValues: { ":by": { N: by } },
            },
          },
        ],
      });

    await client.send(increment("1"));
    await client.send(increment("1"));
    expect(await get("counter")).toEqual({ pk: "counter", sk: "A", wins: 1 });

    const mismatch = await rejection(client.send(increment("5")));
    expect(mismatch).toBeInstanceOf(IdempotentParameterMismatchException);
    expect(await get("counter")).toEqual({ pk: "counter", sk: "A", wins: 1 });

    now += 10 * 60_000 + 1;
    await client.send(increment("1"));
    expect(await get("counter")).toEqual({ pk: "counter", sk: "A", wins: 2 });
  });

  it("does not remember a cancelled transaction's token: a retry evaluates the conditions again", async () => {
    const { client, get, put } = await setup();
    const claim = new TransactWriteItemsCommand({
      ClientRequestToken: "token-2",
      TransactItems: [
        {
          Put: {
            TableName,
            Item: { pk: { S: "claim" }, sk: { S: "A" } },
            ConditionExpression: "attribute_exists(#open)",
            ExpressionAttributeNames: { "#open": "open" },
          },
        },
      ],
    });
    // A Put's condition is evaluated against the item it replaces: open the claim first.
    await expect(client.send(claim)).rejects.toBeInstanceOf(TransactionCanceledException);
    await put({ pk: "claim", open: true });

    await client.send(claim);

    expect(await get("claim")).toEqual({ pk: "claim", sk: "A" });
  });

  it("reads several items consistently with TransactGetItems, in request order", async () => {
    const { doc, put } = await setup();
    await put({ pk: "a", name: "first", secret: "x" });
    await put({ pk: "b", name: "second" });

    const { Responses } = await doc.send(
      new TransactGetCommand({
        TransactItems: [
          {
            Get: {
              TableName,
              Key: { pk: "a", sk: "A" },
              ProjectionExpression: "#name",
              ExpressionAttributeNames: { "#name": "name" },
            },
          },
          { Get: { TableName, Key: { pk: "missing", sk: "A" } } },
          { Get: { TableName, Key: { pk: "b", sk: "A" } } },
        ],
      }),
    );

    expect(Responses).toEqual([
      { Item: { name: "first" } },
      {},
      { Item: { pk: "b", sk: "A", name: "second" } },
    ]);
    const duplicate = await rejection(
      doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName, Key: { pk: "a", sk: "A" } } },
            { Get: { TableName, Key: { pk: "a", sk: "A" } } },
          ],
        }),
      ),
    );
    expect(duplicate).toMatchObject(validationException);
  });

  it("still forwards plain requests unchanged, errors included", async () => {
    const { doc, get, put } = await setup();
    await put({ pk: "p", gsi1pk: "G", gsi1sk: "2" });
    await put({ pk: "q", gsi1pk: "G", gsi1sk: "1" });

    const { Items } = await doc.send(
      new QueryCommand({
        TableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :g",
        ExpressionAttributeValues: { ":g": "G" },
      }),
    );
    expect(Items?.map((item) => item.pk)).toEqual(["q", "p"]);
    await expect(
      doc.send(
        new PutCommand({
          TableName,
          Item: { pk: "p", sk: "A" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    expect(await get("p")).toMatchObject({ gsi1sk: "2" });
  });

  it("keeps items and TTL settings in a persisted data directory across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "moments-dynamo-"));
    dirs.push(dataDir);
    const first = await setup(dataDir);
    await first.doc.send(new TransactWriteCommand({ TransactItems: claimAndCount("persisted", "w") }));
    await first.dynamo.stop();
    started.splice(started.indexOf(first.dynamo), 1);

    const second = await setup(dataDir);

    expect(await second.get("counter")).toEqual({ pk: "counter", sk: "A", wins: 1 });
    const { TimeToLiveDescription } = await second.client.send(new DescribeTimeToLiveCommand({ TableName }));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" });
    await expect(
      second.doc.send(new TransactWriteCommand({ TransactItems: claimAndCount("persisted", "w2") })),
    ).rejects.toBeInstanceOf(TransactionCanceledException);
  });

  it("is all or nothing across a kill -9 in the middle of a transaction: the next start rolls back its first write", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "moments-dynamo-"));
    dirs.push(dataDir);
    const script = fileURLToPath(new URL("../../support/kill-mid-transaction.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, dataDir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, stderr }).toMatchObject({ code: null, signal: "SIGKILL" });

    const restarted = await setup(dataDir);

    // The kill came after the claim was written and before the counter was: neither is kept.
    expect(await restarted.get("claim#killed")).toBeUndefined();
    expect(await restarted.get("counter")).toEqual({ pk: "counter", sk: "A", wins: 1 });
    // So the client's retry (it never had an answer) applies the whole transaction once.
    await restarted.doc.send(new TransactWriteCommand({ TransactItems: claimAndCount("killed", "w") }));
    expect(await restarted.get("counter")).toEqual({ pk: "counter", sk: "A", wins: 2 });
  });

  it("closes the LevelDB iterator of every query and scan, whether read to the end or cut by a Limit", async () => {
    const { dynamo, doc, put } = await setup();
    for (let i = 0; i < 5; i++) await put({ pk: "many", sk: `s${i}`, gsi1pk: "g", gsi1sk: `${i}` });
    const before = dynamo.openIterators();
    for (let round = 0; round < 20; round++) {
      const queries = [
        { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "many" } },
        { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "many" }, Limit: 2 },
        {
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :g",
          ExpressionAttributeValues: { ":g": "g" },
        },
        {
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :g",
          ExpressionAttributeValues: { ":g": "g" },
          Limit: 1,
        },
      ];
      const pages = await Promise.all(
        queries.map((query) => doc.send(new QueryCommand({ TableName, ...query }))),
      );
      expect(pages.map((page) => page.Items?.length)).toEqual([5, 2, 5, 1]);
      await doc.send(new ScanCommand({ TableName, Limit: 3 }));
    }
    // Each was open only while its request ran (an open one keeps a LevelDB snapshot, and memory, for good).
    await waitFor(() => dynamo.openIterators() === before, {
      description: `every iterator closed (open: ${dynamo.openIterators()})`,
    });
  });

  it("enables and disables TTL as AWS does, refusing a no-op change", async () => {
    const { client } = await setup();
    const ttl = (Enabled: boolean) =>
      client.send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled },
        }),
      );

    // createAppTable enabled it, as the CDK table does.
    await expect(ttl(true)).rejects.toThrow("TimeToLive is already enabled");
    expect(await ttl(false)).toMatchObject({
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: false },
    });
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName }));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: "DISABLED" });
    await expect(ttl(false)).rejects.toThrow("TimeToLive is already disabled");
    await expect(
      client.send(
        new UpdateTimeToLiveCommand({
          TableName: "nope",
          TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("sweeps expired items when asked to, by the injected clock, and only those", async () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const nowSeconds = now / 1000;
    const { get, put } = await setup(undefined, { now: () => now, ttlSweepIntervalMs: 5 });
    await put({ pk: "later", expiresAt: nowSeconds + 60 });
    await put({ pk: "text", expiresAt: String(nowSeconds - 60) });
    await put({ pk: "ancient", expiresAt: nowSeconds - 6 * 365 * 24 * 3600 });
    await put({ pk: "none" });
    await put({ pk: "expired", expiresAt: nowSeconds - 1 });

    await waitFor(async () => (await get("expired")) === undefined, {
      description: "the expired item to go",
    });

    // The sweep that removed "expired" looked at every item: the others are kept, as on AWS.
    expect(await get("later")).toBeDefined();
    expect(await get("text")).toBeDefined();
    expect(await get("ancient")).toBeDefined();
    expect(await get("none")).toBeDefined();
  });
});

describe("FifoLock", () => {
  it("runs shared holders together, an exclusive holder alone, in arrival order", async () => {
    const lock = new FifoLock();
    const events: string[] = [];
    const hold = async (name: string, exclusive: boolean) => {
      const release = await lock.acquire(exclusive);
      events.push(`${name}+`);
      return () => {
        events.push(`${name}-`);
        release();
      };
    };

    const readerA = hold("a", false);
    const readerB = hold("b", false);
    const writer = hold("w", true);
    // Arrives after the writer, so it waits even though only readers hold the lock.
    const readerC = hold("c", false);
    (await readerA)();
    (await readerB)();
    (await writer)();
    (await readerC)();

    expect(events).toEqual(["a+", "b+", "a-", "b-", "w+", "w-", "c+", "c-"]);
  });
});
