import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoMessageLog } from "../../../../shared/adapters/dynamodb/message-log.js";
import { DEDUPE_TTL_SECONDS, keys } from "../../../../shared/contracts/table.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const messageKey = keys.processedMessage("ws_1", "msg-1");

function log() {
  return new DynamoMessageLog(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
  );
}

const throttled = () =>
  new ProvisionedThroughputExceededException({ message: "Throughput exceeded", $metadata: {} });

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoMessageLog.isProcessed", () => {
  it("answers true when the message's marker exists, read consistently", async () => {
    const inWindow = Math.floor(Date.now() / 1000) + 3600;
    db.on(GetCommand, { Key: messageKey }).resolves({
      Item: { ...messageKey, processedAt: "t", expiresAt: inWindow },
    });

    await expect(log().isProcessed("ws_1", "msg-1")).resolves.toBe(true);
    expect(db.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: messageKey,
      // A redelivery right after the first processing must see its marker.
      ConsistentRead: true,
    });
  });

  it("answers false for a marker past its window that TTL has not deleted yet", async () => {
    const expired = Math.floor(Date.now() / 1000) - 1;
    db.on(GetCommand, { Key: messageKey }).resolves({
      Item: { ...messageKey, processedAt: "t", expiresAt: expired },
    });

    await expect(log().isProcessed("ws_1", "msg-1")).resolves.toBe(false);
  });

  it("answers false for a message only touched (its processing did not finish)", async () => {
    db.on(GetCommand, { Key: messageKey }).resolves({
      Item: { ...messageKey, touchedAt: "t", expiresAt: Math.floor(Date.now() / 1000) + 3600 },
    });

    await expect(log().isProcessed("ws_1", "msg-1")).resolves.toBe(false);
  });

  it("answers false when there is no marker", async () => {
    db.on(GetCommand).resolves({});

    await expect(log().isProcessed("ws_1", "msg-1")).resolves.toBe(false);
  });

  it("keeps workspaces apart: the same messageId of another workspace is another marker", async () => {
    db.on(GetCommand).resolves({});

    await log().isProcessed("ws_2", "msg-1");

    expect(db.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual(keys.processedMessage("ws_2", "msg-1"));
    expect(keys.processedMessage("ws_2", "msg-1")).not.toEqual(messageKey);
  });

  it("lets throttling propagate, so the event is redelivered rather than processed twice", async () => {
    db.on(GetCommand).rejects(throttled());

    await expect(log().isProcessed("ws_1", "msg-1")).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoMessageLog.markProcessed", () => {
  it("puts the marker with a TTL of the dedupe window after processing", async () => {
    db.on(PutCommand).resolves({});
    const at = "2026-11-21T10:00:00.000Z";

    await log().markProcessed("ws_1", "msg-1", at);

    expect(db.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        ...messageKey,
        type: "processed_message",
        processedAt: at,
        expiresAt: Date.parse(at) / 1000 + DEDUPE_TTL_SECONDS,
      },
    });
  });

  it("keeps a dedupe window of at least 24 hours", () => {
    expect(DEDUPE_TTL_SECONDS).toBeGreaterThanOrEqual(24 * 3600);
  });

  it("writes the TTL in whole epoch seconds", async () => {
    db.on(PutCommand).resolves({});

    await log().markProcessed("ws_1", "msg-1", "2026-11-21T10:00:00.999Z");

    const expiresAt = db.commandCalls(PutCommand)[0]?.args[0].input.Item?.expiresAt;
    expect(expiresAt).toBe(Math.floor(Date.parse("2026-11-21T10:00:00.000Z") / 1000) + DEDUPE_TTL_SECONDS);
    expect(Number.isInteger(expiresAt)).toBe(true);
  });

  it("lets throttling propagate, so the message is not taken as processed", async () => {
    db.on(PutCommand).rejects(throttled());

    await expect(log().markProcessed("ws_1", "msg-1", "2026-11-21T10:00:00.000Z")).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoMessageLog.finish", () => {
  const at = "2026-11-21T10:00:00.000Z";
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

  it("marks the message with its outcome, only where no live mark is, keeping its touch mark", async () => {
    db.on(UpdateCommand).resolves({});

    const finished = await log().finish("ws_1", "msg-1", [{ reason: "started" }], at);

    expect(finished).toEqual({ first: true, at, outcome: [{ reason: "started" }] });
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: messageKey,
      UpdateExpression: "SET #type = :type, processedAt = :at, outcome = :outcome, expiresAt = :expires",
      ConditionExpression: "attribute_not_exists(processedAt) OR expiresAt <= :now",
    });
  });

  it("answers the first copy's marker when a copy marked the message first", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: messageKey }).resolves({
      Item: {
        ...messageKey,
        processedAt: "2026-11-21T09:59:59.000Z",
        outcome: [{ reason: "started", runId: "r1" }],
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    });

    const finished = await log().finish("ws_1", "msg-1", [{ reason: "already_active" }], at);

    expect(finished).toEqual({
      first: false,
      at: "2026-11-21T09:59:59.000Z",
      outcome: [{ reason: "started", runId: "r1" }],
    });
  });
});
