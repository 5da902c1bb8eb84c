import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoInsightsRepository } from "../../../../shared/adapters/dynamodb/insights-repository.js";
import { INSIGHT_TTL_SECONDS, keys, STATS_SHARDS } from "../../../../shared/contracts/table.js";
import type { DecisionBatch } from "../../../../shared/domain/insights.js";
import { itemSizeBytes } from "../../../bench/aws-requests.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const AT = "2026-11-21T10:00:00.000Z";
const EXPIRES = Date.parse(AT) / 1000 + INSIGHT_TTL_SECONDS;

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

function repository() {
  return new DynamoInsightsRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
  );
}

const batch = (decisions: DecisionBatch["decisions"]): DecisionBatch => ({
  workspaceId: "ws_1",
  accountId: "acct_1",
  messageId: "msg_1",
  event: "payment_failed",
  at: AT,
  decisions,
});

function writtenItems() {
  return db
    .commandCalls(BatchWriteCommand)
    .flatMap((c) => c.args[0].input.RequestItems?.[TABLE] ?? [])
    .map((request) => request.PutRequest?.Item);
}

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoInsightsRepository.recordDecisions", () => {
  it("writes one item per decision in the account's collection, with a 7-day TTL", async () => {
    // Prepare
    db.on(BatchWriteCommand).resolves({});

    // Act
    await repository().recordDecisions(
      batch([
        { momentId: "m_1", momentName: "Dunning", reason: "started", runId: "run_1" },
        { momentId: "m_2", reason: "filter_failed", condition: 'account.plan eq "pro"' },
        { reason: "duplicate", runKey: undefined },
      ]),
    );

    // Assess
    const base = {
      type: "decision",
      accountId: "acct_1",
      messageId: "msg_1",
      event: "payment_failed",
      at: AT,
    };
    expect(writtenItems()).toEqual([
      {
        ...keys.decision("ws_1", "acct_1", AT, "msg_1", "m_1"),
        ...base,
        momentId: "m_1",
        momentName: "Dunning",
        reason: "started",
        runId: "run_1",
        expiresAt: EXPIRES,
      },
      {
        ...keys.decision("ws_1", "acct_1", AT, "msg_1", "m_2"),
        ...base,
        momentId: "m_2",
        reason: "filter_failed",
        condition: 'account.plan eq "pro"',
        expiresAt: EXPIRES,
      },
      // A decision about the whole event, with no undefined attribute left in.
      {
        ...keys.decision("ws_1", "acct_1", AT, "msg_1", "*"),
        ...base,
        reason: "duplicate",
        expiresAt: EXPIRES,
      },
    ]);
  });

  it("keeps two lines about one moment apart, the same way on a retry", async () => {
    db.on(BatchWriteCommand).resolves({});
    const lines = batch([
      { momentId: "m_1", reason: "ended_success", runId: "run_0" },
      { momentId: "m_1", reason: "started", runId: "run_1" },
    ]);

    await repository().recordDecisions(lines);
    await repository().recordDecisions(lines);

    const sortKeys = writtenItems().map((item) => item?.sk);
    expect(sortKeys).toEqual([
      `DECISION#${AT}#msg_1#m_1`,
      `DECISION#${AT}#msg_1#m_1#2`,
      `DECISION#${AT}#msg_1#m_1`,
      `DECISION#${AT}#msg_1#m_1#2`,
    ]);
  });

  it("writes in batches of 25 and retries what DynamoDB left unprocessed", async () => {
    // Prepare
    db.on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: { pk: "p", sk: "unprocessed" } } }] },
      })
      .resolves({});
    const decisions = Array.from({ length: 30 }, (_, i) => ({
      momentId: `m_${i}`,
      reason: "sampled_out" as const,
      samplingRate: 10,
    }));

    // Act
    await repository().recordDecisions(batch(decisions));

    // Assess
    const calls = db.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.[TABLE] ?? []);
    expect(calls.map((requests) => requests.length)).toEqual([25, 1, 5]);
    expect(calls[1]?.[0]?.PutRequest?.Item).toEqual({ pk: "p", sk: "unprocessed" });
  });

  it("cuts an over-long condition text", async () => {
    db.on(BatchWriteCommand).resolves({});
    await repository().recordDecisions(
      batch([{ momentId: "m_1", reason: "filter_failed", condition: "x".repeat(3000) }]),
    );
    expect(String(writtenItems()[0]?.condition)).toHaveLength(1000);
  });

  it("writes nothing for no decisions", async () => {
    await repository().recordDecisions(batch([]));
    expect(db.calls()).toHaveLength(0);
  });
});

