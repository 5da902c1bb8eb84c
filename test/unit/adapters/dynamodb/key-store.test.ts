import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
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
import { activeKeySetKeys, DynamoKeyStore } from "../../../../shared/adapters/dynamodb/key-store.js";
import { keys } from "../../../../shared/contracts/table.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const NOW = "2026-11-21T10:00:00.000Z";
const record = { id: "k1", prefix: "mk_admin_abcd", createdAt: NOW };
const conditionFailed = () => new ConditionalCheckFailedException({ message: "x", $metadata: {} });

function store(options?: { consistentWriteKeys?: boolean }) {
  return new DynamoKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
    options,
  );
}

const puts = () => db.commandCalls(PutCommand).map((c) => c.args[0].input);
const updates = () => db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const deletes = () => db.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key);

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoKeyStore lookups", () => {
  it("resolves a write key to its workspace, source and allowed domains", async () => {
    db.on(GetCommand, { Key: keys.writeKey("h1") }).resolves({
      Item: {
        ...keys.writeKey("h1"),
        workspaceId: "ws_1",
        sourceId: "src_1",
        allowedDomains: ["app.acme.com"],
      },
    });

    await expect(store().findWriteKey("h1")).resolves.toEqual({
      workspaceId: "ws_1",
      sourceId: "src_1",
      allowedDomains: ["app.acme.com"],
      requireUserToken: false,
      identitySecrets: [],
    });
  });

  it("reads a write key strongly consistent only for a caller that keeps the answer (ingestion's cache)", async () => {
    db.on(GetCommand).resolves({});

    await store().findWriteKey("h1");
    await store({ consistentWriteKeys: true }).findWriteKey("h1");

    expect(db.commandCalls(GetCommand).map((c) => c.args[0].input.ConsistentRead)).toEqual([undefined, true]);
  });

  it("gives a key stored before keys carried domains no allowed domain (no browser may send)", async () => {
    db.on(GetCommand).resolves({ Item: { workspaceId: "ws_1", sourceId: "src_1" } });

    await expect(store().findWriteKey("h1")).resolves.toMatchObject({ allowedDomains: [] });
  });

  it("reads the source's user-verification policy off the lookup item", async () => {
    const identitySecrets = [{ secret: "mk_idv_new" }, { secret: "mk_idv_old", validUntil: NOW }];
    db.on(GetCommand).resolves({
      Item: { workspaceId: "ws_1", sourceId: "src_1", requireUserToken: true, identitySecrets },
    });

    await expect(store().findWriteKey("h1")).resolves.toMatchObject({
      requireUserToken: true,
      identitySecrets,
    });
  });

  it("does not resolve a revoked key", async () => {
    db.on(GetCommand).resolves({
      Item: { workspaceId: "ws_1", sourceId: "src_1", revokedAt: "2026-11-01T00:00:00Z" },
    });

    await expect(store().findWriteKey("h1")).resolves.toBeUndefined();
    await expect(store().findAdminKey("h1")).resolves.toBeUndefined();
  });
});

describe("DynamoKeyStore.putAdminKey", () => {
  it("stores the record, then the lookup item, never overwriting either, and counts the key", async () => {
    db.on(PutCommand).resolves({});

    await store().putAdminKey("ws_1", "h1", record);

    expect(puts().map((p) => [p.Item?.pk, p.Item?.sk, p.ConditionExpression])).toEqual([
      ["WS#ws_1", "ADMINKEYREC#k1", "attribute_not_exists(pk)"],
      ["ADMINKEY#h1", "ADMINKEY", "attribute_not_exists(pk)"],
      ["WS#ws_1", "ADMINKEYSET", "attribute_not_exists(pk)"],
    ]);
    expect(puts()[0]?.Item).toMatchObject({
      type: "admin_key_record",
      keyHash: "h1",
      prefix: "mk_admin_abcd",
    });
    expect(puts()[1]?.Item).toMatchObject({ type: "admin_key", workspaceId: "ws_1", keyId: "k1" });
    expect(puts()[2]?.Item?.ids).toEqual(new Set(["k1"]));
  });

  it("adds to an existing set of active keys", async () => {
    db.on(PutCommand).resolves({});
    db.on(PutCommand, { Item: { sk: "ADMINKEYSET" } }).rejects(conditionFailed());
    db.on(UpdateCommand).resolves({});

    await store().putAdminKey("ws_1", "h1", record);

    expect(updates()).toEqual([
      expect.objectContaining({
        Key: activeKeySetKeys.admin("ws_1"),
        UpdateExpression: "ADD ids :ids",
        ExpressionAttributeValues: { ":ids": new Set(["k1"]) },
      }),
    ]);
  });

  it("fails, and counts nothing, when the hash is already stored", async () => {
    db.on(PutCommand).resolves({});
    db.on(PutCommand, { Item: { pk: "ADMINKEY#h1" } }).rejects(conditionFailed());

    await expect(store().putAdminKey("ws_1", "h1", record)).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    expect(puts().map((p) => p.Item?.sk)).not.toContain("ADMINKEYSET");
  });
});

