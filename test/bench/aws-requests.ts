/**
 * Counts the AWS requests the functions make, by instrumenting the SDK clients themselves: every
 * client gets one middleware on its stack that records service, operation, timing and the DynamoDB
 * capacity the request consumed. Nothing in the engine knows: `instrumentAwsClients()` wraps `send`
 * of the SDK's base `Client` class (@smithy/core/client, which every client and the document client
 * extend), which adds the middleware to a client's stack at its first request: every client is
 * counted, whenever it was built, in whichever copy of the SDK the thread runs (the functions thread
 * bundles its own, infra/local/thread.ts).
 *
 * Which function a request belongs to: the function whose invocation sends it (the local runtime
 * runs every invocation as its function, infra/local/caller.ts); outside any invocation, read from
 * the stack (the local runtime's own requests, the bench's).
 *
 * Capacity: DynamoDB reports it when asked (`ReturnConsumedCapacity: "TOTAL"`, added to every
 * request that accepts it); the local emulator answers for single-item calls, queries, batches and
 * committed TransactWriteItems (2 WRU per started KB of each item's larger image, old or new: see
 * infra/local/dynamodb-transactions.ts). Where it does not (TransactGetItems, cancelled transactions
 * and failed conditional writes) it is computed from the request as DynamoDB bills it: a
 * transactional write 2 WRU per KB per item, a transactional read 2 RRU per 4 KB, a failed
 * conditional write 1 WRU.
 */
import { BroadcastChannel, isMainThread } from "node:worker_threads";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { currentFunction } from "../../infra/local/caller.js";

export interface AwsRequestRecord {
  /** The function whose client made the request (`match`, `action`...), or `local-runtime`/`bench`. */
  fn: string;
  service: string;
  operation: string;
  /** performance.now() at the start and end of the whole call (retries included). */
  startMs: number;
  endMs: number;
  /** SDK attempts (1 unless retried). */
  attempts: number;
  readUnits: number;
  writeUnits: number;
  /** Where the capacity figure comes from. */
  capacity: "reported" | "computed" | "none";
  /** Entries in a batch call (PutEvents, BatchWriteItem...). */
  entries?: number;
  error?: string;
}

type Sink = (record: AwsRequestRecord, input: Record<string, unknown>) => void;

const READ_OPERATIONS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const WRITE_OPERATIONS = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
]);
/** Operations that accept ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([...READ_OPERATIONS, ...WRITE_OPERATIONS]);

const KB = 1024;

/**
 * DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers about 1 byte per two
 * digits plus 1, lists and maps 3 bytes plus 1 per element). Works on plain JS values (the document
 * client's) and, approximately, on AttributeValue maps.
 */
export function itemSizeBytes(item: unknown): number {
  if (item === null || typeof item !== "object") return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
    size += Buffer.byteLength(name, "utf8") + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number" || typeof value === "bigint") {
    const digits = String(value).replace(/[-.]/g, "").replace(/^0+/, "").length;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return 3 + entries.reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, "utf8") + valueSize(v), 0);
  }
  return 0;
}

const writeUnitsFor = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));
const readUnitsFor = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / (4 * KB))) * (consistent ? 1 : 0.5);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

/** The size of what a transaction item writes: the full item for a Put, else its key and values. */
function transactItemBytes(entry: Json): number {
  const [, action] = Object.entries(entry)[0] ?? [];
  if (!isObject(action)) return 0;
  if (isObject(action.Item)) return itemSizeBytes(action.Item);
  return itemSizeBytes(action.Key) + itemSizeBytes(action.ExpressionAttributeValues);
}

