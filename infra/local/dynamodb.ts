import { mkdirSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { table } from "../../shared/contracts/table.js";
import { startTransactionProxy } from "./dynamodb-transactions.js";

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** Clock in epoch milliseconds (transaction idempotency window, TTL expiry). Default `Date.now`. */
  now?: () => number;
  /** Delete expired TTL items this often; off by default, as AWS gives no timing guarantee either. */
  ttlSweepIntervalMs?: number;
  /** Test seam (see TransactionProxyOptions): after each write of a transaction. */
  afterTransactionWrite?: (written: number) => void;
}

// Kept inside the LevelDB directory so the data and its TTL settings move together; LevelDB
// ignores files whose names it does not recognise.
const TIME_TO_LIVE_FILE = "time-to-live.json";
/** The transactions being applied, undone at the next start if a kill interrupted them. */
const UNDO_JOURNAL_FILE = "transactions-undo.jsonl";

/**
 * dynalite on a random port, in memory or persisted to `dataDir` with LevelDB, behind a proxy
 * that adds what dynalite lacks (TransactWriteItems, TransactGetItems, UpdateTimeToLive; see
 * dynamodb-transactions.ts). The endpoint is the proxy's.
 */
export async function startLocalDynamo(
  host: string,
  dataDir?: string,
  options: LocalDynamoOptions = {},
): Promise<LocalDynamo> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataDir ? { path: dataDir } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const stopDynalite = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  try {
    const [handler] = server.listeners("request") as Array<
      (req: IncomingMessage, res: ServerResponse) => void
    >;
    const proxy = await startTransactionProxy({
      host,
      target: { host, port },
      ...(handler ? { handler } : {}),
      ...(dataDir
        ? {
            timeToLiveFile: join(dataDir, TIME_TO_LIVE_FILE),
            undoJournalFile: join(dataDir, UNDO_JOURNAL_FILE),
          }
        : {}),
      ...options,
    });
    return {
      endpoint: proxy.endpoint,
      stop: async () => {
        await proxy.stop();
        await stopDynalite();
      },
    };
  } catch (error) {
    await stopDynalite();
    throw error;
  }
}

/** Creates the app's table exactly as the contract (and so the CDK app) declares it. */
export async function createAppTable(client: DynamoDBClient, tableName: string) {
  const { partitionKey, sortKey, gsi1 } = table;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: "S",
        })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: "HASH" },
          { AttributeName: sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi1.indexName,
            KeySchema: [
              { AttributeName: gsi1.partitionKey, KeyType: "HASH" },
              { AttributeName: gsi1.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
  } catch (error) {
    // A persisted data directory already has it.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // As the CDK table: TTL on the contract's attribute (already on in a persisted data directory).
  const { TimeToLiveDescription } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  if (TimeToLiveDescription?.TimeToLiveStatus !== "ENABLED") {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
}

export { DynamoDBClient };
