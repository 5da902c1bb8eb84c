import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DynamoStatsRepository,
  statsIncrement,
} from "../../../../shared/adapters/dynamodb/stats-repository.js";
import { keys, momentSeriesPk, STATS_SHARDS } from "../../../../shared/contracts/table.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";

function repository() {
  return new DynamoStatsRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
  );
}

const shardKey = (momentId: string, shard: number) => keys.momentStatsShard("ws_1", momentId, shard);

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("statsIncrement", () => {
  it("adds each counter to the shard item, every name through ExpressionAttributeNames", () => {
    expect(statsIncrement("ws_1", "m_1", 3, { entered: 1, "steps.s-1_a.executed": 2 })).toEqual({
      Key: shardKey("m_1", 3),
      UpdateExpression: "SET #type = :type, #ws = :ws, #moment = :moment ADD #c0 :c0, #c1 :c1",
      ExpressionAttributeNames: {
        "#type": "type",
        "#ws": "workspaceId",
        "#moment": "momentId",
        "#c0": "entered",
        "#c1": "steps.s-1_a.executed",
      },
      ExpressionAttributeValues: {
        ":type": "moment_stats",
        ":ws": "ws_1",
        ":moment": "m_1",
        ":c0": 1,
        ":c1": 2,
      },
    });
  });

  it("leaves out zero deltas and accepts decrements", () => {
    const update = statsIncrement("ws_1", "m_1", 0, { entered: 0, stopped: -1 });
    expect(update.ExpressionAttributeNames["#c0"]).toBe("stopped");
    expect(update.ExpressionAttributeValues[":c0"]).toBe(-1);
    expect(update.UpdateExpression).toMatch(/ADD #c0 :c0$/);
  });

  it.each([
    ["an unknown counter", { active: 1 }, /not a stats counter/],
    ["a step id that could break the name", { "steps.a b.executed": 1 }, /not a stats counter/],
    ["a fractional delta", { entered: 0.5 }, /integer/],
    ["no delta at all", {}, /at least one/],
    ["only zero deltas", { entered: 0 }, /at least one/],
  ])("refuses %s", (_label, deltas, error) => {
    expect(() => statsIncrement("ws_1", "m_1", 0, deltas as Record<string, number>)).toThrow(error);
  });

  it.each([-1, STATS_SHARDS, 1.5, Number.NaN])("refuses shard %s", (shard) => {
    expect(() => statsIncrement("ws_1", "m_1", shard, { entered: 1 })).toThrow(RangeError);
  });
});

describe("DynamoStatsRepository", () => {
  it("reads every shard of the moment in one BatchGetItem and sums them", async () => {
    // Prepare
    db.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE]: [
          { ...shardKey("m_1", 0), entered: 3, success: 1, "steps.s1.executed": 2 },
          { ...shardKey("m_1", 5), entered: 1, failed: 1, "steps.s1.executed": 1, "feedback.neutral": 1 },
        ],
      },
    });

    // Act
    const stats = await repository().read("ws_1", "m_1");

    // Assess
    const calls = db.commandCalls(BatchGetCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.RequestItems?.[TABLE]?.Keys).toEqual(
      Array.from({ length: STATS_SHARDS }, (_, shard) => shardKey("m_1", shard)),
    );
    expect(stats).toMatchObject({
      entered: 4,
      active: 2,
      succeeded: 1,
      failed: 1,
      successRate: 50,
      failedRate: 50,
      steps: { s1: { executed: 3, skipped: 0, failed: 0 } },
      feedback: { positive: 0, neutral: 1, frustrated: 0 },
    });
  });

  it("retries keys DynamoDB left unprocessed", async () => {
    // Prepare
    db.on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [{ ...shardKey("m_1", 0), entered: 1 }] },
        UnprocessedKeys: { [TABLE]: { Keys: [shardKey("m_1", 1)] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [{ ...shardKey("m_1", 1), entered: 2 }] } });

    // Act
    const stats = await repository().read("ws_1", "m_1");

    // Assess
    expect(stats.entered).toBe(3);
    const calls = db.commandCalls(BatchGetCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([shardKey("m_1", 1)]);
  });

  it("gives up when keys stay unprocessed, after backing off", async () => {
    vi.useFakeTimers();
    try {
      db.on(BatchGetCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: [shardKey("m_1", 1)] } } });
      const read = expect(repository().read("ws_1", "m_1")).rejects.toThrow(/unprocessed after 6 attempts/);
      await vi.runAllTimersAsync();
      await read;
      expect(db.commandCalls(BatchGetCommand)).toHaveLength(6);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reads many moments in batches of 100 keys and tells their shards apart by key", async () => {
    // Prepare: enough moments that their shard keys need two BatchGet calls of at most 100 keys
    const count = Math.floor(100 / STATS_SHARDS) + 1;
    const momentIds = Array.from({ length: count }, (_, i) => `m_${i}`);
    db.on(BatchGetCommand).callsFake(
      (input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => ({
        Responses: {
          [TABLE]: (input.RequestItems[TABLE]?.Keys ?? [])
            .filter((key) => key.pk.endsWith("#0") || key.pk.endsWith(`#${STATS_SHARDS - 1}`))
            .map((key) => ({ ...key, entered: 1, momentId: "misleading" })),
        },
      }),
    );

    // Act
    const stats = await repository().readMany("ws_1", momentIds);

    // Assess
    expect(
      db.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]?.Keys?.length),
    ).toEqual([100, count * STATS_SHARDS - 100]);
    expect([...stats.keys()]).toEqual(momentIds);
    for (const id of momentIds) expect(stats.get(id)?.entered).toBe(2);
  });

  it("increments one shard with a single UpdateItem", async () => {
    db.on(UpdateCommand).resolves({});
    await repository().increment("ws_1", "m_1", 2, { "feedback.positive": 1 });
    expect(db.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, ...statsIncrement("ws_1", "m_1", 2, { "feedback.positive": 1 }) },
    ]);
  });
});

