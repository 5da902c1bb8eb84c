import { mkdirSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { table } from "../../shared/contracts/table.js";
import { startTransactionProxy, type TransactionProxyOptions } from "./dynamodb-transactions.js";

export interface LocalDynamo {
  endpoint: string;
  /** The endpoint's request listener (message-transport.ts serves it without a socket). */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** LevelDB iterators open right now (each query and scan opens one and must close it). */
  openIterators(): number;
  stop(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** Clock in epoch milliseconds (transaction idempotency window, TTL expiry). Default `Date.now`. */
  now?: () => number;
  /** Delete expired TTL items this often; off by default, as AWS gives no timing guarantee either. */
  ttlSweepIntervalMs?: number;
  /** Test seam (see TransactionProxyOptions): after each write of a transaction. */
  afterTransactionWrite?: (written: number) => void;
  /** Each caller's IAM grants (iam.ts `localAccess(...).dynamodb`); everyone may do anything when absent. */
  access?: TransactionProxyOptions["access"];
}

// Kept inside the LevelDB directory so the data and its TTL settings move together; LevelDB
// ignores files whose names it does not recognise.
const TIME_TO_LIVE_FILE = "time-to-live.json";
/** The transactions being applied, undone at the next start if a kill interrupted them. */
const UNDO_JOURNAL_FILE = "transactions-undo.jsonl";

/** The parts of dynalite's store (dynalite/db `create`) and of its abstract-level database we touch. */
interface LevelIterator {
  next(): Promise<unknown>;
  close(): Promise<void>;
}
type Callback = (error: Error | null, value?: unknown) => void;
interface DynaliteStore {
  /** Table descriptions by name, read by every request (`getTable`). */
  tableDb: {
    get(key: string, callback: Callback): void;
    put(key: string, value: unknown, callback: Callback): void;
    del(key: string, callback: Callback): void;
    batch(operations: unknown[], callback: Callback): void;
  };
  db: {
    keys(options: unknown): LevelIterator;
    values(options: unknown): LevelIterator;
    createKeyStream(options: unknown): Readable;
    createValueStream(options: unknown): Readable;
    attachResource(resource: unknown): void;
    detachResource(resource: unknown): void;
  };
}

/**
 * A stream over a LevelDB iterator that closes the iterator when the stream ends or is destroyed.
 * dynalite 4's own wrapper never closes it (it calls `iterator.return`, which abstract-level
 * iterators lack): every Query and Scan left an iterator open for good, holding its snapshot of
 * LevelDB (memtables and table files that could not be freed) and its buffers, so memory grew with
 * every event (~50 KB each in `npm run bench`).
 */
function closingStream(iterator: LevelIterator): Readable {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= iterator.close();
    return closing;
  };
  return new Readable({
    objectMode: true,
    read() {
      iterator.next().then(
        (value) => {
          if (value !== undefined) this.push(value);
          else
            close().then(
              () => this.push(null),
              (error: Error) => this.destroy(error),
            );
        },
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, callback) {
      close().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}

/** The open-iterator count of the store dynalite created last (`dynalite()` creates it synchronously). */
/**
 * Every dynalite request reads its table's description from LevelDB first (a thread-pool round trip
 * and a JSON decode: a tenth of the local stack's CPU under load). Kept here as JSON, each read
 * decoded afresh (dynalite may change what it gets), and forgotten at every write of a description
 * (CreateTable, UpdateTable, DeleteTable, the status changes they schedule); a read that started
 * before a write does not fill the cache.
 */
function cacheTableDescriptions(tableDb: DynaliteStore["tableDb"]): void {
  const cached = new Map<string, string>();
  let version = 0;
  const { get, put, del, batch } = tableDb;
  const changing =
    <A extends unknown[]>(write: (...args: [...A, Callback]) => void) =>
    (...args: [...A, Callback]) => {
      version++;
      cached.clear();
      const callback = args.pop() as Callback;
      write.call(tableDb, ...(args as unknown as A), (error: Error | null, value?: unknown) => {
        version++;
        cached.clear();
        callback(error, value);
      });
    };
  tableDb.put = changing(put);
  tableDb.del = changing(del);
  tableDb.batch = changing(batch);
  tableDb.get = (key, callback) => {
    const json = cached.get(key);
    if (json !== undefined) {
      setImmediate(callback, null, JSON.parse(json));
      return;
    }
    const started = version;
    get.call(tableDb, key, (error, value) => {
      if (!error && value !== undefined && version === started) cached.set(key, JSON.stringify(value));
      callback(error, value);
    });
  };
}

let lastStoreIterators: { open: number } | undefined;

/**
 * dynalite's store, created by its `db` module at `dynalite()`: its streams are replaced by ones
 * that close their iterators, and its database's open resources are counted. Patched on the module
 * object dynalite itself calls, once.
 */
function patchDynaliteStores(): void {
  const require = createRequire(import.meta.url);
  const dbModule = require(require.resolve("dynalite/db/index.js")) as {
    create: (options: unknown) => DynaliteStore;
    __momentsPatched?: boolean;
  };
  if (dbModule.__momentsPatched) return;
  const create = dbModule.create;
  dbModule.create = (options) => {
    const store = create(options);
    const { db } = store;
    const iterators = { open: 0 };
    lastStoreIterators = iterators;
    const attach = db.attachResource.bind(db);
    const detach = db.detachResource.bind(db);
    db.attachResource = (resource) => {
      iterators.open++;
      attach(resource);
    };
    db.detachResource = (resource) => {
      iterators.open--;
      detach(resource);
    };
    db.createKeyStream = (streamOptions) => closingStream(db.keys(streamOptions));
    db.createValueStream = (streamOptions) => closingStream(db.values(streamOptions));
    cacheTableDescriptions(store.tableDb);
    return store;
  };
  dbModule.__momentsPatched = true;
}

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
  patchDynaliteStores();
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataDir ? { path: dataDir } : {}),
  });
  const iterators = lastStoreIterators ?? { open: 0 };
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
      listener: proxy.listener,
      openIterators: () => iterators.open,
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
