/**
 * What dynalite lacks, in front of it: TransactWriteItems, TransactGetItems and Time to Live.
 *
 * An HTTP proxy (the local DynamoDB endpoint) forwards every request to dynalite unchanged, except
 * the four operations it implements itself. A transaction is made of dynalite's own single-item
 * calls, so conditions, update expressions and validation behave exactly as they do outside a
 * transaction:
 * 1. Take the lock exclusively (every other request waits, see FifoLock).
 * 2. Validate what AWS validates before touching anything (1-100 items, one action per item, no
 *    two actions on the same item).
 * 3. Snapshot every target item (consistent GetItem).
 * 4. Apply each action as the equivalent PutItem / UpdateItem / DeleteItem with its condition.
 * 5. If any action fails, put every applied item back to its snapshot and answer
 *    TransactionCanceledException with one CancellationReason per action, in request order.
 * Nothing can observe steps 3-5 half done, because nothing else runs while the lock is held.
 *
 * With an undo journal (a persisted data directory), step 4 starts by journaling every target's
 * snapshot, and the transaction's end (committed or rolled back) is journaled before it answers. A
 * process killed in between (kill -9 while `npm start` runs) left it partly applied: the next start
 * puts those items back as they were before answering anything, so a transaction is all or nothing
 * across kills too, as on AWS (its client never had an answer, and retries it).
 *
 * Asked for it (`ReturnConsumedCapacity`), a committed TransactWriteItems answers the capacity it
 * consumed as DynamoDB bills it: each action twice what dynalite reports for its single-item call,
 * which is 1 unit per started KB of the larger of the item's old and new images (a ConditionCheck,
 * billed as a write, by its item's current size). So `npm run bench` counts what a transaction
 * really costs, old image included, rather than estimating it from the request.
 *
 * Known gaps, acceptable for a local stack: ItemCollectionMetrics is never returned, nor
 * ConsumedCapacity for a cancelled transaction or a TransactGetItems; the 4 MB aggregate size limit
 * is not checked (each item's 400 KB limit is).
 */