/** Capacity units computed from the request and response, for what DynamoDB does not report. */
export function computedCapacity(
  operation: string,
  input: Json,
  output: Json | undefined,
  failedCondition: boolean,
): { readUnits: number; writeUnits: number } {
  if (operation === "TransactWriteItems") {
    const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Json[]) : [];
    return {
      readUnits: 0,
      writeUnits: items.reduce((sum, i) => sum + 2 * writeUnitsFor(transactItemBytes(i)), 0),
    };
  }
  if (operation === "TransactGetItems") {
    const responses = Array.isArray(output?.Responses) ? (output.Responses as Json[]) : [];
    const requested = Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
    const units = responses.reduce((sum, r) => sum + 2 * readUnitsFor(itemSizeBytes(r.Item), true), 0);
    // Items not found still cost the minimum.
    return { readUnits: Math.max(units, 2 * requested), writeUnits: 0 };
  }
  if (WRITE_OPERATIONS.has(operation)) {
    const bytes = isObject(input.Item) ? itemSizeBytes(input.Item) : itemSizeBytes(input.Key);
    return { readUnits: 0, writeUnits: failedCondition ? 1 : writeUnitsFor(bytes) };
  }
  if (operation === "GetItem") {
    return {
      readUnits: readUnitsFor(itemSizeBytes(output?.Item), input.ConsistentRead === true),
      writeUnits: 0,
    };
  }
  if (operation === "Query" || operation === "Scan") {
    const items = Array.isArray(output?.Items) ? (output.Items as unknown[]) : [];
    const bytes = items.reduce((sum: number, i) => sum + itemSizeBytes(i), 0);
    return { readUnits: readUnitsFor(bytes, input.ConsistentRead === true), writeUnits: 0 };
  }
  return { readUnits: 0, writeUnits: 0 };
}

/** The least a single-request operation is billed (batches and transactions: per item, computed). */
export function minimumUnits(operation: string, input: Json): number {
  if (operation === "GetItem" || operation === "Query" || operation === "Scan") {
    return input.ConsistentRead === true ? 1 : 0.5;
  }
  if (operation === "PutItem" || operation === "UpdateItem" || operation === "DeleteItem") return 1;
  return 0;
}

function reportedUnits(consumed: unknown): number | undefined {
  if (Array.isArray(consumed)) {
    const units = consumed.map(reportedUnits).filter((u): u is number => u !== undefined);
    return units.length === 0 ? undefined : units.reduce((a, b) => a + b, 0);
  }
  if (isObject(consumed) && typeof consumed.CapacityUnits === "number") return consumed.CapacityUnits;
  return undefined;
}

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}
type Next = (args: { input: Json }) => Promise<{ output: Json & { $metadata?: { attempts?: number } } }>;

/**
 * The initialize-step middleware: asks DynamoDB for its consumed capacity, times the call and
 * hands one record per call to `sink`. The caller sees the same output as without it.
 */
