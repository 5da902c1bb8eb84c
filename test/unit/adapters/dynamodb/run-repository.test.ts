import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoRunRepository } from "../../../../shared/adapters/dynamodb/run-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { aRun } from "../../../support/fakes.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const run = aRun({ workspaceId: "ws_1", momentId: "m_1", accountId: "acct_1", runId: "run_1" });
const membershipKey = keys.membership("ws_1", "m_1", "acct_1");
const runKey = keys.run("ws_1", "run_1");
const stepKey = keys.runStep("ws_1", "run_1", "s1");

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: "Throughput exceeded",
    $metadata: { httpStatusCode: 400 },
  });

function repository() {
  return new DynamoRunRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
  );
}

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoRunRepository.enter", () => {
  it("takes the membership with a conditional update and creates the run", async () => {
    // Prepare
    db.on(UpdateCommand).resolves({});
    db.on(PutCommand).resolves({});

    // Act
    const result = await repository().enter(run);

    // Assess
    expect(result).toBe("entered");
    const update = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      TableName: TABLE,
      Key: membershipKey,
      ConditionExpression:
        "attribute_not_exists(activeRunId) AND (attribute_not_exists(runId) OR runId <> :run)",
      ExpressionAttributeValues: expect.objectContaining({ ":run": "run_1", ":account": "acct_1" }),
    });
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Item: { ...runKey, type: "run", status: "active", momentId: "m_1", accountId: "acct_1" },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("answers already_active when another run holds the membership, and creates no run", async () => {
    // Prepare
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: membershipKey }).resolves({
      Item: { ...membershipKey, activeRunId: "run_other", runId: "run_other", status: "active" },
    });

    // Act
    const result = await repository().enter(run);

    // Assess
    expect(result).toBe("already_active");
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it("answers entered again when the same run holds the membership (a redelivery)", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: membershipKey }).resolves({
      Item: { ...membershipKey, activeRunId: "run_1", runId: "run_1", status: "active" },
    });
    // The run item exists from the first delivery.
    db.on(PutCommand).rejects(conditionFailed());

    await expect(repository().enter(run)).resolves.toBe("entered");
    expect(db.commandCalls(PutCommand)).toHaveLength(1);
  });

  it("answers already_ran when the membership finished with this very run", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: membershipKey }).resolves({
      Item: { ...membershipKey, runId: "run_1", status: "completed", endedAt: "2026-11-22T00:00:00.000Z" },
    });

    await expect(repository().enter(run)).resolves.toBe("already_ran");
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
  });

  it("lets DynamoDB throttling propagate instead of treating it as a conflict", async () => {
    db.on(UpdateCommand).rejects(throttled());

    await expect(repository().enter(run)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(db.commandCalls(GetCommand)).toHaveLength(0);
  });

  it("lets throttling on the run item propagate", async () => {
    db.on(UpdateCommand).resolves({});
    db.on(PutCommand).rejects(throttled());

    await expect(repository().enter(run)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });
});

