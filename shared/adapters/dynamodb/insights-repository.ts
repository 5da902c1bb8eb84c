import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { keys, STATS_SHARDS, sortKeyPrefix } from "../../contracts/table.js";
import {
  type AccountEvent,
  type Decision,
  type DecisionBatch,
  decisionReasons,
  insightExpiresAt,
  MAX_CONDITION_TEXT,
  MAX_PROPERTY_NAME_LENGTH,
  MAX_SAMPLE_PER_EVENT,
  MAX_SAMPLE_PROPERTIES,
  mergeObservedEventShards,
  type ObservedEvent,
  type ObservedEventShard,
} from "../../domain/insights.js";
import type { AccountRun, InsightsRepository } from "../../ports/insights.js";
import { isConditionalCheckFailed } from "./errors.js";
import { fromItem } from "./item.js";
import { batchGetAll, batchPutAll } from "./stats-repository.js";

/** Stands for "no moment" in the key of a decision about the event as a whole (not an id character). */
const WHOLE_EVENT = "*";
/** Query pages read per observed-events shard: ~1,000 names a page, far more than a workspace uses. */
const MAX_OBSERVED_PAGES = 10;
/** Runs per keyed moment the account view lists (one per key value). */
const MAX_KEYED_RUNS = 50;
/** Observed (event, shard) pairs remembered as having a full property sample, per container. */
const FULL_SAMPLES_REMEMBERED = 10_000;

const reasons: ReadonlySet<string> = new Set(decisionReasons);

/**
 * The decision log, recent events, observed events and account runs in the single table.
 *
 * Decisions and recent events live in the account's item collection (`WS#<ws>#ACCOUNT#<account>`,
 * beside its profile) with a 7-day TTL; observed events are sharded like stats, one item per
 * (shard, event name). Every write is a plain single-item write: see InsightsRecorder.
 */
export class DynamoInsightsRepository implements InsightsRepository {
  /** (workspace, event, shard) whose property sample is full: its updates skip the sample. */
  private readonly fullSamples = new Set<string>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordDecisions(...batches: DecisionBatch[]): Promise<void> {
    await batchPutAll(this.db, this.tableName, batches.flatMap(decisionItems));
  }

