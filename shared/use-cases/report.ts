import type { FeedbackAnswer } from "../domain/inbox.js";
import type { MomentStats } from "../domain/insights.js";
import {
  bucketKey,
  bucketKeys,
  emptySeriesCounts,
  type MomentBreakdown,
  parseReportQuery,
  type ReportBucket,
  type SeriesCounts,
  type SeriesPoint,
  seriesCounters,
  seriesPoints,
} from "../domain/report.js";
import type { Clock } from "../ports/clock.js";
import type { InboxRepository } from "../ports/inbox.js";
import type { StatsRepository } from "../ports/insights.js";
import type { MomentRepository } from "../ports/moments.js";
import { getMoment } from "./moments.js";
import { statsView } from "./stats.js";

export interface ReportDeps {
  moments: Pick<MomentRepository, "getMoment">;
  stats: Pick<StatsRepository, "readBreakdown" | "readSeries">;
  inbox: Pick<InboxRepository, "listFeedback">;
  clock: Clock;
}

/** Answers the report reads for its latest comments, and how many comments it shows. */
const FEEDBACK_SCAN = 50;
const LATEST_COMMENTS = 10;

export interface MomentReport {
  momentId: string;
  bucket: ReportBucket;
  from: string;
  to: string;
  totals: {
    entered: number;
    active: number;
    succeeded: number;
    failed: number;
    stopped: number;
    completed: number;
    successRate: number | null;
    failedRate: number | null;
  };
  series: SeriesPoint[];
  ends: { success: EndSplit[]; failed: EndSplit[] };
  steps: StepFunnel[];
  /** The moment's prompts: shown, answered (by reaction), dismissed, response rate; latest comments. */
  feedback: MomentStats["feedback"] & {
    latestComments: Array<Omit<FeedbackAnswer, "momentId"> & { comment: string }>;
  };
}

/**
 * How many runs ended one way: an end rule on an event, a timeout, a step that failed the run, or its
 * execution failing (or being aborted) outside the engine's control.
 */
export type EndSplit =
  | { rule: "event"; event: string; count: number }
  | { rule: "timeout" | "step_failed" | "execution_failed"; count: number };

export interface StepFunnel {
  stepId: string;
  executed: number;
  skipped: number;
  failed: number;
  /** Skips and failures by reason code (`suppressed`, `missing_value`, `slack`...). */
  skippedBy: Record<string, number>;
  failedBy: Record<string, number>;
}

function endSplits(byCause: Record<string, number>): EndSplit[] {
  return Object.entries(byCause)
    .map(
      ([cause, count]): EndSplit =>
        cause.startsWith("event:")
          ? { rule: "event", event: cause.slice("event:".length), count }
          : {
              rule: cause === "timeout" || cause === "execution_failed" ? cause : "step_failed",
              count,
            },
    )
    .sort((a, b) => b.count - a.count);
}

const add = (into: SeriesCounts, counts: SeriesCounts) => {
  for (const name of seriesCounters) into[name] += counts[name];
};

/**
 * The run counters of the range's buckets, and of everything after the range until now (to walk
 * the active runs back from the current count). Hourly, what follows the range's last day is read
 * as day buckets, so a report of last week's hours reads a few items, not every hour since.
 */
async function readRange(
  deps: Pick<ReportDeps, "stats">,
  workspaceId: string,
  momentId: string,
  bucket: ReportBucket,
  keys: readonly string[],
  now: string,
): Promise<{ inRange: Map<string, SeriesCounts>; after: SeriesCounts }> {
  const first = keys[0] ?? "";
  const last = keys.at(-1) ?? "";
  const after = emptySeriesCounts();
  const inRange = new Map<string, SeriesCounts>();
  const sortInto = (series: Map<string, SeriesCounts>) => {
    for (const [key, counts] of series) {
      if (key > last) add(after, counts);
      else inRange.set(key, counts);
    }
  };
  if (bucket === "day") {
    sortInto(await deps.stats.readSeries(workspaceId, momentId, "day", first, bucketKey("day", now)));
    return { inRange, after };
  }
  const lastDay = last.slice(0, 10);
  const today = bucketKey("day", now);
  const [hours, days] = await Promise.all([
    deps.stats.readSeries(workspaceId, momentId, "hour", first, `${lastDay}T23`),
    lastDay < today
      ? deps.stats.readSeries(
          workspaceId,
          momentId,
          "day",
          bucketKey("day", new Date(Date.parse(`${lastDay}T00:00:00.000Z`) + 86_400_000).toISOString()),
          today,
        )
      : Promise.resolve(new Map<string, SeriesCounts>()),
  ]);
  sortInto(hours);
  for (const counts of days.values()) add(after, counts);
  return { inRange, after };
}

/**
 * A moment's report for the console's Reporting page: totals; entered, active, succeeded, failed,
 * stopped and completed per hour or day over a range; successes and failures by end rule; the
 * per-step funnel with skips and failures by reason; feedback counts and the latest comments.
 */
export async function momentReport(
  deps: ReportDeps,
  workspaceId: string,
  momentId: string,
  query: Record<string, string | undefined>,
): Promise<MomentReport> {
  const now = deps.clock.now();
  const range = parseReportQuery(query, now);
  const moment = await getMoment(deps, workspaceId, momentId);
  const keys = bucketKeys(range.bucket, range.from, range.to);
  const [read, { inRange, after }, answers] = await Promise.all([
    deps.stats.readBreakdown(workspaceId, momentId),
    readRange(deps, workspaceId, momentId, range.bucket, keys, now.toISOString()),
    deps.inbox.listFeedback(workspaceId, momentId, { limit: FEEDBACK_SCAN }, "newest"),
  ]);
  const stats = statsView(moment, read.stats);
  const { breakdown } = read;
  const { entered, active, succeeded, failed, stopped, completed, successRate, failedRate } = stats;
  return {
    momentId,
    ...range,
    totals: { entered, active, succeeded, failed, stopped, completed, successRate, failedRate },
    series: seriesPoints(range.bucket, keys, inRange, after, active),
    ends: { success: endSplits(breakdown.ends.success), failed: endSplits(breakdown.ends.failed) },
    steps: Object.entries(stats.steps).map(([stepId, counts]) => funnel(stepId, counts, breakdown)),
    feedback: {
      ...stats.feedback,
      latestComments: answers.items
        .filter((answer): answer is FeedbackAnswer & { comment: string } => answer.comment !== undefined)
        .slice(0, LATEST_COMMENTS)
        .map(({ momentId: _m, ...answer }) => answer),
    },
  };
}

function funnel(
  stepId: string,
  counts: { executed: number; skipped: number; failed: number },
  breakdown: MomentBreakdown,
): StepFunnel {
  const reasons = breakdown.steps[stepId];
  return { stepId, ...counts, skippedBy: reasons?.skipped ?? {}, failedBy: reasons?.failed ?? {} };
}
