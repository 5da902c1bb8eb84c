import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type ItemKey, keys, momentSeriesPk, STATS_SHARDS } from "../../contracts/table.js";
import {
  isStatCounter,
  type MomentStats,
  momentStatsFromShards,
  type StatsDeltas,
} from "../../domain/insights.js";
import {
  breakdownFromShards,
  hourCountsOfDay,
  type ReportBucket,
  type SeriesCounts,
  sumSeriesCounts,
} from "../../domain/report.js";
import type { StatsRepository } from "../../ports/insights.js";
import { queryAll } from "./item.js";

/** The `Update` of a stats shard, ready for UpdateItem or a TransactWriteItems entry (add TableName). */
export interface StatsUpdate {
  Key: ItemKey;
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * Builds the update that adds `deltas` to one stats shard of a moment. The run engine puts it in
 * the same TransactWriteItems as the state change it counts (a run entering, ending, a step
 * recorded), so a retried change that fails its condition counts nothing: exactly-once counting
 * without a separate dedupe record. Values are native JS: use it with the document client.
 *
 * Counters are top-level number attributes named after the counter (`entered`,
 * `steps.<stepId>.executed`, `feedback.positive`): DynamoDB's ADD works only on top-level
 * attributes, and every name goes through ExpressionAttributeNames, so the dots and user-chosen
 * step ids are literal characters of one name, never a path.
 */
export function statsIncrement(
  workspaceId: string,
  momentId: string,
  shard: number,
  deltas: StatsDeltas,
): StatsUpdate {
  if (!Number.isInteger(shard) || shard < 0 || shard >= STATS_SHARDS) {
    throw new RangeError(`A stats shard is an integer from 0 to ${STATS_SHARDS - 1}, not ${shard}`);
  }
  const entries = Object.entries(deltas)
    .filter((entry): entry is [string, number] => entry[1] !== undefined && entry[1] !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name, value] of entries) {
    if (!isStatCounter(name)) throw new Error(`"${name}" is not a stats counter`);
    if (!Number.isInteger(value)) throw new Error(`The delta of "${name}" must be an integer, not ${value}`);
  }
  if (entries.length === 0) throw new Error("A stats increment needs at least one non-zero delta");
  return {
    Key: keys.momentStatsShard(workspaceId, momentId, shard),
    UpdateExpression: `SET #type = :type, #ws = :ws, #moment = :moment ADD ${entries
      .map((_, i) => `#c${i} :c${i}`)
      .join(", ")}`,
    ExpressionAttributeNames: {
      "#type": "type",
      "#ws": "workspaceId",
      "#moment": "momentId",
      ...Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name])),
    },
    ExpressionAttributeValues: {
      ":type": "moment_stats",
      ":ws": workspaceId,
      ":moment": momentId,
      ...Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value])),
    },
  };
}

/** Batch gets in flight at once for the moments list's trend (its keys are many: days x shards). */
const BATCH_GET_CONCURRENCY = 8;
/** Keys one BatchGetItem / BatchWriteItem call may carry. */
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
/** Rounds of retrying unprocessed keys (throttling) before giving up, with doubling pauses. */
const BATCH_ATTEMPTS = 6;
const BATCH_BACKOFF_MS = 25;

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, BATCH_BACKOFF_MS * 2 ** attempt));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/**
 * Gets items by key, however many: batches of 100 (`concurrency` of them in flight at once),
 * unprocessed keys (throttling) retried with backoff. Missing items are simply absent from the
 * answer, which is in no particular order.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  itemKeys: readonly ItemKey[],
  concurrency = 1,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const pending = chunks(itemKeys, BATCH_GET_LIMIT);
  const worker = async () => {
    for (let chunk = pending.shift(); chunk; chunk = pending.shift())
      found.push(...(await batchGetChunk(db, tableName, chunk)));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  return found;
}

async function batchGetChunk(
  db: DynamoDBDocumentClient,
  tableName: string,
  chunk: readonly ItemKey[],
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] = chunk.map((key) => ({ ...key }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= BATCH_ATTEMPTS) {
      throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`);
    }
    if (attempt > 0) await pause(attempt);
    const result = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
    found.push(...(result.Responses?.[tableName] ?? []));
    pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return found;
}

/** Puts items, however many: batches of 25, unprocessed items (throttling) retried with backoff. */
export async function batchPutAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  for (const chunk of chunks(items, BATCH_WRITE_LIMIT)) {
    let pending = chunk.map((item) => ({ PutRequest: { Item: item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_ATTEMPTS) {
        throw new Error(`BatchWriteItem left ${pending.length} items unprocessed after ${attempt} attempts`);
      }
      if (attempt > 0) await pause(attempt);
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
      );
    }
  }
}

const shardKeys = (workspaceId: string, momentId: string) =>
  Array.from({ length: STATS_SHARDS }, (_, shard) => keys.momentStatsShard(workspaceId, momentId, shard));

