import { describe, expect, it } from "vitest";
import { statsShardOf, statsUpdate } from "../../../../shared/adapters/dynamodb/stats-ops.js";
import { keys, STATS_SHARDS } from "../../../../shared/contracts/table.js";

const TABLE = "moments-test";

describe("statsShardOf", () => {
  it("is stable for a run: every change of one run counts on the same shard", () => {
    expect(statsShardOf("run_1")).toBe(statsShardOf("run_1"));
  });

  it("is a shard number from 0 to STATS_SHARDS - 1", () => {
    for (let i = 0; i < 200; i++) {
      const shard = statsShardOf(`run_${i}`);
      expect(Number.isInteger(shard)).toBe(true);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(STATS_SHARDS);
    }
  });

  it("spreads runs over every shard, so a busy moment is no hot key", () => {
    const counts = new Array<number>(STATS_SHARDS).fill(0);
    const runs = 8000;
    for (let i = 0; i < runs; i++) {
      const shard = statsShardOf(`0123456789abcdef${i.toString(16).padStart(24, "0")}`);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    const expected = runs / STATS_SHARDS;
    for (const count of counts) {
      // Within 15% of an even share (a uniform hash is within ~3% at this size).
      expect(Math.abs(count - expected)).toBeLessThan(expected * 0.15);
    }
  });
});

/** What an update adds, counter name -> delta, read from its ADD clause. */
function deltasOf(update: ReturnType<typeof statsUpdate>["Update"]): Record<string, unknown> {
  const add = /\bADD (.+)$/.exec(update.UpdateExpression)?.[1] ?? "";
  const deltas: Record<string, unknown> = {};
  for (const [, name, value] of add.matchAll(/(#\w+) (:\w+)/g)) {
    deltas[update.ExpressionAttributeNames[name ?? ""] ?? "?"] =
      update.ExpressionAttributeValues[value ?? ""];
  }
  return deltas;
}

describe("statsUpdate", () => {
  it("adds each delta to the run's shard of the moment's stats, as a transaction item", () => {
    const { Update } = statsUpdate(TABLE, "ws_1", "m_1", "run_1", { entered: 1 });

    expect(Update).toMatchObject({
      TableName: TABLE,
      Key: keys.momentStatsShard("ws_1", "m_1", statsShardOf("run_1")),
      ExpressionAttributeValues: expect.objectContaining({ ":type": "moment_stats", ":moment": "m_1" }),
    });
    expect(deltasOf(Update)).toEqual({ entered: 1 });
  });

  it("names a step counter as one flat attribute, never a nested path", () => {
    const { Update } = statsUpdate(TABLE, "ws_1", "m_1", "run_1", { "steps.s-1.executed": 1 });

    // The dotted name goes through a placeholder, so DynamoDB reads it as one attribute name.
    expect(deltasOf(Update)).toEqual({ "steps.s-1.executed": 1 });
    expect(Update.UpdateExpression).not.toContain("steps.");
  });

  it("adds several counters in one update", () => {
    const { Update } = statsUpdate(TABLE, "ws_1", "m_1", "run_1", { failed: 1, "steps.s1.failed": 2 });

    expect(Update.UpdateExpression.match(/\bADD\b/g)).toHaveLength(1);
    expect(deltasOf(Update)).toEqual({ failed: 1, "steps.s1.failed": 2 });
  });

  it.each(["entered", "success", "failed", "stopped", "completed", "steps.s1.skipped"])(
    "accepts the run engine's counter %s",
    (counter) => {
      expect(() => statsUpdate(TABLE, "ws_1", "m_1", "run_1", { [counter]: 1 })).not.toThrow();
    },
  );

  it("refuses a name that is no stats counter, rather than count what nobody reads", () => {
    expect(() => statsUpdate(TABLE, "ws_1", "m_1", "run_1", { sucess: 1 })).toThrow(/not a stats counter/);
  });

  it("carries no condition: counting is made exactly-once by the transaction it is part of", () => {
    const { Update } = statsUpdate(TABLE, "ws_1", "m_1", "run_1", { entered: 1 });

    expect(Update).not.toHaveProperty("ConditionExpression");
  });

  it("keeps moments and workspaces apart", () => {
    const a = statsUpdate(TABLE, "ws_1", "m_1", "run_1", { entered: 1 }).Update.Key;
    const b = statsUpdate(TABLE, "ws_1", "m_2", "run_1", { entered: 1 }).Update.Key;
    const c = statsUpdate(TABLE, "ws_2", "m_1", "run_1", { entered: 1 }).Update.Key;

    expect(new Set([a, b, c].map((key) => JSON.stringify(key))).size).toBe(3);
  });
});