  /**
   * One row per event, written for every event: its property names are cut to what keeps the row
   * within 1 KB, DynamoDB's unit of write (a longer row would cost 2 WRU or more).
   */
  async recordAccountEvent(workspaceId: string, accountId: string, event: AccountEvent): Promise<void> {
    const row = {
      ...keys.accountEvent(workspaceId, accountId, event.receivedAt, event.messageId),
      type: "account_event",
      messageId: event.messageId,
      event: event.event,
      timestamp: event.timestamp,
      receivedAt: event.receivedAt,
      sourceId: event.sourceId,
      expiresAt: insightExpiresAt(event.receivedAt),
    };
    const names = sampleNames(event.propertyNames, MAX_SAMPLE_PROPERTIES);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...row, propertyNames: withinBytes(names, ROW_BYTES - approximateItemBytes(row) - 16) },
      }),
    );
  }

  async forgetAccountEvent(workspaceId: string, accountId: string, receivedAt: string, messageId: string) {
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.accountEvent(workspaceId, accountId, receivedAt, messageId),
      }),
    );
  }

  /**
   * One update per event (or per several, counted together: see `seen`): count, first/last seen and the property sample. The sample is a string
   * set kept under MAX_SAMPLE_PROPERTIES per shard by a size condition; once a shard's set is full
   * the update is repeated without it, and this container remembers to skip it from then on, so a
   * busy event with a full sample costs one write, not two.
   *
   * Approximate by design: no dedupe, so an event whose processing is retried after this write is
   * counted again. `lastSeenAt` is the `at` of the latest write, which is the latest event as long
   * as `at` is the server's receive time.
   */
  async observeEvent(
    workspaceId: string,
    eventName: string,
    propertyNames: readonly string[],
    at: string,
    shard: number,
    seen: { count: number; firstAt: string } = { count: 1, firstAt: at },
  ): Promise<void> {
    if (!Number.isInteger(shard) || shard < 0 || shard >= STATS_SHARDS) {
      throw new RangeError(
        `An observed-event shard is an integer from 0 to ${STATS_SHARDS - 1}, not ${shard}`,
      );
    }
    const key = keys.observedEventShard(workspaceId, eventName, shard);
    const cacheKey = JSON.stringify([workspaceId, eventName, shard]);
    const names = this.fullSamples.has(cacheKey) ? [] : sampleNames(propertyNames, MAX_SAMPLE_PER_EVENT);
    const update = (withSample: boolean) =>
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET #type = :type, #name = :name, firstSeenAt = if_not_exists(firstSeenAt, :first), lastSeenAt = :at ADD #count :count${withSample ? ", #props :props" : ""}`,
        ...(withSample
          ? { ConditionExpression: "attribute_not_exists(#props) OR size(#props) <= :room" }
          : {}),
        ExpressionAttributeNames: {
          "#type": "type",
          "#name": "name",
          "#count": "count",
          ...(withSample ? { "#props": "sampleProperties" } : {}),
        },
        ExpressionAttributeValues: {
          ":type": "observed_event",
          ":name": eventName,
          ":at": at,
          ":first": seen.firstAt,
          ":count": seen.count,
          ...(withSample ? { ":props": new Set(names), ":room": MAX_SAMPLE_PROPERTIES - names.length } : {}),
        },
      });
    if (names.length === 0) {
      await this.db.send(update(false));
      return;
    }
    try {
      await this.db.send(update(true));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (this.fullSamples.size >= FULL_SAMPLES_REMEMBERED) this.fullSamples.clear();
      this.fullSamples.add(cacheKey);
      await this.db.send(update(false));
    }
  }

  async listDecisions(workspaceId: string, accountId: string, limit: number): Promise<Decision[]> {
    const items = await this.latest(workspaceId, accountId, sortKeyPrefix.decision, limit);
    return items.flatMap((item) => {
      const decision = toDecision(item);
      return decision ? [decision] : [];
    });
  }

  async listAccountEvents(workspaceId: string, accountId: string, limit: number): Promise<AccountEvent[]> {
    const items = await this.latest(workspaceId, accountId, sortKeyPrefix.accountEvent, limit);
    return items.map((item) => ({
      messageId: String(item.messageId),
      event: String(item.event),
      timestamp: String(item.timestamp),
      receivedAt: String(item.receivedAt),
      sourceId: String(item.sourceId),
      propertyNames: Array.isArray(item.propertyNames) ? item.propertyNames.map(String) : [],
    }));
  }

  /**
   * Reads the account's memberships: the membership is the run engine's per-(moment, account) record
   * of the account's latest run, so no index of our own has to be kept in step with it. Plain
   * memberships by key (one BatchGetItem per 100 moments); keyed moments' memberships (one per key
   * value, `ACCOUNT#<account>#KEY#<value>`) with one Query each.
   */
  async listAccountRuns(
    workspaceId: string,
    accountId: string,
    moments: readonly { momentId: string; keyed: boolean }[],
  ): Promise<AccountRun[]> {
    const momentIds = [...new Set(moments.map((moment) => moment.momentId))];
    const keyed = [...new Set(moments.filter((moment) => moment.keyed).map((moment) => moment.momentId))];
    const momentOfPk = new Map(
      momentIds.map((momentId) => [keys.membership(workspaceId, momentId, accountId).pk, momentId] as const),
    );
    const [plain, ...perKey] = await Promise.all([
      batchGetAll(
        this.db,
        this.tableName,
        momentIds.map((momentId) => keys.membership(workspaceId, momentId, accountId)),
      ),
      ...keyed.map((momentId) => this.keyedMemberships(workspaceId, momentId, accountId)),
    ]);
    return [...plain, ...perKey.flat()].flatMap((item) => {
      const momentId = typeof item.pk === "string" ? momentOfPk.get(item.pk) : undefined;
      if (momentId === undefined || typeof item.runId !== "string" || typeof item.startedAt !== "string")
        return [];
      const keyPrefix = keyedPrefix(accountId);
      const runKey =
        typeof item.sk === "string" && item.sk.startsWith(keyPrefix)
          ? item.sk.slice(keyPrefix.length)
          : undefined;
      return [
        {
          momentId,
          ...(runKey !== undefined ? { runKey } : {}),
          runId: item.runId,
          status: typeof item.status === "string" ? item.status : "unknown",
          startedAt: item.startedAt,
          ...(typeof item.endedAt === "string" ? { endedAt: item.endedAt } : {}),
        },
      ];
    });
  }

  private async keyedMemberships(workspaceId: string, momentId: string, accountId: string) {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: {
          ":pk": keys.membership(workspaceId, momentId, accountId).pk,
          ":prefix": keyedPrefix(accountId),
        },
        Limit: MAX_KEYED_RUNS,
      }),
    );
    return result.Items ?? [];
  }

  async listObservedEvents(workspaceId: string): Promise<ObservedEvent[]> {
    const shards = await Promise.all(
      Array.from({ length: STATS_SHARDS }, (_, shard) => this.observedShard(workspaceId, shard)),
    );
    return mergeObservedEventShards(shards.flat());
  }

  async getObservedEvent(workspaceId: string, eventName: string): Promise<ObservedEvent | undefined> {
    const items = await batchGetAll(
      this.db,
      this.tableName,
      Array.from({ length: STATS_SHARDS }, (_, shard) =>
        keys.observedEventShard(workspaceId, eventName, shard),
      ),
    );
    return mergeObservedEventShards(items.map(toObservedShard))[0];
  }

  private async observedShard(workspaceId: string, shard: number): Promise<ObservedEventShard[]> {
    const { pk } = keys.observedEventShard(workspaceId, "", shard);
    const shards: ObservedEventShard[] = [];
    let startKey: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": pk, ":prefix": sortKeyPrefix.observedEvent },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) shards.push(toObservedShard(item));
      startKey = result.LastEvaluatedKey;
      pages += 1;
    } while (startKey && pages < MAX_OBSERVED_PAGES);
    return shards;
  }

  /** The newest `limit` items of one kind in the account's collection (sort keys start with the time). */
  private async latest(workspaceId: string, accountId: string, prefix: string, limit: number) {
    if (limit <= 0) return [];
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        // The account's collection: its profile, decisions and recent events share this partition.
        ExpressionAttributeValues: { ":pk": keys.profile(workspaceId, accountId).pk, ":prefix": prefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return result.Items ?? [];
  }
}