import { createHash, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { openJournal } from "./journal.js";

/** DynamoDB's item size (attribute names and values, as billed), from dynalite: for the item trace. */
const itemSize = createRequire(import.meta.url)("dynalite/db/index.js").itemSize as (item: Item) => number;

export interface TransactionProxyOptions {
  /** Interface the proxy listens on (random port). */
  host: string;
  /** The dynalite server everything is forwarded to. */
  target: { host: string; port: number };
  /**
   * The dynalite server's request listener: when given, requests reach it in-process instead of
   * over a second HTTP hop (which cost as much CPU as dynalite itself under load).
   */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Keeps the UpdateTimeToLive settings across restarts (for a persisted data directory). */
  timeToLiveFile?: string;
  /**
   * Journal of the transactions being applied (for a persisted data directory): what makes them all
   * or nothing across a kill (see above).
   */
  undoJournalFile?: string;
  /** Clock in epoch milliseconds, for the idempotency window and TTL expiry. Default `Date.now`. */
  now?: () => number;
  /**
   * Deletes expired items (TTL attribute, epoch seconds, before now) this often. Off when absent:
   * AWS deletes expired items only eventually (within days), so code must not rely on it anyway.
   */
  ttlSweepIntervalMs?: number;
  /**
   * Test seam: called after each write of a TransactWriteItems reached dynalite, with how many it
   * has written so far (a test kills the process there, as a kill -9 may land).
   */
  afterTransactionWrite?: (written: number) => void;
  /**
   * Authorization (see iam.ts): `callerOf` names the restricted caller of a request (undefined: not
   * restricted), `check` answers its refusal (AccessDeniedException) or undefined when allowed.
   */
  access?: {
    callerOf(headers: IncomingHttpHeaders): string | undefined;
    check(caller: string, operation: string, input: Record<string, unknown>): Answer | undefined;
  };
}

export interface TransactionProxy {
  endpoint: string;
  /** The proxy's request listener: a request handed here is answered as one its server received. */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** One TTL pass over every table with TTL enabled; resolves with the number of items deleted. */
  sweepExpiredItems(): Promise<number>;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;
/** An item or key in wire format (attribute name -> AttributeValue), opaque here: dynalite validates it. */
type Item = Json;

/** A DynamoDB answer: the HTTP status and the JSON body (`__type` + message when an error). */
export interface Answer {
  status: number;
  body: Json;
}

/** Ends the request with `answer`, typically an error the SDK will rethrow as its typed exception. */
class Refusal extends Error {
  constructor(readonly answer: Answer) {
    super(String(answer.body.message ?? answer.body.Message ?? answer.body.__type));
  }
}

const API = "DynamoDB_20120810";
/** What dynalite checks of our own calls: a signature is present (not that it is valid). */
const DYNALITE_HEADERS = {
  "content-type": "application/x-amz-json-1.0",
  authorization:
    "AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
  "x-amz-date": "20200101T000000Z",
};
const MAX_TRANSACTION_ITEMS = 100;
/** The undo journal is emptied once this many bytes were appended (between two transactions). */
const UNDO_JOURNAL_COMPACT_BYTES = 8 * 1024 * 1024;
const IDEMPOTENCY_WINDOW_MS = 10 * 60_000;
// AWS ignores TTL values more than five years in the past (likely milliseconds stored by mistake).
const TTL_MAX_AGE_SECONDS = 5 * 365 * 24 * 3600;

const error = (type: string, message: string): Answer => ({
  status: 400,
  body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message },
});
const validation = (message: string): Answer => ({
  status: 400,
  body: { __type: "com.amazon.coral.validate#ValidationException", message },
});
/** The error name the SDK derives from `__type` ("...#ConditionalCheckFailedException"). */
const errorName = (answer: Answer) =>
  answer.status === 200
    ? undefined
    : String(answer.body.__type ?? "")
        .split("#")
        .pop();

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A FIFO readers-writer lock. Plain requests share it (dynalite already serializes writes to one
 * item); a transaction holds it alone, so no other request can see or interleave with its
 * snapshot, apply and rollback. FIFO: once a transaction is waiting, later requests queue behind
 * it, so a steady stream of plain requests cannot starve transactions.
 */
export class FifoLock {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: Array<{ exclusive: boolean; grant: () => void }> = [];

  /** Resolves with the release function once granted. */
  acquire(exclusive: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiting.push({ exclusive, grant: () => resolve(this.releaser(exclusive)) });
      this.grantWaiting();
    });
  }

  private releaser(exclusive: boolean): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) this.exclusive = false;
      else this.shared -= 1;
      this.grantWaiting();
    };
  }

  private grantWaiting(): void {
    for (let next = this.waiting[0]; next; next = this.waiting[0]) {
      if (this.exclusive || (next.exclusive && this.shared > 0)) return;
      this.waiting.shift();
      if (next.exclusive) this.exclusive = true;
      else this.shared += 1;
      next.grant();
    }
  }
}

/** A transaction's writes, as their items were before it (absent: the item did not exist). */
type UndoRecord =
  | { t: "begin"; id: string; undo: Array<{ tableName: string; key: Item; before?: Item }> }
  | { t: "end"; id: string };

type ActionKind = "Put" | "Update" | "Delete" | "ConditionCheck";
const ACTION_KINDS: readonly ActionKind[] = ["Put", "Update", "Delete", "ConditionCheck"];

/** One action of a transaction request (a Get, or a write), with the key of the item it targets. */
interface Action<Kind extends string> {
  kind: Kind;
  params: Json;
  tableName: string;
  key: Item;
}
type WriteAction = Action<ActionKind>;

/** The expression members a single-item call shares with its transaction action. */
function expressionParams(params: Json): Json {
  const picked: Json = {};
  for (const name of ["ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"]) {
    if (params[name] !== undefined) picked[name] = params[name];
  }
  return picked;
}

/**
 * The single-item call that performs `action` on dynalite. A ConditionCheck must evaluate its
 * condition without changing anything: it rewrites the item's current image under the condition
 * (PutItem), or, when the item does not exist, deletes the absent item under it (DeleteItem).
 * Either way dynalite evaluates the condition exactly as for any conditional write.
 */
