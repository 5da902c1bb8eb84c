import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
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
        ReturnValues: "UPDATED_OLD",
      },
    ]);
  });

  it("answers the previous values of the given traits that had one", async () => {
    db.on(UpdateCommand).resolves({ Attributes: { traits: { plan: "trial" }, updatedAt: "earlier" } });

    const previous = await repository().mergeTraits("ws_1", "acct_1", { plan: "pro", seats: 3 }, AT);

    expect(previous).toEqual({ plan: "trial" });
  });

  it("answers no previous values when it created the profile", async () => {
    db.on(UpdateCommand, { ConditionExpression: MERGE }).rejects(conditionFailed());
    db.on(UpdateCommand, { ConditionExpression: CREATE }).resolves({});

    await expect(repository().mergeTraits("ws_1", "acct_1", { plan: "pro" }, AT)).resolves.toEqual({});
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

    await expect(repository().mergeTraits("ws_1", "acct_1", {}, AT)).resolves.toEqual({});

    expect(updates()).toEqual([]);
  });
});

describe("DynamoProfileRepository.get", () => {
  const profileQuery = (...items: Record<string, unknown>[]) =>
    db.on(QueryCommand).resolves({ Items: items });

  it("answers the stored traits", async () => {
    profileQuery({ ...profileKey, type: "profile", traits: { plan: "pro" }, updatedAt: AT });

    await expect(repository().get("ws_1", "acct_1")).resolves.toEqual({
      workspaceId: "ws_1",
      accountId: "acct_1",
      traits: { plan: "pro" },
      updatedAt: AT,
    });
  });

  it("answers empty traits for an item without a map", async () => {
    profileQuery({ ...profileKey });

    await expect(repository().get("ws_1", "acct_1")).resolves.toEqual({
      workspaceId: "ws_1",
      accountId: "acct_1",
      traits: {},
    });
  });

  it("reads the profile and its counters in one consistent Query: the matcher reads right after writing", async () => {
    profileQuery();
    db.on(GetCommand).resolves({});

    await repository().get("ws_1", "acct_1");
    await repository().getUser("ws_1", "u_1");

    expect(db.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": profileKey.pk, ":prefix": "PROFILE" },
        ConsistentRead: true,
      },
    ]);
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it("answers undefined for an unknown account", async () => {
    profileQuery();

    await expect(repository().get("ws_1", "acct_1")).resolves.toBeUndefined();
  });

  it("answers lastSeenAt and the event counters, keyed as conditions name them", async () => {
    profileQuery(
      { ...profileKey, traits: { plan: "pro" } },
      { ...keys.profileEventCount("ws_1", "acct_1", "Order%20Completed"), count: 1, lastSeenAt: AT },
      {
        ...keys.profileEventCount("ws_1", "acct_1", "trial_ending_soon"),
        count: 2,
        lastSeenAt: "2026-11-20T00:00:00.000Z",
      },
    );

    await expect(repository().get("ws_1", "acct_1")).resolves.toEqual({
      workspaceId: "ws_1",
      accountId: "acct_1",
      traits: { plan: "pro" },
      lastSeenAt: AT,
      eventCounts: { trial_ending_soon: 2, "Order%20Completed": 1 },
    });
  });

  it("adds what profiles written before kept on the profile item, and takes the later lastSeenAt", async () => {
    profileQuery(
      {
        ...profileKey,
        traits: {},
        lastSeenAt: AT,
        "eventCount#trial_ending_soon": 2,
        "eventCount#signed_up": 1,
      },
      {
        ...keys.profileEventCount("ws_1", "acct_1", "trial_ending_soon"),
        count: 3,
        lastSeenAt: "2026-11-20T00:00:00.000Z",
      },
    );

    await expect(repository().get("ws_1", "acct_1")).resolves.toMatchObject({
      lastSeenAt: AT,
      eventCounts: { trial_ending_soon: 5, signed_up: 1 },
    });
  });

  it("answers an account that only sent events: its counters, no traits", async () => {
    profileQuery({ ...keys.profileEventCount("ws_1", "acct_1", "page_viewed"), count: 1, lastSeenAt: AT });

    await expect(repository().get("ws_1", "acct_1")).resolves.toEqual({
      workspaceId: "ws_1",
      accountId: "acct_1",
      traits: {},
      lastSeenAt: AT,
      eventCounts: { page_viewed: 1 },
    });
  });
});

describe("DynamoProfileRepository.mergeUserTraits", () => {
  const userKey = keys.userProfile("ws_1", "user_1");

  it("merges into the user's own item and records the user's account", async () => {
    db.on(UpdateCommand).resolves({ Attributes: { traits: { first_name: "Ada" } } });

    const previous = await repository().mergeUserTraits(
      "ws_1",
      "user_1",
      { first_name: "Grace" },
      AT,
      "acct_1",
    );

    expect(previous).toEqual({ first_name: "Ada" });
    expect(updates()).toEqual([
      {
        TableName: TABLE,
        Key: userKey,
        UpdateExpression: "SET traits.#t0 = :t0, updatedAt = :at, accountId = :account",
        ConditionExpression: MERGE,
        ExpressionAttributeNames: { "#t0": "first_name" },
        ExpressionAttributeValues: { ":t0": "Grace", ":at": AT, ":account": "acct_1" },
        ReturnValues: "UPDATED_OLD",
      },
    ]);
  });

  it("creates a new user's item with its identity", async () => {
    db.on(UpdateCommand, { ConditionExpression: MERGE }).rejects(conditionFailed());
    db.on(UpdateCommand, { ConditionExpression: CREATE }).resolves({});

    await expect(repository().mergeUserTraits("ws_1", "user_1", { role: "admin" }, AT)).resolves.toEqual({});

    expect(updates()[1]).toMatchObject({
      Key: userKey,
      UpdateExpression:
        "SET traits = :traits, #type = :type, workspaceId = :ws, userId = :user, updatedAt = :at",
      ExpressionAttributeValues: {
        ":traits": { role: "admin" },
        ":type": "userProfile",
        ":ws": "ws_1",
        ":user": "user_1",
      },
    });
  });

  it("only links the user to its account when there are no traits", async () => {
    db.on(UpdateCommand).resolves({});

    await expect(repository().mergeUserTraits("ws_1", "user_1", {}, AT, "acct_1")).resolves.toEqual({});

    expect(updates()).toEqual([
      expect.objectContaining({
        Key: userKey,
        UpdateExpression: "SET #type = :type, workspaceId = :ws, userId = :user, accountId = :account",
      }),
    ]);
  });

  it("writes nothing with neither traits nor account", async () => {
    await repository().mergeUserTraits("ws_1", "user_1", {}, AT);

    expect(updates()).toEqual([]);
  });
});