/** Sort-key prefix of an account's memberships in a keyed moment (see keys.membership). */
const keyedPrefix = (accountId: string) => `${keys.membership("", "", accountId, "").sk}`;

/** The most a recent-event row may take: one write unit. */
const ROW_BYTES = 1024;

/** DynamoDB's size of an item of string and number attributes (names plus values; numbers ~21 B). */
function approximateItemBytes(item: Record<string, string | number>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + (typeof value === "string" ? Buffer.byteLength(value) : 21),
    0,
  );
}

/** The leading names whose list fits in `budget` bytes (a list costs 3 B, plus 1 B per element). */
function withinBytes(names: readonly string[], budget: number): string[] {
  const kept: string[] = [];
  let used = 3;
  for (const name of names) {
    used += Buffer.byteLength(name) + 1;
    if (used > budget) break;
    kept.push(name);
  }
  return kept;
}

/** Distinct names worth keeping in a sample, at most `max`. */
function sampleNames(names: readonly string[], max: number): string[] {
  return [...new Set(names)]
    .filter((name) => name.length > 0 && name.length <= MAX_PROPERTY_NAME_LENGTH)
    .slice(0, max);
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function toDecision(item: Record<string, unknown>): Decision | undefined {
  if (typeof item.reason !== "string" || !reasons.has(item.reason)) return undefined;
  return fromItem<Decision>(item);
}

function toObservedShard(item: Record<string, unknown>): ObservedEventShard {
  const props = item.sampleProperties;
  return {
    name:
      typeof item.name === "string" ? item.name : String(item.sk).slice(sortKeyPrefix.observedEvent.length),
    count: typeof item.count === "number" ? item.count : 0,
    ...(typeof item.firstSeenAt === "string" ? { firstSeenAt: item.firstSeenAt } : {}),
    ...(typeof item.lastSeenAt === "string" ? { lastSeenAt: item.lastSeenAt } : {}),
    sampleProperties: props instanceof Set || Array.isArray(props) ? [...props].map(String) : [],
  };
}

/**
 * The items of one batch of decision lines. A moment may get two lines from one event (say, a run
 * ended and another started): the second gets a suffix so both keys differ, and the same batch
 * written again rewrites the same keys.
 */
function decisionItems(batch: DecisionBatch) {
  const expiresAt = insightExpiresAt(batch.at);
  const seen = new Map<string, number>();
  return batch.decisions.map((decision) => {
    const slot = decision.momentId ?? WHOLE_EVENT;
    const count = (seen.get(slot) ?? 0) + 1;
    seen.set(slot, count);
    const entry: Record<string, unknown> = { ...decision };
    if (typeof entry.condition === "string" && entry.condition.length > MAX_CONDITION_TEXT) {
      entry.condition = `${entry.condition.slice(0, MAX_CONDITION_TEXT - 1)}…`;
    }
    return definedOnly({
      ...entry,
      ...keys.decision(
        batch.workspaceId,
        batch.accountId,
        batch.at,
        batch.messageId,
        count === 1 ? slot : `${slot}#${count}`,
      ),
      type: "decision",
      accountId: batch.accountId,
      messageId: batch.messageId,
      event: batch.event,
      at: batch.at,
      expiresAt,
    });
  });
}