function singleItemCall(action: WriteAction, before: Item | undefined): [string, Json] {
  const { params, tableName: TableName, key: Key } = action;
  const expressions = expressionParams(params);
  switch (action.kind) {
    case "Put":
      return ["PutItem", { TableName, Item: params.Item, ...expressions }];
    case "Update":
      return ["UpdateItem", { TableName, Key, UpdateExpression: params.UpdateExpression, ...expressions }];
    case "Delete":
      return ["DeleteItem", { TableName, Key, ...expressions }];
    case "ConditionCheck":
      return before
        ? ["PutItem", { TableName, Item: before, ...expressions }]
        : ["DeleteItem", { TableName, Key, ...expressions }];
  }
}

// UpdateItem errors that depend on the item's data rather than on the request. AWS reports these as
// a cancellation reason (Code "ValidationError"); everything else is a request-level ValidationException.
const DATA_VALIDATION_ERROR =
  /^(An operand in the update expression has an incorrect data type|Type mismatch for attribute to update|The document path provided in the update expression is invalid for update|Item size to update has exceeded|The update expression attempted to update the secondary index key)/;

/**
 * What a committed transaction consumed, per table: twice (prepare and commit) the units dynalite
 * reported for each action's single-item call (the larger of the old and new image, per started KB).
 */
function consumedCapacity(actions: WriteAction[], answers: Answer[]): Json[] {
  const byTable = new Map<string, number>();
  for (const [index, action] of actions.entries()) {
    const reported = answers[index]?.body.ConsumedCapacity;
    const units =
      isObject(reported) && typeof reported.CapacityUnits === "number" ? reported.CapacityUnits : 1;
    byTable.set(action.tableName, (byTable.get(action.tableName) ?? 0) + 2 * Math.max(1, units));
  }
  return [...byTable].map(([TableName, CapacityUnits]) => ({ TableName, CapacityUnits }));
}

