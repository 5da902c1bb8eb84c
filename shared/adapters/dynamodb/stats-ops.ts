import { shardFor } from "../../domain/insights.js";
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
