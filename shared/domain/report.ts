/**
 * A moment's report, as plain data and pure rules: the run counters over time (hour and day
 * buckets), how runs ended (by end rule), what each step did (by reason) and the feedback. The run
 * engine counts into time buckets in the same transaction as the change it counts, like the
 * totals (see shared/adapters/dynamodb/stats-ops.ts), so the series is exactly-once too.
 */
import { type FieldProblem, ValidationError } from "./errors.js";
import type { RunCounter } from "./insights.js";

export const reportBuckets = ["hour", "day"] as const;
export type ReportBucket = (typeof reportBuckets)[number];

/** The run counters a series keeps per bucket (a run enters once and ends once). */
export const seriesCounters = ["entered", "success", "failed", "stopped", "completed"] as const;
export type SeriesCounter = (typeof seriesCounters)[number] & RunCounter;
export type SeriesCounts = Record<SeriesCounter, number>;

/** A bucket's key: its start, cut to the hour (`2026-12-06T13`) or the day (`2026-12-06`), UTC. */
export function bucketKey(bucket: ReportBucket, at: string): string {
  const iso = new Date(at).toISOString();
  return bucket === "hour" ? iso.slice(0, 13) : iso.slice(0, 10);
}

/** The ISO start of a bucket key. */
export function bucketStart(bucket: ReportBucket, key: string): string {
  return bucket === "hour" ? `${key}:00:00.000Z` : `${key}T00:00:00.000Z`;
}

const BUCKET_MS: Record<ReportBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** Every bucket key from the one holding `from` to the one holding `to`, in order. */
export function bucketKeys(bucket: ReportBucket, from: string, to: string): string[] {
  const keys: string[] = [];
  const last = Date.parse(bucketStart(bucket, bucketKey(bucket, to)));
  for (let t = Date.parse(bucketStart(bucket, bucketKey(bucket, from))); t <= last; t += BUCKET_MS[bucket])
    keys.push(bucketKey(bucket, new Date(t).toISOString()));
  return keys;
}

/**
 * How long the series keeps its buckets: two years (the day item, which holds its hours too). Hour
 * items written before the hours moved into the day item expire after 35 days. The totals
 * (`/stats`) never expire.
 */
export const SERIES_RETENTION_DAYS: Record<ReportBucket, number> = { hour: 35, day: 731 };

/** One letter per series counter, for the hour counters kept on the day item (see hourCounter). */
const HOUR_COUNTER_CODES: Record<SeriesCounter, string> = {
  entered: "e",
  success: "s",
  failed: "f",
  stopped: "x",
  completed: "c",
};
const HOUR_COUNTER_OF_CODE = new Map(
  Object.entries(HOUR_COUNTER_CODES).map(([counter, code]) => [code, counter as SeriesCounter]),
);
/** Hours 00 to 23 as the letters a to x. */
const HOUR_LETTERS = "abcdefghijklmnopqrstuvwx";
const HOUR_COUNTER = /^([a-x])([esfxc])$/;

/**
 * The day item's attribute that counts `counter` in the hour of `at`: two letters, the hour (a = 00
 * UTC ... x = 23) and the counter (e entered, s success, f failed, x stopped, c completed), so `ne`
 * is 13:00 UTC, entered. The hours of a day are kept on its day item, beside the day's counters,
 * rather than as items of their own: a run's entry and end each count into one series item, not
 * two (a transaction bills 2 write units per item). Two-letter names keep the busiest day (every
 * counter in every hour, up to 5 digits each) within one write unit, 1 KB.
 */
export function hourCounter(counter: SeriesCounter, at: string): string {
  const hour = new Date(at).getUTCHours();
  return `${HOUR_LETTERS[hour]}${HOUR_COUNTER_CODES[counter]}`;
}

/** The hour buckets a day item holds (see hourCounter), by hour key (`2026-12-06T13`). */
export function hourCountsOfDay(day: string, item: Record<string, unknown>): Map<string, SeriesCounts> {
  const hours = new Map<string, SeriesCounts>();
  for (const [name, value] of Object.entries(item)) {
    const match = HOUR_COUNTER.exec(name);
    const counter = match?.[2] === undefined ? undefined : HOUR_COUNTER_OF_CODE.get(match[2]);
    if (!match || counter === undefined || typeof value !== "number" || !Number.isFinite(value)) continue;
    const key = `${day}T${String(HOUR_LETTERS.indexOf(match[1] ?? "")).padStart(2, "0")}`;
    const counts = hours.get(key) ?? emptySeriesCounts();
    counts[counter] += value;
    hours.set(key, counts);
  }
  return hours;
}
/** The widest range one report reads, in buckets (hourly: a week; daily: a year). */
export const MAX_REPORT_BUCKETS: Record<ReportBucket, number> = { hour: 7 * 24, day: 366 };
/** Default range, ending now: the last 48 hours, or the last 30 days. */
const DEFAULT_REPORT_BUCKETS: Record<ReportBucket, number> = { hour: 48, day: 30 };