describe("DynamoProfileRepository.touch", () => {
  const cancelled = (...codes: string[]) =>
    new TransactionCanceledException({
      message: "Transaction cancelled",
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });
  const transactions = () =>
    db.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

  it("moves the event's lastSeenAt forward and bumps its counter (a small item beside the profile), in one transaction with the message's marker", async () => {
    db.on(TransactWriteCommand).resolves({});

    await repository().touch("ws_1", "acct_1", "Order Completed", AT, "msg-1");

    expect(transactions()).toEqual([
      [
        {
          Put: expect.objectContaining({
            Item: expect.objectContaining({
              ...keys.processedMessage("ws_1", "msg-1"),
              type: "processed_message",
              touchedAt: expect.any(String),
            }),
            ConditionExpression: "attribute_not_exists(touchedAt) OR expiresAt <= :now",
          }),
        },
        {
          Update: expect.objectContaining({
            Key: keys.profileEventCount("ws_1", "acct_1", "Order%20Completed"),
            UpdateExpression: "SET lastSeenAt = :at, #type = :type ADD #count :one",
            ConditionExpression: "attribute_not_exists(lastSeenAt) OR lastSeenAt < :at",
            ExpressionAttributeNames: { "#type": "type", "#count": "count" },
          }),
        },
      ],
    ]);
  });

  it("marks the message processed in the same transaction when asked to (nothing left to do)", async () => {
    db.on(TransactWriteCommand).resolves({});
    const finished = { at: AT, outcome: { decisions: [] } };

    await expect(repository().touch("ws_1", "acct_1", "e", AT, "msg-1", finished)).resolves.toBe("applied");

    expect(transactions()[0]?.[0]?.Put?.Item).toMatchObject({
      ...keys.processedMessage("ws_1", "msg-1"),
      processedAt: AT,
      outcome: { decisions: [] },
    });
  });

  it("still counts a late event once, without moving lastSeenAt back", async () => {
    db.on(TransactWriteCommand).rejectsOnce(cancelled("None", "ConditionalCheckFailed")).resolves({});

    await repository().touch("ws_1", "acct_1", "trial_ending_soon", AT, "msg-1");

    expect(transactions().map((items) => items.map((item) => item.Update?.UpdateExpression))).toEqual([
      [undefined, "SET lastSeenAt = :at, #type = :type ADD #count :one"],
      [undefined, "ADD #count :one"],
    ]);
  });

  it.each([
    ["on time", ["ConditionalCheckFailed", "None"]],
    ["late", ["ConditionalCheckFailed", "ConditionalCheckFailed"]],
  ])("counts nothing for a message (%s) whose marker exists: a copy or a retry", async (_, codes) => {
    db.on(TransactWriteCommand).rejects(cancelled(...codes));

    await repository().touch("ws_1", "acct_1", "e", AT, "msg-1");

    expect(transactions()).toHaveLength(1);
  });

  it("counts nothing when the late event's second write finds the marker (a copy got there between)", async () => {
    db.on(TransactWriteCommand)
      .rejectsOnce(cancelled("None", "ConditionalCheckFailed"))
      .rejects(cancelled("ConditionalCheckFailed", "None"));

    await repository().touch("ws_1", "acct_1", "e", AT, "msg-1");

    expect(transactions()).toHaveLength(2);
  });

  it("retries a conflict with a concurrent transaction, and lets throttling propagate", async () => {
    db.on(TransactWriteCommand).rejectsOnce(cancelled("TransactionConflict", "None")).resolves({});
    await repository().touch("ws_1", "acct_1", "e", AT, "msg-1");
    expect(transactions()).toHaveLength(2);

    db.reset();
    db.on(TransactWriteCommand).rejects(throttled());
    await expect(repository().touch("ws_1", "acct_1", "e", AT, "msg-2")).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoProfileRepository.getUser", () => {
  it("answers the user's traits and account", async () => {
    db.on(GetCommand, { Key: keys.userProfile("ws_1", "user_1") }).resolves({
      Item: { traits: { first_name: "Ada" }, accountId: "acct_1", updatedAt: AT },
    });

    await expect(repository().getUser("ws_1", "user_1")).resolves.toEqual({
      workspaceId: "ws_1",
      userId: "user_1",
      accountId: "acct_1",
      traits: { first_name: "Ada" },
      updatedAt: AT,
    });
  });

  it("answers undefined for an unknown user", async () => {
    db.on(GetCommand).resolves({});

    await expect(repository().getUser("ws_1", "user_1")).resolves.toBeUndefined();
  });
});