describe("DynamoInsightsRepository.recordAccountEvent", () => {
  it("puts the event in the account's recent events, keyed by receive time, with a TTL", async () => {
    db.on(PutCommand).resolves({});
    await repository().recordAccountEvent("ws_1", "acct_1", {
      messageId: "msg_1",
      event: "payment_failed",
      timestamp: "2026-11-21T09:59:00.000Z",
      receivedAt: AT,
      propertyNames: ["amount", "amount", "", "currency"],
      sourceId: "src_1",
    });
    expect(db.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Item: {
          ...keys.accountEvent("ws_1", "acct_1", AT, "msg_1"),
          type: "account_event",
          messageId: "msg_1",
          event: "payment_failed",
          timestamp: "2026-11-21T09:59:00.000Z",
          receivedAt: AT,
          sourceId: "src_1",
          propertyNames: ["amount", "currency"],
          expiresAt: EXPIRES,
        },
      },
    ]);
  });
});

describe("DynamoInsightsRepository.recordAccountEvent: one write unit", () => {
  it("cuts the property names that would take the row past 1 KB", async () => {
    db.on(PutCommand).resolves({});
    const names = Array.from({ length: 50 }, (_, i) => `${"property_name_".repeat(4)}${i}`);
    await repository().recordAccountEvent("ws_1", "acct_1", {
      messageId: "msg_1",
      event: "page_viewed",
      timestamp: AT,
      receivedAt: AT,
      sourceId: "src_1",
      propertyNames: names,
    });
    const item = db.commandCalls(PutCommand)[0]?.args[0].input.Item ?? {};
    const kept = item.propertyNames as string[];
    expect(kept.length).toBeGreaterThan(5);
    expect(kept).toEqual(names.slice(0, kept.length));
    expect(itemSizeBytes(item)).toBeLessThanOrEqual(1024);
    expect(itemSizeBytes({ ...item, propertyNames: names.slice(0, kept.length + 1) })).toBeGreaterThan(1024);
  });
});