describe("DynamoRunRepository.claimStep", () => {
  const AT = "2026-11-21T11:00:00.000Z";

  it("claims an unclaimed step with a conditional put", async () => {
    db.on(PutCommand).resolves({});

    await expect(repository().claimStep(run, "s1", AT)).resolves.toBe("claimed");
    expect(db.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: { ...stepKey, type: "run_step", stepId: "s1", status: "claimed", claimedAt: AT },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("answers in_doubt when it collides with a claim that never recorded an outcome", async () => {
    db.on(PutCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: stepKey }).resolves({ Item: { ...stepKey, status: "claimed" } });

    await expect(repository().claimStep(run, "s1", AT)).resolves.toBe("in_doubt");
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it.each(["executed", "skipped", "failed"])(
    "answers already_done when it collides with a %s step",
    async (status) => {
      db.on(PutCommand).rejects(conditionFailed());
      db.on(GetCommand, { Key: stepKey }).resolves({ Item: { ...stepKey, status } });

      await expect(repository().claimStep(run, "s1", AT)).resolves.toBe("already_done");
    },
  );

  it("lets throttling propagate", async () => {
    db.on(PutCommand).rejects(throttled());

    await expect(repository().claimStep(run, "s1", AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoRunRepository.releaseStep", () => {
  it("deletes the step only while it is still merely claimed", async () => {
    db.on(DeleteCommand).resolves({});

    await repository().releaseStep(run, "s1");

    expect(db.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      Key: stepKey,
      ConditionExpression: "#status = :claimed",
      ExpressionAttributeValues: { ":claimed": "claimed" },
    });
  });

  it("tolerates a step that is no longer claimed", async () => {
    db.on(DeleteCommand).rejects(conditionFailed());

    await expect(repository().releaseStep(run, "s1")).resolves.toBeUndefined();
  });

  it("lets throttling propagate", async () => {
    db.on(DeleteCommand).rejects(throttled());

    await expect(repository().releaseStep(run, "s1")).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoRunRepository.recordStep", () => {
  it("writes the outcome on the step item", async () => {
    db.on(UpdateCommand).resolves({});
    const outcome = { status: "executed" as const, detail: { messageId: "ses-1" } };

    await repository().recordStep(run, "s1", outcome, "2026-11-21T11:00:00.000Z");

    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: stepKey,
      ExpressionAttributeValues: {
        ":type": "run_step",
        ":step": "s1",
        ":status": "executed",
        ":outcome": outcome,
        ":at": "2026-11-21T11:00:00.000Z",
      },
    });
  });
});

describe("DynamoRunRepository.completeRun", () => {
  const AT = "2026-11-22T00:00:00.000Z";

  it("completes the run and releases the membership held by this run", async () => {
    db.on(UpdateCommand).resolves({});

    await repository().completeRun(run, AT);

    const [runUpdate, membershipUpdate] = db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(runUpdate).toMatchObject({
      Key: runKey,
      ExpressionAttributeValues: { ":completed": "completed", ":at": AT },
    });
    expect(membershipUpdate).toMatchObject({
      Key: membershipKey,
      ConditionExpression: "activeRunId = :run",
      ExpressionAttributeValues: { ":run": "run_1" },
    });
    expect(membershipUpdate?.UpdateExpression).toContain("REMOVE activeRunId");
  });

  it("tolerates a membership no longer held by this run (a retried completion)", async () => {
    db.on(UpdateCommand, { Key: runKey }).resolves({});
    db.on(UpdateCommand, { Key: membershipKey }).rejects(conditionFailed());

    await expect(repository().completeRun(run, AT)).resolves.toBeUndefined();
  });

  it("lets throttling on the membership propagate", async () => {
    db.on(UpdateCommand, { Key: runKey }).resolves({});
    db.on(UpdateCommand, { Key: membershipKey }).rejects(throttled());

    await expect(repository().completeRun(run, AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });

  it("lets throttling on the run propagate before touching the membership", async () => {
    db.on(UpdateCommand, { Key: runKey }).rejects(throttled());

    await expect(repository().completeRun(run, AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it("never overwrites a stopped outcome", async () => {
    db.on(UpdateCommand).resolves({});

    await repository().completeRun(run, AT);

    const runUpdate = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(runUpdate).toMatchObject({
      ConditionExpression: "attribute_not_exists(#status) OR #status <> :stopped",
      ExpressionAttributeValues: { ":stopped": "stopped" },
    });
  });

  it("releases the membership of a run that was stopped as stopped, not completed", async () => {
    // A stop sweep recorded the run but died before releasing its membership.
    db.on(UpdateCommand, { Key: runKey }).rejects(conditionFailed());
    db.on(UpdateCommand, { Key: membershipKey }).resolves({});

    await repository().completeRun(run, AT);

    const membershipUpdate = db.commandCalls(UpdateCommand)[1]?.args[0].input;
    expect(membershipUpdate).toMatchObject({
      Key: membershipKey,
      ConditionExpression: "activeRunId = :run",
      ExpressionAttributeValues: { ":status": "stopped", ":run": "run_1" },
    });
  });
});

describe("DynamoRunRepository.stopRun", () => {
  const AT = "2026-11-22T00:00:00.000Z";

  it("marks the run stopped, then releases the membership it still holds, as stopped", async () => {
    db.on(UpdateCommand).resolves({});

    await expect(repository().stopRun(run, AT)).resolves.toBe("stopped");

    const [runUpdate, membershipUpdate] = db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(runUpdate).toMatchObject({
      Key: runKey,
      // Active, or already stopped by an earlier sweep that died before the membership.
      ConditionExpression: "attribute_not_exists(#status) OR #status IN (:active, :stopped)",
      ExpressionAttributeValues: { ":stopped": "stopped", ":active": "active", ":at": AT },
    });
    expect(runUpdate?.UpdateExpression).toContain("outcome = :stopped");
    expect(membershipUpdate).toMatchObject({
      Key: membershipKey,
      ConditionExpression: "activeRunId = :run",
      ExpressionAttributeValues: { ":status": "stopped", ":at": AT, ":run": "run_1" },
    });
    expect(membershipUpdate?.UpdateExpression).toContain("REMOVE activeRunId");
  });

  it("answers already_ended for a run that completed first, leaving its membership alone", async () => {
    db.on(UpdateCommand, { Key: runKey }).rejects(conditionFailed());

    await expect(repository().stopRun(run, AT)).resolves.toBe("already_ended");
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it("tolerates a membership that moved on (a repeated stop)", async () => {
    db.on(UpdateCommand, { Key: runKey }).resolves({});
    db.on(UpdateCommand, { Key: membershipKey }).rejects(conditionFailed());

    await expect(repository().stopRun(run, AT)).resolves.toBe("stopped");
  });

  it("lets throttling propagate", async () => {
    db.on(UpdateCommand, { Key: runKey }).rejects(throttled());

    await expect(repository().stopRun(run, AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoRunRepository.getRunStatus", () => {
  it.each([
    [{ status: "active" }, "active"],
    [{ status: "completed" }, "completed"],
    [{ status: "stopped" }, "stopped"],
    [undefined, undefined],
  ])("reads %j as %s", async (item, expected) => {
    db.on(GetCommand, { Key: runKey }).resolves({ Item: item ? { ...runKey, ...item } : undefined });

    await expect(repository().getRunStatus("ws_1", "run_1")).resolves.toBe(expected);
  });
});

describe("DynamoRunRepository.listMemberships", () => {
  const prefix = keys.membershipPrefix("ws_1", "m_1");

  it("maps items and answers an opaque cursor that the next page accepts", async () => {
    // Prepare
    const lastKey = { pk: prefix.pk, sk: "ACCOUNT#acct_b" };
    db.on(QueryCommand)
      .resolvesOnce({
        Items: [
          {
            ...membershipKey,
            accountId: "acct_a",
            status: "active",
            runId: "r1",
            startedAt: "t1",
            activeRunId: "r1",
          },
          {
            pk: prefix.pk,
            sk: "ACCOUNT#acct_b",
            accountId: "acct_b",
            status: "completed",
            runId: "r2",
            startedAt: "t2",
            endedAt: "t3",
          },
        ],
        LastEvaluatedKey: lastKey,
      })
      .resolvesOnce({ Items: [] });
    const repo = repository();

    // Act
    const first = await repo.listMemberships("ws_1", "m_1", { limit: 2 });
    await repo.listMemberships("ws_1", "m_1", {
      limit: 2,
      ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
    });

    // Assess
    expect(first.items).toEqual([
      { accountId: "acct_a", status: "active", runId: "r1", startedAt: "t1" },
      { accountId: "acct_b", status: "completed", runId: "r2", startedAt: "t2", endedAt: "t3" },
    ]);
    const [firstQuery, secondQuery] = db.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(firstQuery).toMatchObject({
      Limit: 2,
      ExpressionAttributeValues: { ":pk": prefix.pk, ":prefix": "ACCOUNT#" },
    });
    expect(firstQuery).not.toHaveProperty("ExclusiveStartKey");
    expect(secondQuery?.ExclusiveStartKey).toEqual(lastKey);
  });

  it("refuses a cursor from another moment's listing with 400 on cursor", async () => {
    const foreign = Buffer.from(JSON.stringify({ pk: "WS#ws_1#MOMENT#m_2", sk: "ACCOUNT#x" })).toString(
      "base64url",
    );

    const error = await repository()
      .listMemberships("ws_1", "m_1", { limit: 10, cursor: foreign })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      { path: "cursor", message: "is not a cursor from this listing" },
    ]);
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([
    "not-base64-json",
    Buffer.from("[1,2]").toString("base64url"),
    Buffer.from('{"pk":"WS#ws_1#MOMENT#m_1","sk":5}').toString("base64url"),
  ])("refuses the malformed cursor %j with 400", async (cursor) => {
    await expect(repository().listMemberships("ws_1", "m_1", { limit: 10, cursor })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it("with a status, filters on it and reads on until the page is full", async () => {
    // Prepare: the first read finds one active membership among filtered-out ones.
    const firstKey = { pk: prefix.pk, sk: "ACCOUNT#acct_c" };
    const secondKey = { pk: prefix.pk, sk: "ACCOUNT#acct_f" };
    const active = (accountId: string) => ({
      accountId,
      status: "active",
      runId: `r_${accountId}`,
      startedAt: "t",
    });
    db.on(QueryCommand)
      .resolvesOnce({ Items: [active("acct_a")], LastEvaluatedKey: firstKey })
      .resolvesOnce({ Items: [active("acct_e")], LastEvaluatedKey: secondKey });

    // Act
    const page = await repository().listMemberships("ws_1", "m_1", { limit: 2, status: "active" });

    // Assess
    expect(page.items.map((m) => m.accountId)).toEqual(["acct_a", "acct_e"]);
    const [first, second] = db.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({
      FilterExpression: "#status = :status",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": "active" },
      Limit: 2,
    });
    // Only what the page still needs, so the last evaluated key is exactly where to resume.
    expect(second).toMatchObject({ Limit: 1, ExclusiveStartKey: firstKey });
    expect(page.nextCursor).toBeDefined();
    db.reset();
    db.on(QueryCommand).resolves({ Items: [] });
    await repository().listMemberships("ws_1", "m_1", {
      limit: 2,
      status: "active",
      cursor: page.nextCursor,
    });
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(secondKey);
  });

  it("with a status, stops after a few reads and answers a short page with a cursor", async () => {
    const lastKey = { pk: prefix.pk, sk: "ACCOUNT#x" };
    db.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: lastKey });

    const page = await repository().listMemberships("ws_1", "m_1", { limit: 50, status: "active" });

    expect(page.items).toEqual([]);
    expect(page.nextCursor).toBeDefined();
    expect(db.commandCalls(QueryCommand)).toHaveLength(5);
  });

  it("maps a stopped membership", async () => {
    db.on(QueryCommand).resolves({
      Items: [{ accountId: "a", status: "stopped", runId: "r", startedAt: "t1", endedAt: "t2" }],
    });

    const page = await repository().listMemberships("ws_1", "m_1", { limit: 10 });

    expect(page.items).toEqual([
      { accountId: "a", status: "stopped", runId: "r", startedAt: "t1", endedAt: "t2" },
    ]);
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).not.toHaveProperty("FilterExpression");
  });

  it("does not let extra attributes in a cursor reach the query", async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    const cursor = Buffer.from(JSON.stringify({ pk: prefix.pk, sk: "ACCOUNT#a", gsi1pk: "x" })).toString(
      "base64url",
    );

    await repository().listMemberships("ws_1", "m_1", { limit: 10, cursor });

    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual({
      pk: prefix.pk,
      sk: "ACCOUNT#a",
    });
  });
});
