import { expiresAtFor, keys } from "../../contracts/table.js";
import { shardFor } from "../../domain/insights.js";
import {
  breakdownCounter,
  bucketKey,
  type EndCause,
  hourCounter,
  SERIES_RETENTION_DAYS,
  type SeriesCounter,
} from "../../domain/report.js";
import { statsIncrement } from "./stats-repository.js";

/** Which stats shard a run counts in: stable per run, spread across the shards. */
export function statsShardOf(runId: string): number {
  return shardFor(runId);
}

/**
 * The transaction item that adds `deltas` to one moment's stats (e.g. `{ entered: 1 }`,
 * `{ "steps.s1.executed": 1 }`), in the run's shard: put in the same TransactWriteItems as the state
 * change it counts, so a change is counted exactly once however often it is retried.
 */
export function statsUpdate(
  tableName: string,
  workspaceId: string,
  momentId: string,
  runId: string,
  deltas: Record<string, number>,
) {
  return {
    Update: { TableName: tableName, ...statsIncrement(workspaceId, momentId, statsShardOf(runId), deltas) },
  };
}

/**
 * The update adding 1 to `counter` in the day bucket of `at` and in its hour (an attribute of the
 * day item: see hourCounter), in the run's series shard, expiring in time. One item for both: a
 * transaction bills every item it writes.
 */
function seriesUpdate(
  tableName: string,
  workspaceId: string,
  momentId: string,
  runId: string,
  counter: SeriesCounter,
  at: string,
) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.momentSeries(workspaceId, momentId, statsShardOf(runId), "day", bucketKey("day", at)),
      UpdateExpression: "SET #type = :type, expiresAt = :expires ADD #counter :one, #hour :one",
      ExpressionAttributeNames: { "#type": "type", "#counter": counter, "#hour": hourCounter(counter, at) },
      ExpressionAttributeValues: {
        ":type": "moment_series",
        ":expires": expiresAtFor(at, SERIES_RETENTION_DAYS.day * 86_400),
        ":one": 1,
      },
    },
  };
}

/**
 * The transaction items that count a run entering or ending at `at`: the totals (with, for a
 * success or failure, its cause, for the split by end rule) and the series' day bucket with its hour. Put in the transaction that makes the change, they count it exactly once.
 */
export function runCounted(
  tableName: string,
  run: { workspaceId: string; momentId: string; runId: string },
  counter: SeriesCounter,
  at: string,
  cause?: EndCause,
  /** More counters the same change moves (a last step's, recorded with the run's completion). */
  more: Record<string, number> = {},
) {
  const { workspaceId, momentId, runId } = run;
  const ends =
    cause !== undefined && (counter === "success" || counter === "failed")
      ? { [breakdownCounter.end(counter, cause)]: 1 }
      : {};
  return [
    statsUpdate(tableName, workspaceId, momentId, runId, { ...more, [counter]: 1, ...ends }),
    seriesUpdate(tableName, workspaceId, momentId, runId, counter, at),
  ];
}
