import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoProfileRepository } from "../../../../shared/adapters/dynamodb/profile-repository.js";
import { keys } from "../../../../shared/contracts/table.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const AT = "2026-11-21T10:00:00.000Z";
const profileKey = keys.profile("ws_1", "acct_1");
const MERGE = "attribute_exists(traits)";
const CREATE = "attribute_not_exists(traits)";

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: "Throughput exceeded",
    $metadata: { httpStatusCode: 400 },
  });

function repository() {
  return new DynamoProfileRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
  );
}

function updates() {
  return db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
}

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoProfileRepository.mergeTraits", () => {
  it("sets each given trait inside the existing map, leaving the others", async () => {
    // Prepare
    db.on(UpdateCommand).resolves({});

    // Act
    await repository().mergeTraits("ws_1", "acct_1", { plan: "pro", "first.name": "Ada" }, AT);

    // Assess
    expect(updates()).toEqual([
      {
        TableName: TABLE,
        Key: profileKey,
        UpdateExpression: "SET traits.#t0 = :t0, traits.#t1 = :t1, updatedAt = :at",
        ConditionExpression: MERGE,
        ExpressionAttributeNames: { "#t0": "plan", "#t1": "first.name" },
        ExpressionAttributeValues: { ":t0": "pro", ":t1": "Ada", ":at": AT },
      },
    ]);
  });

  it("falls back to creating the map when the profile is new", async () => {
    // Prepare
    db.on(UpdateCommand, { ConditionExpression: MERGE }).rejects(conditionFailed());
    db.on(UpdateCommand, { ConditionExpression: CREATE }).resolves({});

    // Act
    await repository().mergeTraits("ws_1", "acct_1", { plan: "pro" }, AT);

    // Assess
    const [, create] = updates();
    expect(updates()).toHaveLength(2);
    expect(create).toMatchObject({
      Key: profileKey,
      ConditionExpression: CREATE,
      ExpressionAttributeValues: {
        ":traits": { plan: "pro" },
        ":type": "profile",
        ":ws": "ws_1",
        ":account": "acct_1",
        ":at": AT,
      },
    });
  });

  it("merges again when another writer created the profile first", async () => {
    // Prepare: merge fails (no map yet), create fails (someone else just made it), merge succeeds.
    db.on(UpdateCommand, { ConditionExpression: MERGE }).rejectsOnce(conditionFailed()).resolves({});
    db.on(UpdateCommand, { ConditionExpression: CREATE }).rejects(conditionFailed());

    // Act
    await repository().mergeTraits("ws_1", "acct_1", { plan: "pro" }, AT);

    // Assess
    expect(updates().map((u) => u.ConditionExpression)).toEqual([MERGE, CREATE, MERGE]);
  });

  it("gives up with an error after three rounds of conflicts", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());

    await expect(repository().mergeTraits("ws_1", "acct_1", { plan: "pro" }, AT)).rejects.toThrow(
      /after 3 attempts/,
    );
    expect(updates()).toHaveLength(6);
  });

  it("lets throttling on the merge propagate without trying to create", async () => {
    db.on(UpdateCommand).rejects(throttled());

    await expect(repository().mergeTraits("ws_1", "acct_1", { plan: "pro" }, AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(updates()).toHaveLength(1);
  });

  it("lets throttling on the create propagate", async () => {
    db.on(UpdateCommand, { ConditionExpression: MERGE }).rejects(conditionFailed());
    db.on(UpdateCommand, { ConditionExpression: CREATE }).rejects(throttled());

    await expect(repository().mergeTraits("ws_1", "acct_1", { plan: "pro" }, AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(updates()).toHaveLength(2);
  });

  // BUG (latent; shared/adapters/dynamodb/profile-repository.ts:26): with no traits the expression is
  // "SET , updatedAt = :at" with an empty ExpressionAttributeNames, which DynamoDB refuses with a
  // ValidationException. matchEvent guards against empty traits today, but the port promises a
  // shallow merge, for which no traits means nothing to do. Fix: `if (entries.length === 0) return;`.
  it("treats merging no traits as a no-op instead of sending a malformed update", async () => {
    db.on(UpdateCommand).resolves({});

    await repository().mergeTraits("ws_1", "acct_1", {}, AT);

    expect(updates()).toEqual([]);
  });
});

describe("DynamoProfileRepository.get", () => {
  it("answers the stored traits", async () => {
    db.on(GetCommand, { Key: profileKey }).resolves({
      Item: { ...profileKey, type: "profile", traits: { plan: "pro" }, updatedAt: AT },
    });

    await expect(repository().get("ws_1", "acct_1")).resolves.toEqual({
      workspaceId: "ws_1",
      accountId: "acct_1",
      traits: { plan: "pro" },
      updatedAt: AT,
    });
  });

  it("answers empty traits for an item without a map", async () => {
    db.on(GetCommand, { Key: profileKey }).resolves({ Item: { ...profileKey } });

    await expect(repository().get("ws_1", "acct_1")).resolves.toEqual({
      workspaceId: "ws_1",
      accountId: "acct_1",
      traits: {},
    });
  });

  it("answers undefined for an unknown account", async () => {
    db.on(GetCommand).resolves({});

    await expect(repository().get("ws_1", "acct_1")).resolves.toBeUndefined();
  });
});
