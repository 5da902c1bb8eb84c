/**
 * In-memory fakes of the insights and stats ports, with the semantics of their DynamoDB adapters:
 * decisions and recent events newest first (by their time, then messageId), observed events summed
 * over shards with a capped property sample per shard, stats summed over shards. Each exposes its
 * state for assertions.
 */
import { STATS_SHARDS } from "../../shared/contracts/table.js";
import {
  type AccountEvent,
  type Decision,
  type DecisionBatch,
  isStatCounter,
  MAX_SAMPLE_PROPERTIES,
  type MomentStats,
  mergeObservedEventShards,
  momentStatsFromShards,
  type ObservedEvent,
  type ObservedEventShard,
  type StatsDeltas,
} from "../../shared/domain/insights.js";
import {
  breakdownFromShards,
  bucketKey,
  emptySeriesCounts,
  type ReportBucket,
  type SeriesCounts,
} from "../../shared/domain/report.js";
import type { AccountRun, InsightsRepository, StatsRepository } from "../../shared/ports/insights.js";

const key = (...parts: (string | number)[]) => JSON.stringify(parts);

const newestFirst =
  <T>(sortKey: (item: T) => string) =>
  (a: T, b: T) =>
    sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0;

export class FakeInsights implements InsightsRepository {
  /** Decisions by (workspace, account). */
  readonly decisions = new Map<string, Decision[]>();
  /** The table key of each line (see recordBatch). */
  private readonly lineKeys = new WeakMap<Decision, string>();
  readonly events = new Map<string, AccountEvent[]>();
  /** Observed-event shards by (workspace, shard, name). */
  readonly observed = new Map<string, ObservedEventShard & { workspaceId: string }>();
  /** Account runs by (workspace, account): what the memberships would hold. */
  readonly runs = new Map<string, AccountRun[]>();

  async recordDecisions(...batches: DecisionBatch[]) {
    for (const batch of batches) this.recordBatch(batch);
  }

  /** Like the table: a line with the same (at, messageId, moment, position) is rewritten, not added. */
  private recordBatch(batch: DecisionBatch) {
    const k = key(batch.workspaceId, batch.accountId);
    const list = this.decisions.get(k) ?? [];
    const seen = new Map<string, number>();
    for (const entry of batch.decisions) {
      const slot = entry.momentId ?? "*";
      const position = (seen.get(slot) ?? 0) + 1;
      seen.set(slot, position);
      const line = structuredClone({
        ...entry,
        accountId: batch.accountId,
        messageId: batch.messageId,
        event: batch.event,
        at: batch.at,
      });
      const lineKey = `${batch.at}#${batch.messageId}#${slot}#${position}`;
      const existing = list.findIndex((d) => this.lineKeys.get(d) === lineKey);
      this.lineKeys.set(line, lineKey);
      if (existing >= 0) list[existing] = line;
      else list.push(line);
    }
    this.decisions.set(k, list);
  }

  async recordAccountEvent(workspaceId: string, accountId: string, event: AccountEvent) {
    const k = key(workspaceId, accountId);
    const list = (this.events.get(k) ?? []).filter(
      (e) => !(e.receivedAt === event.receivedAt && e.messageId === event.messageId),
    );
    list.push(structuredClone(event));
    this.events.set(k, list);
  }

  async forgetAccountEvent(workspaceId: string, accountId: string, receivedAt: string, messageId: string) {
    const k = key(workspaceId, accountId);
    const list = (this.events.get(k) ?? []).filter(
      (e) => !(e.receivedAt === receivedAt && e.messageId === messageId),
    );
    this.events.set(k, list);
  }

  async observeEvent(
    workspaceId: string,
    eventName: string,
    propertyNames: readonly string[],
    at: string,
    shard: number,
    seen: { count: number; firstAt: string } = { count: 1, firstAt: at },
  ) {
    if (!Number.isInteger(shard) || shard < 0 || shard >= STATS_SHARDS)
      throw new RangeError(`shard ${shard}`);
    const k = key(workspaceId, shard, eventName);
    const stored = this.observed.get(k) ?? { workspaceId, name: eventName, count: 0, sampleProperties: [] };
    stored.count += seen.count;
    stored.firstSeenAt ??= seen.firstAt;
    stored.lastSeenAt = at;
    const merged = new Set([...stored.sampleProperties, ...propertyNames]);
    if (merged.size <= MAX_SAMPLE_PROPERTIES) stored.sampleProperties = [...merged];
    this.observed.set(k, stored);
  }

  async listDecisions(workspaceId: string, accountId: string, limit: number) {
    return [...(this.decisions.get(key(workspaceId, accountId)) ?? [])]
      .sort(newestFirst((d) => `${d.at}#${d.messageId}#${d.momentId ?? "*"}`))
      .slice(0, limit)
      .map((d) => structuredClone(d));
  }

