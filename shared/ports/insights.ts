import type {
  AccountEvent,
  Decision,
  DecisionBatch,
  MomentStats,
  ObservedEvent,
  StatsDeltas,
} from "../domain/insights.js";
import type { MomentBreakdown, ReportBucket, SeriesCounts } from "../domain/report.js";

/**
 * What the matcher records as it goes. Plain single-item writes (no transactions): these are
 * insights, not state. A decision log line or a recent event rewritten by a retry is harmless, and
 * observed-event counts are approximate by design (a crash between the write and the end of the
 * message's processing counts that event again on redelivery).
 */
export interface InsightsRecorder {
  /**
   * Records what was decided for one (account, event), one line per moment (or one for the event
   * as a whole). Kept 7 days. A line's key derives from the batch's `at`, messageId and moment, so
   * writing the same batch again rewrites the same lines (the matcher keeps each message's first
   * `at` with its processed marker, so a retry or a racing copy never adds lines). Several batches
   * are written together.
   */
  recordDecisions(...batches: DecisionBatch[]): Promise<void>;
  /** Records an event in the account's recent events (7 days), keyed by (receivedAt, messageId). */
  recordAccountEvent(workspaceId: string, accountId: string, event: AccountEvent): Promise<void>;
  /** Removes one of the account's recent events (a resend's, written before it was known to be one). */
  forgetAccountEvent(
    workspaceId: string,
    accountId: string,
    receivedAt: string,
    messageId: string,
  ): Promise<void>;
  /**
   * Counts an event name in the workspace's observed events. `shard` is chosen by the caller from the
   * messageId (`shardFor(messageId)`), so a hot event name spreads its writes; `propertyNames` is a
   * sample of at most MAX_SAMPLE_PER_EVENT names (`propertySample(properties)`); `at` is when the
   * event was received (server clock, so first/last seen do not follow client clocks). `seen`
   * counts several events of that name at once (`count`, the earliest received at `firstAt`, the
   * latest at `at`); absent, one event.
   */
  observeEvent(
    workspaceId: string,
    eventName: string,
    propertyNames: readonly string[],
    at: string,
    shard: number,
    seen?: { count: number; firstAt: string },
  ): Promise<void>;
}

/** A run of an account in one moment: the latest one the moment's membership holds. */
export interface AccountRun {
  momentId: string;
  /** For moments with a `key`: the key value this run is for (one membership per value). */
  runKey?: string;
  runId: string;
  /** The membership's status as the run engine records it (active, completed, stopped, ...). */
  status: string;
  startedAt: string;
  endedAt?: string;
}

export interface InsightsReader {
  /** The account's latest decisions, newest first (including expired ones not yet deleted). */
  listDecisions(workspaceId: string, accountId: string, limit: number): Promise<Decision[]>;
  /** The account's latest events by receivedAt, newest first. */
  listAccountEvents(workspaceId: string, accountId: string, limit: number): Promise<AccountEvent[]>;
  /**
   * The account's latest run in each of these moments, where it has one; for a moment with a `key`
   * (`keyed`), its latest run per key value as well.
   */
  listAccountRuns(
    workspaceId: string,
    accountId: string,
    moments: readonly { momentId: string; keyed: boolean }[],
  ): Promise<AccountRun[]>;
  /** Every observed event name of the workspace, shards summed, by count (most first). */
  listObservedEvents(workspaceId: string): Promise<ObservedEvent[]>;
  /** One observed event name, shards summed; undefined when never observed. */
  getObservedEvent(workspaceId: string, eventName: string): Promise<ObservedEvent | undefined>;
}

export interface InsightsRepository extends InsightsRecorder, InsightsReader {}

export interface StatsRepository {
  /** A moment's stats: every shard summed (zeros when nothing was counted). */
  read(workspaceId: string, momentId: string): Promise<MomentStats>;
  /** A moment's stats and breakdowns (ends by cause, step outcomes by reason), from one read. */
  readBreakdown(
    workspaceId: string,
    momentId: string,
  ): Promise<{ stats: MomentStats; breakdown: MomentBreakdown }>;
  /**
   * A moment's series from bucket `fromKey` to bucket `toKey` (inclusive, keys as `bucketKey`
   * makes them), every shard summed, by bucket key: only the buckets something was counted in.
   */
  readSeries(
    workspaceId: string,
    momentId: string,
    bucket: ReportBucket,
    fromKey: string,
    toKey: string,
  ): Promise<Map<string, SeriesCounts>>;
  /** Runs entered per day (day bucket keys) of several moments, for the moments list's trend. */
  readEnteredByDay(
    workspaceId: string,
    momentIds: readonly string[],
    days: readonly string[],
  ): Promise<Map<string, number[]>>;
  /** Stats of several moments at once (for lists), by moment id. */
  readMany(workspaceId: string, momentIds: readonly string[]): Promise<Map<string, MomentStats>>;
  /**
   * Adds deltas to one shard in a single plain update. Not idempotent: callers that need
   * exactly-once counting put `statsIncrement(...)` inside the transaction that makes the change
   * it counts instead.
   */
  increment(workspaceId: string, momentId: string, shard: number, deltas: StatsDeltas): Promise<void>;
}