describe("DynamoInsightsRepository.observeEvent", () => {
  const key = keys.observedEventShard("ws_1", "Order Completed", 3);

  it("counts, keeps first and last seen, and adds the property sample under a size condition", async () => {
    db.on(UpdateCommand).resolves({});
    await repository().observeEvent("ws_1", "Order Completed", ["total", "currency"], AT, 3);
    expect(db.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Key: key,
        UpdateExpression:
          "SET #type = :type, #name = :name, firstSeenAt = if_not_exists(firstSeenAt, :first), lastSeenAt = :at ADD #count :count, #props :props",
        ConditionExpression: "attribute_not_exists(#props) OR size(#props) <= :room",
        ExpressionAttributeNames: {
          "#type": "type",
          "#name": "name",
          "#count": "count",
          "#props": "sampleProperties",
        },
        ExpressionAttributeValues: {
          ":type": "observed_event",
          ":name": "Order Completed",
          ":at": AT,
          ":first": AT,
          ":count": 1,
          ":props": new Set(["total", "currency"]),
          ":room": 48,
        },
      },
    ]);
  });

  it("counts without a sample when the event has no properties", async () => {
    db.on(UpdateCommand).resolves({});
    await repository().observeEvent("ws_1", "Order Completed", [], AT, 3);
    const input = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toMatch(/ADD #count :count$/);
    expect(input?.ConditionExpression).toBeUndefined();
  });

  it("counts several events at once, first seen the earliest of them", async () => {
    db.on(UpdateCommand).resolves({});
    await repository().observeEvent("ws_1", "Order Completed", [], AT, 3, {
      count: 7,
      firstAt: "2026-12-01T00:00:00.000Z",
    });
    const input = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ":at": AT,
      ":first": "2026-12-01T00:00:00.000Z",
      ":count": 7,
    });
  });

  it("still counts when the sample is full, and skips the sample from then on", async () => {
    // Prepare: the first sampled update finds the set full
    db.on(UpdateCommand).callsFake((input: { ConditionExpression?: string }) => {
      if (input.ConditionExpression) throw conditionFailed();
      return {};
    });
    const repo = repository();

    // Act
    await repo.observeEvent("ws_1", "Order Completed", ["total"], AT, 3);
    await repo.observeEvent("ws_1", "Order Completed", ["total"], AT, 3);
    await repo.observeEvent("ws_1", "Order Completed", ["total"], AT, 4);

    // Assess: sampled + count-only, then count-only, then a sampled try on another shard
    const sampled = db
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input.ConditionExpression !== undefined);
    expect(sampled).toEqual([true, false, false, true, false]);
  });

  it("refuses a shard out of range", async () => {
    await expect(repository().observeEvent("ws_1", "e", [], AT, STATS_SHARDS)).rejects.toThrow(RangeError);
  });

  it("passes on other errors", async () => {
    db.on(UpdateCommand).rejects(new Error("boom"));
    await expect(repository().observeEvent("ws_1", "e", ["a"], AT, 0)).rejects.toThrow("boom");
  });
});