  async listAccountEvents(workspaceId: string, accountId: string, limit: number) {
    return [...(this.events.get(key(workspaceId, accountId)) ?? [])]
      .sort(newestFirst((e) => `${e.receivedAt}#${e.messageId}`))
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async listAccountRuns(
    workspaceId: string,
    accountId: string,
    moments: readonly { momentId: string; keyed: boolean }[],
  ) {
    const wanted = new Map(moments.map((m) => [m.momentId, m.keyed]));
    return (this.runs.get(key(workspaceId, accountId)) ?? [])
      .filter((run) => wanted.has(run.momentId) && (run.runKey === undefined || wanted.get(run.momentId)))
      .map((run) => structuredClone(run));
  }

  async listObservedEvents(workspaceId: string): Promise<ObservedEvent[]> {
    return mergeObservedEventShards(this.shardsOf(workspaceId));
  }

  async getObservedEvent(workspaceId: string, eventName: string) {
    return mergeObservedEventShards(this.shardsOf(workspaceId).filter((s) => s.name === eventName))[0];
  }

  /** Test helper: gives an account a run, as its membership in that moment would. */
  addRun(workspaceId: string, accountId: string, run: AccountRun) {
    const k = key(workspaceId, accountId);
    this.runs.set(k, [...(this.runs.get(k) ?? []), structuredClone(run)]);
  }

  private shardsOf(workspaceId: string): ObservedEventShard[] {
    return [...this.observed.values()]
      .filter((s) => s.workspaceId === workspaceId)
      .map(({ workspaceId: _ws, ...shard }) => structuredClone(shard));
  }
}

export class FakeStats implements StatsRepository {
  /** Shard counters by (workspace, moment, shard). */
  readonly shards = new Map<string, Record<string, number>>();

  async read(workspaceId: string, momentId: string): Promise<MomentStats> {
    return momentStatsFromShards(this.shardsOf(workspaceId, momentId));
  }

  async readMany(workspaceId: string, momentIds: readonly string[]) {
    return new Map(
      momentIds.map((id) => [id, momentStatsFromShards(this.shardsOf(workspaceId, id))] as const),
    );
  }

  /** Series buckets by (workspace, moment, bucket kind, bucket key), shards already summed. */
  readonly series = new Map<string, SeriesCounts>();

  /** Counts into a series bucket, as the run engine's transactions do. */
  count(workspaceId: string, momentId: string, at: string, counts: Partial<SeriesCounts>) {
    for (const bucket of ["hour", "day"] as const) {
      const k = JSON.stringify([workspaceId, momentId, bucket, bucketKey(bucket, at)]);
      const current = this.series.get(k) ?? emptySeriesCounts();
      for (const [name, value] of Object.entries(counts)) current[name as keyof SeriesCounts] += value ?? 0;
      this.series.set(k, current);
    }
  }

  async readBreakdown(workspaceId: string, momentId: string) {
    const shards = this.shardsOf(workspaceId, momentId);
    return { stats: momentStatsFromShards(shards), breakdown: breakdownFromShards(shards) };
  }

  async readSeries(
    workspaceId: string,
    momentId: string,
    bucket: ReportBucket,
    fromKey: string,
    toKey: string,
  ) {
    const result = new Map<string, SeriesCounts>();
    for (const [k, counts] of this.series) {
      const [ws, moment, kind, key] = JSON.parse(k) as string[];
      if (
        ws === workspaceId &&
        moment === momentId &&
        kind === bucket &&
        key !== undefined &&
        key >= fromKey &&
        key <= toKey
      )
        result.set(key, { ...counts });
    }
    return result;
  }

  async readEnteredByDay(workspaceId: string, momentIds: readonly string[], days: readonly string[]) {
    return new Map(
      momentIds.map((id) => [
        id,
        days.map((day) => this.series.get(JSON.stringify([workspaceId, id, "day", day]))?.entered ?? 0),
      ]),
    );
  }

  async increment(workspaceId: string, momentId: string, shard: number, deltas: StatsDeltas) {
    if (!Number.isInteger(shard) || shard < 0 || shard >= STATS_SHARDS)
      throw new RangeError(`shard ${shard}`);
    const k = key(workspaceId, momentId, shard);
    const counters = this.shards.get(k) ?? {};
    for (const [name, delta] of Object.entries(deltas)) {
      if (!isStatCounter(name)) throw new Error(`"${name}" is not a stats counter`);
      if (delta !== undefined) counters[name] = (counters[name] ?? 0) + delta;
    }
    this.shards.set(k, counters);
  }

  private shardsOf(workspaceId: string, momentId: string) {
    return Array.from(
      { length: STATS_SHARDS },
      (_, shard) => this.shards.get(key(workspaceId, momentId, shard)) ?? {},
    );
  }
}