export async function startTransactionProxy(options: TransactionProxyOptions): Promise<TransactionProxy> {
  const traceItems = process.env.MOMENTS_TRACE_TRANSACTION_ITEMS === "1";
  const now = options.now ?? Date.now;
  const agent = new Agent({ keepAlive: true });
  const lock = new FifoLock();

  /** Calls dynalite directly (not through the lock: callers hold it). */
  function call(operation: string, input: Json): Promise<Answer> {
    const body = JSON.stringify(input);
    const inProcess = options.handler;
    if (inProcess) {
      // The few members of a request and a response dynalite's listener uses.
      return new Promise((resolve, reject) => {
        const req = Object.assign(new EventEmitter(), {
          method: "POST",
          url: "/",
          headers: { ...DYNALITE_HEADERS, "x-amz-target": `${API}.${operation}` },
        });
        const res = {
          statusCode: 200,
          shouldKeepAlive: true,
          setHeader: () => undefined,
          end: (answer?: string | Buffer) => {
            try {
              const parsed: unknown = JSON.parse(answer === undefined ? "{}" : answer.toString() || "{}");
              resolve({ status: res.statusCode, body: isObject(parsed) ? parsed : {} });
            } catch (cause) {
              reject(cause);
            }
          },
        };
        inProcess(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        req.emit("data", Buffer.from(body));
        req.emit("end");
      });
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...options.target,
          method: "POST",
          path: "/",
          agent,
          headers: {
            ...DYNALITE_HEADERS,
            "content-length": Buffer.byteLength(body),
            "x-amz-target": `${API}.${operation}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            try {
              const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString() || "{}");
              resolve({ status: res.statusCode ?? 500, body: isObject(parsed) ? parsed : {} });
            } catch (cause) {
              reject(cause);
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Like `call`, but any error answer ends the request with that answer. */
  async function callOrRefuse(operation: string, input: Json): Promise<Json> {
    const answer = await call(operation, input);
    if (answer.status !== 200) throw new Refusal(answer);
    return answer.body;
  }

  // Key attribute names per table; a table's key schema never changes, but the table can be
  // deleted and created again, so CreateTable/DeleteTable clear the cache.
  const keySchemas = new Map<string, string[]>();
  async function keySchemaOf(tableName: string): Promise<string[]> {
    const cached = keySchemas.get(tableName);
    if (cached) return cached;
    const { Table } = await callOrRefuse("DescribeTable", { TableName: tableName });
    const schema = isObject(Table) && Array.isArray(Table.KeySchema) ? Table.KeySchema : [];
    const names = schema.flatMap((element) =>
      isObject(element) && typeof element.AttributeName === "string" ? [element.AttributeName] : [],
    );
    keySchemas.set(tableName, names);
    return names;
  }

  /** The key attributes of `source` (an item or a key), or a ValidationException as AWS words it. */
  function keyOf(source: unknown, schema: string[], isItem: boolean): Item {
    if (!isObject(source))
      throw new Refusal(validation("The provided key element does not match the schema"));
    const key: Item = {};
    for (const name of schema) {
      const value = source[name];
      if (!isObject(value)) {
        throw new Refusal(
          validation(
            isItem
              ? `One or more parameter values were invalid: Missing the key ${name} in the item`
              : "The provided key element does not match the schema",
          ),
        );
      }
      key[name] = value;
    }
    return key;
  }

  // Two spellings of one number ("1" and "1.0") are not recognised as the same key here; dynalite
  // still applies both actions correctly, only the ValidationException AWS would give is missed.
  const identity = (tableName: string, key: Item, schema: string[]) =>
    JSON.stringify([tableName, ...schema.map((name) => key[name])]);

  /** Checks the request shape and the one-action-per-item rule; AWS does this before any write. */
  async function parseTransactItems<Kind extends string>(
    input: Json,
    kinds: readonly Kind[],
  ): Promise<Array<Action<Kind>>> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length < 1 || items.length > MAX_TRANSACTION_ITEMS) {
      throw new Refusal(
        validation(
          "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: " +
            `Member must have length between 1 and ${MAX_TRANSACTION_ITEMS}`,
        ),
      );
    }
    const actions: Array<Action<Kind>> = [];
    const seen = new Set<string>();
    for (const [index, entry] of items.entries()) {
      const present = isObject(entry) ? kinds.filter((kind) => entry[kind] !== undefined) : [];
      const kind = present[0];
      const params = kind && isObject(entry) ? entry[kind] : undefined;
      if (present.length !== 1 || !kind || !isObject(params)) {
        throw new Refusal(
          validation(`TransactItems[${index}] must contain exactly one of ${kinds.join(", ")}`),
        );
      }
      if (typeof params.TableName !== "string") {
        throw new Refusal(validation(`TransactItems[${index}].${kind}.TableName is required`));
      }
      if (kind === "ConditionCheck" && typeof params.ConditionExpression !== "string") {
        throw new Refusal(
          validation(`TransactItems[${index}].ConditionCheck.ConditionExpression is required`),
        );
      }
      if (kind === "Update" && typeof params.UpdateExpression !== "string") {
        throw new Refusal(validation(`TransactItems[${index}].Update.UpdateExpression is required`));
      }
      const schema = await keySchemaOf(params.TableName);
      const key = kind === "Put" ? keyOf(params.Item, schema, true) : keyOf(params.Key, schema, false);
      const id = identity(params.TableName, key, schema);
      if (seen.has(id)) {
        throw new Refusal(validation("Transaction request cannot include multiple operations on one item"));
      }
      seen.add(id);
      actions.push({ kind, params, tableName: params.TableName, key });
    }
    return actions;
  }

  async function snapshot(action: Action<string>): Promise<Item | undefined> {
    const { Item: item } = await callOrRefuse("GetItem", {
      TableName: action.tableName,
      Key: action.key,
      ConsistentRead: true,
    });
    return isObject(item) ? item : undefined;
  }

  /**
   * `MOMENTS_TRACE_TRANSACTION_ITEMS=1`: each committed transaction's items on stderr, with the sizes
   * of their old and new images as DynamoDB counts them and the units each was billed (2 per started
   * KB of the larger image). What to look at when a transaction's WRU in `npm run bench` surprise you.
   */
  async function traceTransactionItems(actions: WriteAction[], before: Array<Item | undefined>) {
    const lines = await Promise.all(
      actions.map(async (action, index) => {
        const after = await snapshot(action);
        const [oldSize, newSize] = [before[index], after].map((item) => (item ? itemSize(item) : 0));
        const units = 2 * Math.max(1, Math.ceil(Math.max(oldSize ?? 0, newSize ?? 0) / 1024));
        return `transaction item ${action.kind} ${JSON.stringify(action.key)}: ${oldSize} -> ${newSize} bytes, ${units} WRU`;
      }),
    );
    process.stderr.write(`${lines.join("\n")}\n`);
  }

  /** Puts an item back as it was before the transaction (or removes it if it did not exist). */
  async function restore(
    action: Pick<WriteAction, "tableName" | "key">,
    before: Item | undefined,
  ): Promise<void> {
    const answer = before
      ? await call("PutItem", { TableName: action.tableName, Item: before })
      : await call("DeleteItem", { TableName: action.tableName, Key: action.key });
    // Under the exclusive lock a restore cannot meet a condition or a concurrent writer; if it fails
    // anyway the local store is inconsistent, and the request must say so rather than pretend.
    if (answer.status !== 200) {
      throw new Error(
        `Rolling back a transaction failed, the local table may be inconsistent: ${errorName(answer)}`,
      );
    }
  }

  /** Puts back, last first, every item a journaled transaction may have written. */
  async function undo(begin: Extract<UndoRecord, { t: "begin" }>): Promise<void> {
    for (const target of [...begin.undo].reverse()) await restore(target, target.before);
  }

  // A transaction a kill interrupted is rolled back before anything else can read its items.
  const opened = options.undoJournalFile ? openJournal<UndoRecord>(options.undoJournalFile) : undefined;
  const undoJournal = opened?.journal;
  if (opened && undoJournal) {
    const open = new Map<string, Extract<UndoRecord, { t: "begin" }>>();
    for (const record of opened.records) {
      if (record.t === "begin") open.set(record.id, record);
      else open.delete(record.id);
    }
    for (const begin of [...open.values()].reverse()) await undo(begin);
    undoJournal.rewrite([]);
  }

  // Tokens of committed transactions: a replay within the window answers success without
  // reapplying. Cancelled transactions changed nothing, so they are not remembered: a retry with the
  // same token evaluates the conditions again, which is what a client retrying a conflict expects.
  // Kept as a digest of the request (the SDK gives every transaction a token, so at a few hundred
  // transactions a second the window holds a few hundred thousand), in commit order, so expired
  // tokens are dropped from the front without walking the rest.
  const committed = new Map<string, { fingerprint: string; expiresAt: number }>();

  async function transactWriteItems(input: Json): Promise<Answer> {
    const token = typeof input.ClientRequestToken === "string" ? input.ClientRequestToken : undefined;
    const { ClientRequestToken: _token, ...rest } = input;
    const fingerprint = createHash("sha256").update(JSON.stringify(rest)).digest("base64");
    for (const [known, entry] of committed) {
      if (entry.expiresAt > now()) break;
      committed.delete(known);
    }
    const previous = token ? committed.get(token) : undefined;
    if (previous) {
      if (previous.fingerprint === fingerprint) return { status: 200, body: {} };
      return error(
        "IdempotentParameterMismatchException",
        "Request parameters do not match the parameters of the original request with the same client token",
      );
    }

    const actions = await parseTransactItems(input, ACTION_KINDS);
    // Read-only, and the lock keeps every writer out: the snapshots can be taken in parallel.
    const before = await Promise.all(actions.map(snapshot));
    const capacity = input.ReturnConsumedCapacity === "TOTAL" || input.ReturnConsumedCapacity === "INDEXES";
    if (undoJournal === undefined) return applyTransaction(actions, before, token, fingerprint, capacity);
    // Journaled before the first write: a kill from here on is undone at the next start.
    const begin: UndoRecord = {
      t: "begin",
      id: randomUUID(),
      undo: actions.flatMap((action, index) => {
        if (action.kind === "ConditionCheck") return [];
        const old = before[index];
        return [{ tableName: action.tableName, key: action.key, ...(old ? { before: old } : {}) }];
      }),
    };
    undoJournal.append(begin);
    let answer: Answer;
    try {
      answer = await applyTransaction(actions, before, token, fingerprint, capacity);
    } catch (cause) {
      // Applied up to an unknown point: put every target back while the lock is still held. (Never
      // left open for the next start: undoing it then would also undo later transactions' writes.)
      await undo(begin).catch(() => undefined);
      throw cause;
    } finally {
      undoJournal.append({ t: "end", id: begin.id });
      if (undoJournal.appendedBytes > UNDO_JOURNAL_COMPACT_BYTES) undoJournal.rewrite([]);
    }
    return answer;
  }

  async function applyTransaction(
    actions: WriteAction[],
    before: Array<Item | undefined>,
    token: string | undefined,
    fingerprint: string,
    /** Answer the consumed capacity (ReturnConsumedCapacity was asked for). */
    capacity = false,
  ): Promise<Answer> {
    // Every action is attempted even after one fails, so that (as on AWS, which checks all
    // conditions) each failing action gets its own reason and a request-level error anywhere wins.
    // At once: each targets its own item, and the lock keeps every other request out, so nothing
    // waits on the transaction longer than its slowest write.
    let written = 0;
    const answers = await Promise.all(
      actions.map(async (action, index) => {
        const [operation, callInput] = singleItemCall(action, before[index]);
        const answer = await call(
          operation,
          capacity ? { ...callInput, ReturnConsumedCapacity: "TOTAL" } : callInput,
        );
        if (errorName(answer) === undefined && action.kind !== "ConditionCheck") {
          written++;
          options.afterTransactionWrite?.(written);
        }
        return answer;
      }),
    );
    const reasons: Json[] = [];
    const applied: number[] = [];
    let requestError: Answer | undefined;
    for (const [index, action] of actions.entries()) {
      const answer = answers[index] as Answer;
      const name = errorName(answer);
      const message = String(answer.body.message ?? answer.body.Message ?? "");
      if (name === undefined) {
        if (action.kind !== "ConditionCheck") applied.push(index);
        reasons.push({ Code: "None" });
      } else if (name === "ConditionalCheckFailedException") {
        const old = before[index];
        const returnOld = action.params.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && old;
        reasons.push({
          Code: "ConditionalCheckFailed",
          Message: "The conditional request failed",
          ...(returnOld ? { Item: old } : {}),
        });
      } else if (
        name === "ValidationException" &&
        action.kind === "Update" &&
        DATA_VALIDATION_ERROR.test(message)
      ) {
        reasons.push({ Code: "ValidationError", Message: message });
      } else {
        reasons.push({ Code: "None" });
        requestError ??= answer;
      }
    }

    const cancelled = reasons.some((reason) => reason.Code !== "None");
    if (!cancelled && !requestError) {
      if (token) committed.set(token, { fingerprint, expiresAt: now() + IDEMPOTENCY_WINDOW_MS });
      if (traceItems) await traceTransactionItems(actions, before);
      return { status: 200, body: capacity ? { ConsumedCapacity: consumedCapacity(actions, answers) } : {} };
    }
    await Promise.all(
      applied.map(async (index) => {
        const action = actions[index];
        if (action) await restore(action, before[index]);
      }),
    );
    if (requestError) return requestError;
    const codes = reasons.map((reason) => reason.Code).join(", ");
    return {
      status: 400,
      body: {
        __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        // AWS spells this member "Message" (capitalised) for this exception.
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        CancellationReasons: reasons,
      },
    };
  }

  async function transactGetItems(input: Json): Promise<Answer> {
    const gets = await parseTransactItems(input, ["Get"]);
    const responses: Json[] = [];
    for (const get of gets) {
      const projection: Json = {};
      if (get.params.ProjectionExpression !== undefined)
        projection.ProjectionExpression = get.params.ProjectionExpression;
      if (get.params.ExpressionAttributeNames !== undefined) {
        projection.ExpressionAttributeNames = get.params.ExpressionAttributeNames;
      }
      const { Item: item } = await callOrRefuse("GetItem", {
        TableName: get.tableName,
        Key: get.key,
        ConsistentRead: true,
        ...projection,
      });
      responses.push(isObject(item) ? { Item: item } : {});
    }
    return { status: 200, body: { Responses: responses } };
  }

  // Table name -> TTL attribute, for the tables with TTL enabled.
  const timeToLive = new Map<string, string>();
  if (options.timeToLiveFile && existsSync(options.timeToLiveFile)) {
    const saved: unknown = JSON.parse(readFileSync(options.timeToLiveFile, "utf8"));
    if (isObject(saved)) {
      for (const [tableName, attribute] of Object.entries(saved)) {
        if (typeof attribute === "string") timeToLive.set(tableName, attribute);
      }
    }
  }
  const saveTimeToLive = () => {
    if (options.timeToLiveFile) {
      writeFileSync(options.timeToLiveFile, JSON.stringify(Object.fromEntries(timeToLive), null, 2));
    }
  };

  async function updateTimeToLive(input: Json): Promise<Answer> {
    const spec = input.TimeToLiveSpecification;
    if (
      typeof input.TableName !== "string" ||
      !isObject(spec) ||
      typeof spec.AttributeName !== "string" ||
      spec.AttributeName.length === 0 ||
      typeof spec.Enabled !== "boolean"
    ) {
      return validation("TableName and TimeToLiveSpecification { AttributeName, Enabled } are required");
    }
    await callOrRefuse("DescribeTable", { TableName: input.TableName });
    if (spec.Enabled === timeToLive.has(input.TableName)) {
      return validation(`TimeToLive is already ${spec.Enabled ? "enabled" : "disabled"}`);
    }
    if (spec.Enabled) timeToLive.set(input.TableName, spec.AttributeName);
    else timeToLive.delete(input.TableName);
    saveTimeToLive();
    return {
      status: 200,
      body: { TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } },
    };
  }

  async function describeTimeToLive(input: Json): Promise<Answer> {
    if (typeof input.TableName !== "string") return validation("TableName is required");
    await callOrRefuse("DescribeTable", { TableName: input.TableName });
    const attribute = timeToLive.get(input.TableName);
    const description = attribute
      ? { TimeToLiveStatus: "ENABLED", AttributeName: attribute }
      : { TimeToLiveStatus: "DISABLED" };
    return { status: 200, body: { TimeToLiveDescription: description } };
  }

  const ownOperations: Record<string, { exclusive: boolean; run: (input: Json) => Promise<Answer> }> = {
    TransactWriteItems: { exclusive: true, run: transactWriteItems },
    TransactGetItems: { exclusive: true, run: transactGetItems },
    UpdateTimeToLive: { exclusive: false, run: updateTimeToLive },
    DescribeTimeToLive: { exclusive: false, run: describeTimeToLive },
  };

  /** Passes a request to dynalite untouched; resolves with dynalite's status once it is answered. */
  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<number> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        { ...options.target, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on("end", () => resolve(answer.statusCode ?? 502));
          answer.on("error", reject);
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  function send(res: ServerResponse, answer: Answer): void {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      "content-type": "application/x-amz-json-1.0",
      "content-length": Buffer.byteLength(body),
      "x-amzn-requestid": randomUUID(),
    });
    res.end(body);
  }

  /** Hands a request to dynalite's own listener: no second HTTP hop. */
  async function toDynalite(
    handler: NonNullable<typeof options.handler>,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const release = await lock.acquire(false);
    try {
      await new Promise<void>((resolve) => {
        res.once("finish", resolve);
        res.once("close", resolve);
        handler(req, res);
      });
    } finally {
      release();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const operationHeader = String(req.headers["x-amz-target"] ?? "");
    const operation = operationHeader.startsWith(`${API}.`) ? operationHeader.slice(API.length + 1) : "";
    const direct =
      options.handler &&
      !ownOperations[operation] &&
      operation !== "CreateTable" &&
      operation !== "DeleteTable"
        ? options.handler
        : undefined;
    const caller = options.access?.callerOf(req.headers);
    if (direct && caller === undefined) {
      // Handed to dynalite as it came, body unread.
      await toDynalite(direct, req, res);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    // The body as JSON, parsed once (undefined when malformed), by whichever needs it first.
    let parsed: { value: unknown } | undefined;
    const input = () => {
      if (parsed === undefined) {
        try {
          parsed = { value: JSON.parse(body.toString()) };
        } catch {
          parsed = { value: undefined };
        }
      }
      return parsed.value;
    };
    if (caller !== undefined && options.access) {
      // Authorized before anything is done, as AWS does; malformed JSON is refused further on.
      const request = input();
      const refusal = isObject(request) ? options.access.check(caller, operation, request) : undefined;
      if (refusal) {
        send(res, refusal);
        return;
      }
      if (direct) {
        // dynalite reads the body from the request's data events: it is given them again.
        const replay = Object.assign(Readable.from([body]), {
          headers: req.headers,
          method: req.method,
          url: req.url,
        }) as unknown as IncomingMessage;
        await toDynalite(direct, replay, res);
        return;
      }
    }
    const own = ownOperations[operation];

    if (!own) {
      const release = await lock.acquire(false);
      try {
        const status = await forward(req, body, res);
        if (status === 200 && (operation === "DeleteTable" || operation === "CreateTable")) {
          keySchemas.clear();
          const tableName: unknown =
            operation === "DeleteTable" ? JSON.parse(body.toString()).TableName : undefined;
          if (typeof tableName === "string" && timeToLive.delete(tableName)) saveTimeToLive();
        }
      } finally {
        release();
      }
      return;
    }

    const request = input();
    if (!isObject(request)) {
      send(res, { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } });
      return;
    }
    const release = await lock.acquire(own.exclusive);
    let answer: Answer;
    try {
      answer = await own.run(request);
    } catch (cause) {
      if (!(cause instanceof Refusal)) throw cause;
      answer = cause.answer;
    } finally {
      release();
    }
    send(res, answer);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((cause: unknown) => {
      // The SDK retries a 500 (with the same ClientRequestToken), as it would on AWS.
      const message = cause instanceof Error ? cause.message : String(cause);
      if (!res.headersSent) {
        send(res, {
          status: 500,
          body: { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message },
        });
      } else res.destroy();
    });
  };
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  async function sweepExpiredItems(): Promise<number> {
    const nowSeconds = Math.floor(now() / 1000);
    let deleted = 0;
    for (const [tableName, attribute] of timeToLive) {
      // Each page and each delete takes the lock on its own, like any client, so a sweep never
      // holds up a transaction for long.
      let startKey: unknown;
      do {
        const release = await lock.acquire(false);
        let page: Answer;
        try {
          page = await call("Scan", {
            TableName: tableName,
            // Only Number values expire, as on AWS: a comparison with a string is false.
            FilterExpression: "#ttl < :now AND #ttl >= :oldest",
            ExpressionAttributeNames: { "#ttl": attribute },
            ExpressionAttributeValues: {
              ":now": { N: String(nowSeconds) },
              ":oldest": { N: String(nowSeconds - TTL_MAX_AGE_SECONDS) },
            },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          });
        } finally {
          release();
        }
        if (page.status !== 200) break; // the table was deleted since: nothing left to expire
        startKey = page.body.LastEvaluatedKey;
        const items = Array.isArray(page.body.Items) ? page.body.Items : [];
        const schema = await keySchemaOf(tableName).catch(() => []);
        for (const item of items) {
          if (!isObject(item)) continue;
          const key: Json = {};
          for (const name of schema) key[name] = item[name];
          const releaseItem = await lock.acquire(false);
          try {
            // Conditional, so an item whose TTL was pushed back since the scan survives.
            const answer = await call("DeleteItem", {
              TableName: tableName,
              Key: key,
              ConditionExpression: "#ttl < :now",
              ExpressionAttributeNames: { "#ttl": attribute },
              ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
            });
            if (answer.status === 200) deleted += 1;
          } finally {
            releaseItem();
          }
        }
      } while (startKey);
    }
    return deleted;
  }

  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;
  let stopped = false;
  const scheduleSweep = (intervalMs: number) => {
    sweepTimer = setTimeout(() => {
      sweeping = sweepExpiredItems()
        // A failed sweep must not crash the local stack; the next one tries again.
        .catch((cause: unknown) => process.emitWarning(`Local DynamoDB TTL sweep failed: ${String(cause)}`))
        .finally(() => {
          sweeping = undefined;
          if (!stopped) scheduleSweep(intervalMs);
        });
    }, intervalMs);
    sweepTimer.unref();
  };
  if (options.ttlSweepIntervalMs !== undefined) scheduleSweep(options.ttlSweepIntervalMs);

  return {
    endpoint: `http://${options.host}:${port}`,
    listener,
    sweepExpiredItems,
    stop: async () => {
      stopped = true;
      clearTimeout(sweepTimer);
      await sweeping;
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      agent.destroy();
      undoJournal?.close();
    },
  };
}