describe("DynamoKeyStore.revokeAdminKey", () => {
  beforeEach(() => {
    db.on(GetCommand, { Key: keys.adminKeyRecord("ws_1", "k1") }).resolves({
      Item: { ...keys.adminKeyRecord("ws_1", "k1"), id: "k1", keyHash: "h1" },
    });
  });

  it("removes the key from the active set only if another remains, then revokes lookup and record", async () => {
    db.on(UpdateCommand).resolves({});

    await expect(store().revokeAdminKey("ws_1", "k1", NOW)).resolves.toBe("revoked");

    expect(updates().map((u) => [u.Key, u.ConditionExpression])).toEqual([
      [activeKeySetKeys.admin("ws_1"), "contains(ids, :id) AND size(ids) > :one"],
      [keys.adminKey("h1"), "attribute_exists(pk)"],
      [keys.adminKeyRecord("ws_1", "k1"), "attribute_exists(pk)"],
    ]);
  });

  it("refuses the last active key and revokes nothing", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: activeKeySetKeys.admin("ws_1") }).resolves({ Item: { ids: new Set(["k1"]) } });

    await expect(store().revokeAdminKey("ws_1", "k1", NOW)).resolves.toBe("last_active");
    expect(updates()).toHaveLength(1);
  });

  it("revokes a key that is not counted while counted keys remain (a retry after a crash)", async () => {
    db.on(UpdateCommand, { Key: activeKeySetKeys.admin("ws_1") }).rejects(conditionFailed());
    db.on(UpdateCommand).resolves({});
    db.on(GetCommand, { Key: activeKeySetKeys.admin("ws_1") }).resolves({ Item: { ids: new Set(["k2"]) } });

    await expect(store().revokeAdminKey("ws_1", "k1", NOW)).resolves.toBe("revoked");
    expect(updates().map((u) => u.Key)).toContainEqual(keys.adminKey("h1"));
  });

  it("refuses an uncounted key when no key is counted at all", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand, { Key: activeKeySetKeys.admin("ws_1") }).resolves({});

    await expect(store().revokeAdminKey("ws_1", "k1", NOW)).resolves.toBe("last_active");
  });

  it("answers not_found for a key without a record in the workspace, and revoked again for a revoked one", async () => {
    db.on(GetCommand, { Key: keys.adminKeyRecord("ws_1", "k9") }).resolves({});
    db.on(GetCommand, { Key: keys.adminKeyRecord("ws_1", "k8") }).resolves({ Item: { revokedAt: NOW } });

    await expect(store().revokeAdminKey("ws_1", "k9", NOW)).resolves.toBe("not_found");
    await expect(store().revokeAdminKey("ws_1", "k8", NOW)).resolves.toBe("revoked");
    expect(updates()).toHaveLength(0);
  });
});