export interface ReportRange {
  bucket: ReportBucket;
  from: string;
  to: string;
}

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `?bucket=hour|day&from=&to=` (ISO 8601 times; `to` defaults to now, `from` to a range before it). */
export function parseReportQuery(query: Record<string, string | undefined>, now: Date): ReportRange {
  const problems: FieldProblem[] = [];
  const bucket = (query.bucket ?? "day") as ReportBucket;
  if (!reportBuckets.includes(bucket)) problems.push({ path: "bucket", message: "must be hour or day" });
  const time = (name: "from" | "to") => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (!isoTime.test(value) || Number.isNaN(Date.parse(value))) {
      problems.push({ path: name, message: "must be an ISO 8601 time, such as 2026-12-01T00:00:00Z" });
      return undefined;
    }
    return new Date(value).toISOString();
  };
  const givenFrom = time("from");
  const to = time("to") ?? now.toISOString();
  const span = BUCKET_MS[reportBuckets.includes(bucket) ? bucket : "day"];
  const from =
    givenFrom ??
    new Date(Date.parse(to) - (DEFAULT_REPORT_BUCKETS[bucket] ?? 30) * span + span).toISOString();
  if (problems.length === 0) {
    if (Date.parse(from) > Date.parse(to)) problems.push({ path: "from", message: "must not be after to" });
    else if (bucketKeys(bucket, from, to).length > MAX_REPORT_BUCKETS[bucket])
      problems.push({
        path: "from",
        message: `a ${bucket} report covers at most ${MAX_REPORT_BUCKETS[bucket]} buckets; use a later from or bucket=day`,
      });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { bucket, from, to };
}

/** What one bucket of the report shows: the changes counted in it, and the runs active at its end. */
export interface SeriesPoint {
  /** The bucket's start (ISO 8601 UTC). */
  start: string;
  entered: number;
  succeeded: number;
  failed: number;
  stopped: number;
  completed: number;
  /** Runs in progress at the end of the bucket (or now, for the current one). */
  active: number;
}

export const emptySeriesCounts = (): SeriesCounts => ({
  entered: 0,
  success: 0,
  failed: 0,
  stopped: 0,
  completed: 0,
});

/**
 * The report's series over `keys` (every bucket of the range, zeros where nothing was counted).
 * `after`: the counts of every bucket after the range up to now, and `activeNow` the runs active
 * now: active at the end of a bucket is what is active now, walked back through later changes.
 */
export function seriesPoints(
  bucket: ReportBucket,
  keys: readonly string[],
  counts: ReadonlyMap<string, SeriesCounts>,
  after: SeriesCounts,
  activeNow: number,
): SeriesPoint[] {
  const net = (c: SeriesCounts) => c.entered - c.success - c.failed - c.stopped - c.completed;
  let active = activeNow - net(after);
  const points: SeriesPoint[] = [];
  for (const key of [...keys].reverse()) {
    const c = counts.get(key) ?? emptySeriesCounts();
    points.push({
      start: bucketStart(bucket, key),
      entered: c.entered,
      succeeded: c.success,
      failed: c.failed,
      stopped: c.stopped,
      completed: c.completed,
      active: Math.max(0, active),
    });
    active -= net(c);
  }
  return points.reverse();
}

/** Adds counter records (bucket items, shards) into one. */
export function sumSeriesCounts(items: Iterable<Record<string, unknown>>): SeriesCounts {
  const total = emptySeriesCounts();
  for (const item of items)
    for (const name of seriesCounters) {
      const value = item[name];
      if (typeof value === "number" && Number.isFinite(value)) total[name] += value;
    }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Breakdowns: how runs ended, what steps did
// ---------------------------------------------------------------------------------------------

/**
 * A step outcome's reason as a counter-safe code: the part before the first ":" (`suppressed`,
 * `missing_value`, `slack`...), lower-cased; `other` when nothing usable is left.
 */
export function reasonCode(reason: string): string {
  const code = (reason.split(":")[0] ?? "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  return code === "" ? "other" : code;
}

/**
 * How a run ended, for the split by end rule: `event:<name>` (an end rule on that event),
 * `timeout` (an `after` rule) or `step_failed` (a step with onFailure fail_run).
 */
export type EndCause = `event:${string}` | "timeout" | "step_failed" | "execution_failed";

export interface MomentBreakdown {
  /** Ended runs by outcome and cause: `{ success: { "event:invoice_paid": 3, timeout: 1 } }`. */
  ends: { success: Record<string, number>; failed: Record<string, number> };
  /** Skipped and failed step outcomes by reason code, per step. */
  steps: Record<string, { skipped: Record<string, number>; failed: Record<string, number> }>;
}

const END_COUNTER = /^ends\.(success|failed)\.(.+)$/;
const STEP_REASON_COUNTER = /^steps\.([A-Za-z0-9_-]{1,64})\.(skipped|failed)\.([a-z0-9_]{1,64})$/;

export const breakdownCounter = {
  end: (outcome: "success" | "failed", cause: EndCause) => `ends.${outcome}.${cause}` as const,
  stepReason: (stepId: string, status: "skipped" | "failed", reason: string) =>
    `steps.${stepId}.${status}.${reasonCode(reason)}` as const,
};

export function isBreakdownCounter(name: string): boolean {
  return END_COUNTER.test(name) || STEP_REASON_COUNTER.test(name);
}

/** Sums the breakdown counters of stats shard items. */
export function breakdownFromShards(shards: readonly Record<string, unknown>[]): MomentBreakdown {
  const result: MomentBreakdown = { ends: { success: {}, failed: {} }, steps: {} };
  for (const shard of shards) {
    for (const [name, value] of Object.entries(shard)) {
      if (typeof value !== "number" || !Number.isFinite(value) || value === 0) continue;
      const end = END_COUNTER.exec(name);
      if (end) {
        const outcome = end[1] as "success" | "failed";
        const cause = end[2] ?? "";
        result.ends[outcome][cause] = (result.ends[outcome][cause] ?? 0) + value;
        continue;
      }
      const step = STEP_REASON_COUNTER.exec(name);
      if (step) {
        const [, stepId = "", status, code = ""] = step;
        result.steps[stepId] ??= { skipped: {}, failed: {} };
        const byReason = result.steps[stepId][status as "skipped" | "failed"];
        byReason[code] = (byReason[code] ?? 0) + value;
      }
    }
  }
  return result;
}