describe("DynamoStatsRepository.readSeries", () => {
  /** Answers each shard's query from `items` (by shard), within the query's sort-key range. */
  function seriesTable(items: Record<number, Array<Record<string, unknown>>>) {
    db.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
      const values = input.ExpressionAttributeValues;
      const shard = Array.from({ length: STATS_SHARDS }, (_, n) => n).find(
        (n) => momentSeriesPk("ws_1", "m_1", n) === values[":pk"],
      );
      const from = values[":from"] ?? "";
      const to = values[":to"] ?? "";
      const sk = (item: Record<string, unknown>) => String(item.sk);
      return {
        Items: (items[shard ?? -1] ?? []).filter((item) => sk(item) >= from && sk(item) <= to),
      };
    });
  }

  it("reads hours from the day items of the range and from hour items written before, summed per hour", async () => {
    seriesTable({
      // j: 09 h, n: 13 h, o: 14 h (see hourCounter).
      0: [{ sk: "D#2026-12-06", entered: 9, je: 5, ne: 2, oe: 1, oc: 1 }],
      1: [{ sk: "D#2026-12-06", entered: 1, ne: 1 }],
      // Counted before the hours moved into the day item (another run's entry, in its own shard).
      2: [
        { sk: "H#2026-12-06T13", entered: 4 },
        { sk: "D#2026-12-06", entered: 4 },
      ],
    });

    const hours = await repository().readSeries("ws_1", "m_1", "hour", "2026-12-06T10", "2026-12-06T14");

    expect(Object.fromEntries([...hours].map(([key, counts]) => [key, counts.entered]))).toEqual({
      "2026-12-06T13": 7,
      "2026-12-06T14": 1,
    });
    expect(hours.get("2026-12-06T14")).toMatchObject({ completed: 1 });
    // Two queries per shard: its day items of the range's days, and its hour items of the range.
    const ranges = db.commandCalls(QueryCommand).map((call) => {
      const values = call.args[0].input.ExpressionAttributeValues ?? {};
      return `${values[":from"]}..${values[":to"]}`;
    });
    expect(ranges).toHaveLength(2 * STATS_SHARDS);
    expect(new Set(ranges)).toEqual(
      new Set(["D#2026-12-06..D#2026-12-06", "H#2026-12-06T10..H#2026-12-06T14"]),
    );
  });

  it("reads days from the day items' own counters, not their hours", async () => {
    seriesTable({
      3: [{ sk: "D#2026-12-05", entered: 2, h13e: 2 }],
      4: [{ sk: "D#2026-12-05", entered: 1 }],
    });

    const days = await repository().readSeries("ws_1", "m_1", "day", "2026-12-01", "2026-12-06");

    expect([...days.keys()]).toEqual(["2026-12-05"]);
    expect(days.get("2026-12-05")).toMatchObject({ entered: 3 });
    expect(db.commandCalls(QueryCommand)).toHaveLength(STATS_SHARDS);
  });
});