describe("DynamoKeyStore.putWriteKey", () => {
  const owner = { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: ["app.acme.com"] };
  const writeRecord = { id: "w1", prefix: "mk_write_abcd", createdAt: NOW };

  it("copies the source's allowed domains onto the lookup item", async () => {
    db.on(PutCommand).resolves({});

    await expect(store().putWriteKey(owner, "h1", writeRecord, 5)).resolves.toBe("created");

    expect(puts()[1]?.Item).toEqual({
      ...keys.writeKey("h1"),
      type: "write_key",
      workspaceId: "ws_1",
      sourceId: "src_1",
      keyId: "w1",
      allowedDomains: ["app.acme.com"],
      requireUserToken: false,
      identitySecrets: [],
      createdAt: NOW,
    });
  });

  it("counts the key only while the source has fewer than the limit, and takes it back otherwise", async () => {
    db.on(PutCommand).resolves({});
    db.on(PutCommand, { Item: { sk: "WRITEKEYSET#src_1" } }).rejects(conditionFailed());
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(DeleteCommand).resolves({});

    await expect(store().putWriteKey(owner, "h1", writeRecord, 5)).resolves.toBe("limit_reached");

    expect(updates()[0]).toMatchObject({
      ConditionExpression: "attribute_not_exists(ids) OR size(ids) < :max",
      ExpressionAttributeValues: { ":ids": new Set(["w1"]), ":max": 5 },
    });
    expect(deletes()).toEqual([keys.writeKey("h1"), keys.writeKeyRecord("ws_1", "src_1", "w1")]);
  });
});

describe("DynamoKeyStore write keys of a source", () => {
  const recordItem = (id: string, extra: Record<string, unknown> = {}) => ({
    ...keys.writeKeyRecord("ws_1", "src_1", id),
    id,
    keyHash: `hash-${id}`,
    ...extra,
  });

  it("revokes a key: uncounts it, then marks lookup and record", async () => {
    db.on(GetCommand).resolves({ Item: recordItem("w1") });
    db.on(UpdateCommand).resolves({});

    await expect(store().revokeWriteKey("ws_1", "src_1", "w1", NOW)).resolves.toBe("revoked");

    expect(updates().map((u) => [u.Key, u.UpdateExpression])).toEqual([
      [activeKeySetKeys.write("ws_1", "src_1"), "DELETE ids :ids"],
      [keys.writeKey("hash-w1"), "SET revokedAt = if_not_exists(revokedAt, :at)"],
      [keys.writeKeyRecord("ws_1", "src_1", "w1"), "SET revokedAt = if_not_exists(revokedAt, :at)"],
    ]);
  });

  it("copies a new policy onto active keys only, never recreating a revoked or deleted lookup item", async () => {
    db.on(QueryCommand).resolves({
      Items: [recordItem("w1"), recordItem("w2", { revokedAt: NOW }), recordItem("w3")],
    });
    db.on(UpdateCommand).resolves({});
    db.on(UpdateCommand, { Key: keys.writeKey("hash-w3") }).rejects(conditionFailed());

    const secrets = [{ secret: "mk_idv_x" }];
    await store().setWriteKeyPolicy("ws_1", "src_1", {
      allowedDomains: ["*.acme.com"],
      requireUserToken: true,
      identitySecrets: secrets,
    });

    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      ConsistentRead: true,
      ExpressionAttributeValues: { ":pk": "WS#ws_1", ":prefix": "WRITEKEYREC#src_1#" },
    });
    expect(updates().map((u) => u.Key)).toEqual([keys.writeKey("hash-w1"), keys.writeKey("hash-w3")]);
    expect(updates()[0]).toMatchObject({
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
      ExpressionAttributeValues: { ":domains": ["*.acme.com"], ":require": true, ":secrets": secrets },
    });
  });

  it("deletes every key of a deleted source, lookup item first, across pages", async () => {
    db.on(QueryCommand)
      .resolvesOnce({ Items: [recordItem("w1")], LastEvaluatedKey: { pk: "WS#ws_1", sk: "x" } })
      .resolves({ Items: [recordItem("w2")] });
    db.on(DeleteCommand).resolves({});

    await store().deleteWriteKeys("ws_1", "src_1");

    expect(deletes()).toEqual([
      keys.writeKey("hash-w1"),
      keys.writeKeyRecord("ws_1", "src_1", "w1"),
      keys.writeKey("hash-w2"),
      keys.writeKeyRecord("ws_1", "src_1", "w2"),
      activeKeySetKeys.write("ws_1", "src_1"),
    ]);
  });

  it("lists records without their hash", async () => {
    db.on(QueryCommand).resolves({
      Items: [{ ...recordItem("w1"), prefix: "mk_write_abcd", createdAt: NOW }],
    });

    const page = await store().listWriteKeys("ws_1", "src_1", { limit: 50 });

    expect(page).toEqual({ items: [{ id: "w1", prefix: "mk_write_abcd", createdAt: NOW }] });
  });
});
