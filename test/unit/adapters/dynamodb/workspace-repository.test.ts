import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoWorkspaceRepository } from "../../../../shared/adapters/dynamodb/workspace-repository.js";
import { keys } from "../../../../shared/contracts/table.js";

const db = mockClient(DynamoDBDocumentClient);
const repository = () =>
  new DynamoWorkspaceRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    "moments-test",
  );
const conditionFailed = () => new ConditionalCheckFailedException({ message: "x", $metadata: {} });
const NOW = "2026-11-21T10:00:00.000Z";

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoWorkspaceRepository", () => {
  it("creates a workspace unless one with its id exists", async () => {
    db.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());

    await expect(
      repository().createWorkspace({ id: "ws_1", name: "Acme", createdAt: NOW, operator: false }),
    ).resolves.toBe(true);
    await expect(
      repository().createWorkspace({ id: "ws_1", name: "Other", createdAt: NOW, operator: false }),
    ).resolves.toBe(false);
    const input = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe("attribute_not_exists(pk)");
    expect(input?.Item).toEqual({
      ...keys.workspace("ws_1"),
      type: "workspace",
      id: "ws_1",
      name: "Acme",
      createdAt: NOW,
    });
  });

  it("stores the operator flag only when set", async () => {
    db.on(PutCommand).resolves({});

    await repository().createWorkspace({ id: "default", name: "Default", createdAt: NOW, operator: true });

    expect(db.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ operator: true });
  });

  it("reads a workspace, operator only when stored as true", async () => {
    db.on(GetCommand).resolves({
      Item: { ...keys.workspace("ws_1"), id: "ws_1", name: "Acme", createdAt: NOW, operator: "yes" },
    });

    await expect(repository().getWorkspace("ws_1")).resolves.toEqual({
      id: "ws_1",
      name: "Acme",
      createdAt: NOW,
      operator: false,
    });
  });

  it("renames an existing workspace, and answers undefined for a missing one", async () => {
    db.on(UpdateCommand)
      .resolvesOnce({ Attributes: { id: "ws_1", name: "New", createdAt: NOW, updatedAt: NOW } })
      .rejects(conditionFailed());

    await expect(repository().renameWorkspace("ws_1", "New", NOW)).resolves.toMatchObject({ name: "New" });
    await expect(repository().renameWorkspace("ws_9", "New", NOW)).resolves.toBeUndefined();
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBe("attribute_exists(pk)");
  });
});
