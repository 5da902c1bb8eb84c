import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoSourceRepository } from "../../../../shared/adapters/dynamodb/source-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { aSource } from "../../../support/fakes.js";

const db = mockClient(DynamoDBDocumentClient);
const repository = () =>
  new DynamoSourceRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    "moments-test",
  );
const conditionFailed = () => new ConditionalCheckFailedException({ message: "x", $metadata: {} });

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoSourceRepository", () => {
  it("creates a source without ever replacing one", async () => {
    db.on(PutCommand).resolves({});

    await repository().putSource(aSource({ id: "src_1" }));

    expect(db.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: { ...keys.source("ws_1", "src_1"), type: "source", name: "Web app" },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("reads consistently, since key domains are copied from what it answers right after a change", async () => {
    db.on(GetCommand).resolves({ Item: { ...keys.source("ws_1", "src_1"), type: "source", ...aSource() } });

    await expect(repository().getSource("ws_1", "src_1")).resolves.toEqual(aSource());
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it("updates only the given fields of an existing source", async () => {
    db.on(UpdateCommand).resolves({
      Attributes: {
        ...keys.source("ws_1", "src_1"),
        type: "source",
        ...aSource({ allowedDomains: ["*.acme.com"] }),
      },
    });

    const updated = await repository().updateSource(
      "ws_1",
      "src_1",
      { allowedDomains: ["*.acme.com"] },
      "2026-11-21T10:00:00.000Z",
    );

    expect(updated?.allowedDomains).toEqual(["*.acme.com"]);
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: "SET #updatedAt = :updatedAt, #allowedDomains = :allowedDomains",
      ConditionExpression: "attribute_exists(pk)",
    });
  });

  it("answers undefined, recreating nothing, when the source is gone", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());

    await expect(
      repository().updateSource("ws_1", "src_1", { name: "x" }, "2026-11-21T10:00:00.000Z"),
    ).resolves.toBeUndefined();
  });
});