export class DynamoStatsRepository implements StatsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(workspaceId: string, momentId: string): Promise<MomentStats> {
    return momentStatsFromShards(
      await batchGetAll(this.db, this.tableName, shardKeys(workspaceId, momentId)),
    );
  }

  async readBreakdown(workspaceId: string, momentId: string) {
    const shards = await batchGetAll(this.db, this.tableName, shardKeys(workspaceId, momentId));
    return { stats: momentStatsFromShards(shards), breakdown: breakdownFromShards(shards) };
  }

  /**
   * One query per shard, in parallel, over its day items of the range: a day item holds the day's
   * counters and its hours' (see hourCounter). Hours also read the hour items of the range, which
   * counted hours before they moved into the day item (they expire within 35 days): a change was
   * counted in one or the other, never both.
   */
  async readSeries(
    workspaceId: string,
    momentId: string,
    bucket: ReportBucket,
    fromKey: string,
    toKey: string,
  ): Promise<Map<string, SeriesCounts>> {
    const byKey = new Map<string, Record<string, unknown>[]>();
    const add = (key: string, counts: Record<string, unknown>) =>
      byKey.set(key, [...(byKey.get(key) ?? []), counts]);
    if (bucket === "day") {
      for (const item of await this.seriesItems(workspaceId, momentId, "D#", fromKey, toKey))
        add(String(item.sk).slice("D#".length), item);
    } else {
      const [days, hours] = await Promise.all([
        this.seriesItems(workspaceId, momentId, "D#", fromKey.slice(0, 10), toKey.slice(0, 10)),
        this.seriesItems(workspaceId, momentId, "H#", fromKey, toKey),
      ]);
      for (const item of hours) add(String(item.sk).slice("H#".length), item);
      for (const item of days)
        for (const [key, counts] of hourCountsOfDay(String(item.sk).slice("D#".length), item))
          if (key >= fromKey && key <= toKey) add(key, counts);
    }
    return new Map([...byKey].map(([key, shards]) => [key, sumSeriesCounts(shards)]));
  }

  /** The series items of one kind (`D#`, `H#`) from `fromKey` to `toKey`, of every shard. */
  private async seriesItems(
    workspaceId: string,
    momentId: string,
    prefix: "D#" | "H#",
    fromKey: string,
    toKey: string,
  ) {
    const shards = await Promise.all(
      Array.from({ length: STATS_SHARDS }, (_, shard) =>
        queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": momentSeriesPk(workspaceId, momentId, shard),
            ":from": `${prefix}${fromKey}`,
            ":to": `${prefix}${toKey}`,
          },
        }),
      ),
    );
    return shards.flat();
  }

  /** The day buckets of every shard of each moment, by key: one BatchGetItem per ~100 keys. */
  async readEnteredByDay(workspaceId: string, momentIds: readonly string[], days: readonly string[]) {
    const unique = [...new Set(momentIds)];
    const wanted = unique.flatMap((momentId) =>
      Array.from({ length: STATS_SHARDS }, (_, shard) =>
        days.map((day) => keys.momentSeries(workspaceId, momentId, shard, "day", day)),
      ).flat(),
    );
    const items = await batchGetAll(this.db, this.tableName, wanted, BATCH_GET_CONCURRENCY);
    const momentOfPk = new Map(
      unique.flatMap((momentId) =>
        Array.from(
          { length: STATS_SHARDS },
          (_, shard) => [momentSeriesPk(workspaceId, momentId, shard), momentId] as const,
        ),
      ),
    );
    const result = new Map(unique.map((id) => [id, days.map(() => 0)]));
    for (const item of items) {
      const momentId = typeof item.pk === "string" ? momentOfPk.get(item.pk) : undefined;
      const index = days.indexOf(String(item.sk).slice("D#".length));
      const counts = momentId === undefined ? undefined : result.get(momentId);
      if (counts && index >= 0 && typeof item.entered === "number")
        counts[index] = (counts[index] ?? 0) + item.entered;
    }
    return result;
  }

  async readMany(workspaceId: string, momentIds: readonly string[]): Promise<Map<string, MomentStats>> {
    const unique = [...new Set(momentIds)];
    const items = await batchGetAll(
      this.db,
      this.tableName,
      unique.flatMap((momentId) => shardKeys(workspaceId, momentId)),
    );
    // Shards are told apart by key, not by their momentId attribute: the key is what we asked for.
    const momentOfPk = new Map(
      unique.flatMap((momentId) =>
        shardKeys(workspaceId, momentId).map((key) => [key.pk, momentId] as const),
      ),
    );
    const byMoment = new Map<string, Record<string, unknown>[]>(unique.map((id) => [id, []]));
    for (const item of items) {
      const momentId = typeof item.pk === "string" ? momentOfPk.get(item.pk) : undefined;
      if (momentId !== undefined) byMoment.get(momentId)?.push(item);
    }
    return new Map([...byMoment].map(([momentId, shards]) => [momentId, momentStatsFromShards(shards)]));
  }

  async increment(workspaceId: string, momentId: string, shard: number, deltas: StatsDeltas): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        ...statsIncrement(workspaceId, momentId, shard, deltas),
      }),
    );
  }
}
