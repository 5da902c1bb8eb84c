import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoKeyStore } from "../../../../shared/adapters/dynamodb/key-store.js";
import { keys } from "../../../../shared/contracts/table.js";

const db = mockClient(DynamoDBDocumentClient);

function store() {
  return new DynamoKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    "moments-test",
  );
}

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoKeyStore", () => {
  it("resolves a write key to its workspace and source", async () => {
    db.on(GetCommand, { Key: keys.writeKey("h1") }).resolves({
      Item: { ...keys.writeKey("h1"), workspaceId: "ws_1", sourceId: "src_1" },
    });

    await expect(store().findWriteKey("h1")).resolves.toEqual({ workspaceId: "ws_1", sourceId: "src_1" });
  });

  it("does not resolve a revoked key", async () => {
    db.on(GetCommand).resolves({
      Item: { workspaceId: "ws_1", sourceId: "src_1", revokedAt: "2026-11-01T00:00:00Z" },
    });

    await expect(store().findWriteKey("h1")).resolves.toBeUndefined();
    await expect(store().findAdminKey("h1")).resolves.toBeUndefined();
  });

  it("never overwrites a stored key hash", async () => {
    db.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "x", $metadata: {} }));

    await expect(store().putAdminKey("h1", "ws_1", "2026-11-21T00:00:00Z")).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    expect(db.commandCalls(PutCommand)[0]?.args[0].input.ConditionExpression).toBe(
      "attribute_not_exists(pk)",
    );
  });
});