export function requestCountingMiddleware(
  sink: Sink,
  owner: string | (() => string),
  /** Whether requests to this service are wanted now; the others pass through untouched (and uncounted). */
  wants: (service: string) => boolean = () => true,
) {
  return (next: Next, context: MiddlewareContext) => async (args: { input: Json }) => {
    const service = (context.clientName ?? "Unknown").replace(/Client$/, "");
    if (!wants(service)) return next(args);
    const fn = typeof owner === "string" ? owner : owner();
    const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
    const isDynamo = service === "DynamoDB";
    const askCapacity =
      isDynamo && CAPACITY_OPERATIONS.has(operation) && args.input.ReturnConsumedCapacity === undefined;
    const input = askCapacity ? { ...args.input, ReturnConsumedCapacity: "TOTAL" } : args.input;
    const startMs = performance.now();
    const record = (partial: Partial<AwsRequestRecord>) =>
      sink(
        {
          fn,
          service,
          operation,
          startMs,
          endMs: performance.now(),
          attempts: 1,
          readUnits: 0,
          writeUnits: 0,
          capacity: "none",
          ...(Array.isArray(input.Entries) ? { entries: input.Entries.length } : {}),
          ...partial,
        },
        input,
      );
    try {
      const result = await next({ ...args, input });
      const output = result.output;
      let capacity: Pick<AwsRequestRecord, "readUnits" | "writeUnits" | "capacity"> = {
        readUnits: 0,
        writeUnits: 0,
        capacity: "none",
      };
      if (isDynamo && CAPACITY_OPERATIONS.has(operation)) {
        const reported = reportedUnits(output.ConsumedCapacity);
        const isRead = READ_OPERATIONS.has(operation);
        // DynamoDB bills a minimum per request (an empty query or a missing item still costs a
        // read unit, half when eventually consistent); the emulator reports 0 for those.
        const floor = minimumUnits(operation, input);
        capacity =
          reported !== undefined
            ? {
                readUnits: isRead ? Math.max(reported, floor) : 0,
                writeUnits: isRead ? 0 : Math.max(reported, floor),
                capacity: "reported",
              }
            : { ...computedCapacity(operation, input, output, false), capacity: "computed" };
        if (askCapacity) delete output.ConsumedCapacity;
      }
      record({ ...capacity, attempts: output.$metadata?.attempts ?? 1 });
      return result;
    } catch (error) {
      const name = (error as { name?: string }).name ?? "Error";
      const failedCondition =
        name === "ConditionalCheckFailedException" || name === "TransactionCanceledException";
      const units =
        isDynamo && CAPACITY_OPERATIONS.has(operation)
          ? {
              ...computedCapacity(operation, input, undefined, failedCondition),
              capacity: "computed" as const,
            }
          : {};
      record({
        ...units,
        attempts: (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1,
        error: name,
      });
      throw error;
    }
  };
}

/** Which function a stack belongs to (its handler, the local runtime, else the bench). */
export function ownerFromStack(stack: string): string {
  const handler = /[/\\]functions[/\\]([a-z0-9-]+)[/\\]handler\.[tj]s/.exec(stack);
  if (handler?.[1]) return handler[1];
  if (/[/\\]infra[/\\]local[/\\]/.test(stack)) return "local-runtime";
  return "bench";
}

/**
 * The longest chain of requests where each starts after the previous one ended: how many round
 * trips the caller waited for one after another (concurrent requests count once).
 */
export function sequentialRoundTrips<T extends { startMs: number; endMs: number }>(
  intervals: readonly T[],
): T[] {
  const chain: T[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const interval of [...intervals].sort((a, b) => a.endMs - b.endMs)) {
    if (interval.startMs >= lastEnd) {
      chain.push(interval);
      lastEnd = interval.endMs;
    }
  }
  return chain;
}

/** What the functions thread needs to know of the main thread's request log (see forwardFromThread). */
interface LogSettings {
  keep: boolean;
  tapping: boolean;
  tapServices?: string[];
}
const SETTINGS_CHANNEL = "moments-bench-request-log";
let settingsChannel: BroadcastChannel | undefined;
/** Main thread: tells the functions thread what to report (asynchronously: set it before the work). */
function broadcastSettings() {
  if (!isMainThread) return;
  if (settingsChannel === undefined) {
    settingsChannel = new BroadcastChannel(SETTINGS_CHANNEL);
    (settingsChannel as unknown as { unref(): void }).unref();
  }
  settingsChannel.postMessage({
    keep,
    tapping: tap !== undefined,
    ...(tapServices ? { tapServices: [...tapServices] } : {}),
  } satisfies LogSettings);
}
let keep = true;
let tap: Sink | undefined;
let tapServices: ReadonlySet<string> | undefined;

/**
 * Where instrumented clients report: `records` (every request, in order, while `keep` is true) and
 * `tap` (each request with its input, e.g. to time emails during the load test without keeping
 * every record), for the services in `tapServices` when given. While nothing is kept, requests the
 * tap does not want skip the instrumentation altogether: the load test measures the stack's CPU,
 * not the bench's (asking DynamoDB for its consumed capacity and sizing items cost ~2 % of it).
 * The functions thread's requests (the back end's functions: see infra/local/functions-thread.ts)
 * arrive here too (receiveThreadRequest), and follow the same settings.
 */
export const requestLog: {
  keep: boolean;
  records: AwsRequestRecord[];
  tap?: Sink | undefined;
  tapServices?: ReadonlySet<string> | undefined;
} = {
  records: [],
  get keep() {
    return keep;
  },
  set keep(value) {
    keep = value;
    broadcastSettings();
  },
  get tap() {
    return tap;
  },
  set tap(value) {
    tap = value;
    broadcastSettings();
  },
  get tapServices() {
    return tapServices;
  },
  set tapServices(value) {
    tapServices = value;
    broadcastSettings();
  },
};

const wanted = (service: string): boolean =>
  requestLog.keep ||
  (requestLog.tap !== undefined &&
    (requestLog.tapServices === undefined || requestLog.tapServices.has(service)));

/** A request the functions thread relayed: times on the epoch clock, its input when tapped. */
interface RelayedRequest {
  kind: "aws-request";
  record: AwsRequestRecord;
  input?: Record<string, unknown>;
}

/**
 * Functions thread (imported first there, see thread-requests.ts): instruments its SDK clients and
 * relays their requests to the main thread's log, as its settings ask.
 */
export function forwardFromThread(relay: (data: RelayedRequest) => void): void {
  const channel = new BroadcastChannel(SETTINGS_CHANNEL);
  (channel as unknown as { unref(): void }).unref();
  const forward: Sink = (record, input) =>
    relay({
      kind: "aws-request",
      record: {
        ...record,
        startMs: record.startMs + performance.timeOrigin,
        endMs: record.endMs + performance.timeOrigin,
      },
      ...(requestLog.tap !== undefined && wanted(record.service) ? { input } : {}),
    });
  channel.onmessage = (message) => {
    const settings = (message as { data: LogSettings }).data;
    keep = settings.keep;
    tap = settings.tapping ? () => undefined : undefined;
    tapServices = settings.tapServices ? new Set(settings.tapServices) : undefined;
  };
  instrumentAwsClients(forward);
}

/** Main thread: a request the functions thread relayed, into `requestLog` as if made here. */
export function receiveThreadRequest(data: unknown): void {
  const relayed = data as RelayedRequest;
  if (relayed?.kind !== "aws-request") return;
  const record = {
    ...relayed.record,
    startMs: relayed.record.startMs - performance.timeOrigin,
    endMs: relayed.record.endMs - performance.timeOrigin,
  };
  if (requestLog.keep) requestLog.records.push(record);
  requestLog.tap?.(record, relayed.input ?? {});
}

let installed = false;

/**
 * Makes every AWS SDK client report its requests to `requestLog` (or `sink`), from its next request
 * on. Idempotent.
 */
export function instrumentAwsClients(
  sink: Sink = (r, input) => {
    if (requestLog.keep) requestLog.records.push(r);
    requestLog.tap?.(r, input);
  },
): void {
  if (installed) return;
  installed = true;
  const ownerHere = (why: string) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const stack = new Error(why).stack ?? "";
    Error.stackTraceLimit = limit;
    return ownerFromStack(stack);
  };
  const owner = () => currentFunction() ?? ownerHere("request sent");
  type Stack = { add: (middleware: unknown, options: unknown) => void };
  const prototype = Object.getPrototypeOf(DynamoDBClient.prototype) as {
    send: (this: { middlewareStack: Stack }, ...args: unknown[]) => unknown;
  };
  // A document client shares its client's stack: one middleware per stack, not per client.
  const counted = new WeakSet<Stack>();
  const send = prototype.send;
  prototype.send = function (this: { middlewareStack: Stack }, ...args: unknown[]) {
    const stack = this.middlewareStack;
    if (!counted.has(stack)) {
      counted.add(stack);
      stack.add(requestCountingMiddleware(sink, owner, wanted), {
        step: "initialize",
        priority: "high",
        name: "benchRequestCounter",
      });
    }
    return send.apply(this, args);
  };
}