describe("DynamoInsightsRepository reads", () => {
  it("lists the latest decisions newest first from the account's collection", async () => {
    // Prepare
    db.on(QueryCommand).resolves({
      Items: [
        {
          ...keys.decision("ws_1", "acct_1", AT, "msg_2", "m_1"),
          type: "decision",
          accountId: "acct_1",
          messageId: "msg_2",
          event: "e",
          at: AT,
          momentId: "m_1",
          reason: "sampled_out",
          samplingRate: 5,
          expiresAt: EXPIRES,
        },
        { pk: "x", sk: "DECISION#old", reason: "no_such_reason" },
      ],
    });

    // Act
    const decisions = await repository().listDecisions("ws_1", "acct_1", 100);

    // Assess
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": keys.profile("ws_1", "acct_1").pk, ":prefix": "DECISION#" },
      ScanIndexForward: false,
      Limit: 100,
    });
    expect(decisions).toEqual([
      {
        accountId: "acct_1",
        messageId: "msg_2",
        event: "e",
        at: AT,
        momentId: "m_1",
        reason: "sampled_out",
        samplingRate: 5,
      },
    ]);
  });

  it("lists the latest events newest first", async () => {
    db.on(QueryCommand).resolves({
      Items: [
        {
          ...keys.accountEvent("ws_1", "acct_1", AT, "msg_1"),
          messageId: "msg_1",
          event: "e",
          timestamp: AT,
          receivedAt: AT,
          sourceId: "src_1",
          propertyNames: ["a"],
        },
      ],
    });
    const events = await repository().listAccountEvents("ws_1", "acct_1", 50);
    const input = db.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.ExpressionAttributeValues?.[":prefix"]).toBe("EVENT#");
    expect(input?.Limit).toBe(50);
    expect(events).toEqual([
      {
        messageId: "msg_1",
        event: "e",
        timestamp: AT,
        receivedAt: AT,
        sourceId: "src_1",
        propertyNames: ["a"],
      },
    ]);
  });

  it("reads the account's membership in each moment, and per key value in keyed moments", async () => {
    // Prepare
    db.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE]: [
          {
            ...keys.membership("ws_1", "m_1", "acct_1"),
            accountId: "acct_1",
            status: "success",
            runId: "run_1",
            startedAt: "2026-11-20T00:00:00.000Z",
            endedAt: "2026-11-20T01:00:00.000Z",
          },
        ],
      },
    });
    db.on(QueryCommand).resolves({
      Items: [
        {
          ...keys.membership("ws_1", "m_2", "acct_1", "cart#9"),
          status: "active",
          runId: "run_2",
          startedAt: "2026-11-21T00:00:00.000Z",
        },
      ],
    });

    // Act
    const runs = await repository().listAccountRuns("ws_1", "acct_1", [
      { momentId: "m_1", keyed: false },
      { momentId: "m_2", keyed: true },
    ]);

    // Assess
    expect(db.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([
      keys.membership("ws_1", "m_1", "acct_1"),
      keys.membership("ws_1", "m_2", "acct_1"),
    ]);
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ":pk": keys.membership("ws_1", "m_2", "acct_1").pk,
      ":prefix": "ACCOUNT#acct_1#KEY#",
    });
    expect(runs).toEqual([
      {
        momentId: "m_1",
        runId: "run_1",
        status: "success",
        startedAt: "2026-11-20T00:00:00.000Z",
        endedAt: "2026-11-20T01:00:00.000Z",
      },
      {
        momentId: "m_2",
        runKey: "cart#9",
        runId: "run_2",
        status: "active",
        startedAt: "2026-11-21T00:00:00.000Z",
      },
    ]);
  });

  it("lists observed events from every shard, summed, and pages through a shard", async () => {
    // Prepare
    db.on(QueryCommand).callsFake(
      (input: { ExpressionAttributeValues: { ":pk": string }; ExclusiveStartKey?: unknown }) => {
        const pk = input.ExpressionAttributeValues[":pk"];
        if (pk === keys.observedEventShard("ws_1", "", 0).pk) {
          return input.ExclusiveStartKey
            ? { Items: [{ sk: "EVENT#b", name: "b", count: 1, sampleProperties: new Set(["y"]) }] }
            : {
                Items: [
                  {
                    sk: "EVENT#a",
                    name: "a",
                    count: 2,
                    firstSeenAt: "2026-11-02",
                    lastSeenAt: "2026-11-03",
                    sampleProperties: new Set(["x"]),
                  },
                ],
                LastEvaluatedKey: { pk, sk: "EVENT#a" },
              };
        }
        if (pk === keys.observedEventShard("ws_1", "", 5).pk) {
          return {
            Items: [
              { sk: "EVENT#a", name: "a", count: 3, firstSeenAt: "2026-11-01", lastSeenAt: "2026-11-02" },
            ],
          };
        }
        return { Items: [] };
      },
    );

    // Act
    const events = await repository().listObservedEvents("ws_1");

    // Assess
    expect(db.commandCalls(QueryCommand)).toHaveLength(STATS_SHARDS + 1);
    expect(events).toEqual([
      { name: "a", count: 5, firstSeenAt: "2026-11-01", lastSeenAt: "2026-11-03", sampleProperties: ["x"] },
      { name: "b", count: 1, firstSeenAt: "", lastSeenAt: "", sampleProperties: ["y"] },
    ]);
  });

  it("gets one observed event by its shard keys, or nothing", async () => {
    db.on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [{ ...keys.observedEventShard("ws_1", "a", 1), name: "a", count: 4 }] },
      })
      .resolvesOnce({ Responses: { [TABLE]: [] } });
    const repo = repository();
    expect((await repo.getObservedEvent("ws_1", "a"))?.count).toBe(4);
    expect(await repo.getObservedEvent("ws_1", "never")).toBeUndefined();
    expect(db.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.[TABLE]?.Keys).toEqual(
      Array.from({ length: STATS_SHARDS }, (_, shard) => keys.observedEventShard("ws_1", "a", shard)),
    );
  });
});
