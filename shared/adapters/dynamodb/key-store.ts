import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type ItemKey, keys, workspaceItemPrefix } from "../../contracts/table.js";
import type { ApiKeyRecord } from "../../domain/api-keys.js";
import type { WriteKeyPolicy } from "../../domain/source.js";
import type { Workspace } from "../../domain/workspace.js";
import type { Page, PageRequest } from "../../ports/email-templates.js";
import type { AdminKeyRevocation, KeyStore, WriteKeyOwner } from "../../ports/keys.js";
import { isConditionalCheckFailed } from "./errors.js";
import { queryAll, queryWorkspaceCollection } from "./item.js";
import { DynamoWorkspaceRepository } from "./workspace-repository.js";

/**
 * The set of a workspace's active admin key ids, and of a source's active write key ids. Limits
 * ("at least one admin key", "at most N write keys") are conditions on these single items, so they
 * hold under concurrent requests without transactions (which the local emulator lacks).
 *
 * Invariant: the set only ever holds ids of keys that work. A key is added after its items are
 * stored and removed before they are revoked, so a crash in between leaves a working key that is
 * not counted (harmless), never a counted key that does not work (which could let the last real
 * admin key be revoked).
 */
export const activeKeySetKeys = {
  admin: (workspaceId: string): ItemKey => ({ pk: keys.workspace(workspaceId).pk, sk: "ADMINKEYSET" }),
  write: (workspaceId: string, sourceId: string): ItemKey => ({
    pk: keys.workspace(workspaceId).pk,
    sk: `WRITEKEYSET#${sourceId}`,
  }),
};

export class DynamoKeyStore implements KeyStore {
  private readonly workspaces: DynamoWorkspaceRepository;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /**
     * Read write keys strongly consistent: for a caller that keeps the answer a while (ingestion's
     * WriteKeyCache), so it never keeps a replica's answer that has not seen a key issued or revoked
     * a moment ago. A caller that reads on every request (the inbox) saves half the read.
     */
    private readonly options: { consistentWriteKeys?: boolean } = {},
  ) {
    this.workspaces = new DynamoWorkspaceRepository(db, tableName);
  }

  async findAdminKey(keyHash: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.adminKey(keyHash) }),
    );
    return Item && !Item.revokedAt ? { workspaceId: String(Item.workspaceId) } : undefined;
  }

  async findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.writeKey(keyHash),
        ...(this.options.consistentWriteKeys ? { ConsistentRead: true } : {}),
      }),
    );
    if (!Item || Item.revokedAt) return undefined;
    return {
      workspaceId: String(Item.workspaceId),
      sourceId: String(Item.sourceId),
      // Keys stored before sources had domains on their keys admit no browser until the next change.
      allowedDomains: Array.isArray(Item.allowedDomains) ? Item.allowedDomains.map(String) : [],
      requireUserToken: Item.requireUserToken === true,
      identitySecrets: Array.isArray(Item.identitySecrets)
        ? (Item.identitySecrets as WriteKeyPolicy["identitySecrets"])
        : [],
      ...(typeof Item.debuggerWatchedUntil === "string"
        ? { debuggerWatchedUntil: Item.debuggerWatchedUntil }
        : {}),
    };
  }

  async ensureWorkspace(workspace: Workspace) {
    await this.workspaces.createWorkspace(workspace);
  }

  async putAdminKey(workspaceId: string, keyHash: string, record: ApiKeyRecord) {
    await this.putNew(keys.adminKeyRecord(workspaceId, record.id), "admin_key_record", {
      ...recordAttributes(record),
      keyHash,
    });
    await this.putNew(keys.adminKey(keyHash), "admin_key", {
      workspaceId,
      keyId: record.id,
      createdAt: record.createdAt,
    });
    await this.addToSet(activeKeySetKeys.admin(workspaceId), "active_admin_keys", record.id);
  }

  listAdminKeys(workspaceId: string, page: PageRequest) {
    return this.listRecords(workspaceId, workspaceItemPrefix.adminKeyRecord, page);
  }

  async revokeAdminKey(workspaceId: string, keyId: string, revokedAt: string): Promise<AdminKeyRevocation> {
    const recordKey = keys.adminKeyRecord(workspaceId, keyId);
    const record = await this.getItem(recordKey);
    if (!record) return "not_found";
    if (record.revokedAt) return "revoked";
    const setKey = activeKeySetKeys.admin(workspaceId);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: setKey,
          UpdateExpression: "DELETE ids :ids",
          ConditionExpression: "contains(ids, :id) AND size(ids) > :one",
          ExpressionAttributeValues: { ":ids": new Set([keyId]), ":id": keyId, ":one": 1 },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Either this is the last counted key, or it is not counted (a retry after a crash, or a key
      // whose issuing stopped halfway): then it may go as long as counted keys remain.
      const ids = (await this.getItem(setKey))?.ids;
      const counted = ids instanceof Set ? ids : new Set<unknown>();
      if (counted.has(keyId) || counted.size === 0) return "last_active";
    }
    await this.markRevoked(keys.adminKey(String(record.keyHash)), revokedAt);
    await this.markRevoked(recordKey, revokedAt);
    return "revoked";
  }

  async putWriteKey(owner: WriteKeyOwner, keyHash: string, record: ApiKeyRecord, maxActive: number) {
    const recordKey = keys.writeKeyRecord(owner.workspaceId, owner.sourceId, record.id);
    await this.putNew(recordKey, "write_key_record", {
      ...recordAttributes(record),
      sourceId: owner.sourceId,
      keyHash,
    });
    await this.putNew(keys.writeKey(keyHash), "write_key", {
      workspaceId: owner.workspaceId,
      sourceId: owner.sourceId,
      keyId: record.id,
      allowedDomains: owner.allowedDomains,
      requireUserToken: owner.requireUserToken ?? false,
      identitySecrets: owner.identitySecrets ?? [],
      ...(owner.debuggerWatchedUntil !== undefined
        ? { debuggerWatchedUntil: owner.debuggerWatchedUntil }
        : {}),
      createdAt: record.createdAt,
    });
    const counted = await this.addToSet(
      activeKeySetKeys.write(owner.workspaceId, owner.sourceId),
      "active_write_keys",
      record.id,
      maxActive,
    );
    if (counted) return "created" as const;
    // Over the limit: take the key back. Nobody has seen it, so nobody can be using it.
    await this.deleteItem(keys.writeKey(keyHash));
    await this.deleteItem(recordKey);
    return "limit_reached" as const;
  }

  listWriteKeys(workspaceId: string, sourceId: string, page: PageRequest) {
    return this.listRecords(workspaceId, workspaceItemPrefix.writeKeyRecords(sourceId), page);
  }

  async revokeWriteKey(workspaceId: string, sourceId: string, keyId: string, revokedAt: string) {
    const recordKey = keys.writeKeyRecord(workspaceId, sourceId, keyId);
    const record = await this.getItem(recordKey);
    if (!record) return "not_found" as const;
    if (record.revokedAt) return "revoked" as const;
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: activeKeySetKeys.write(workspaceId, sourceId),
          UpdateExpression: "DELETE ids :ids",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":ids": new Set([keyId]) },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
    await this.markRevoked(keys.writeKey(String(record.keyHash)), revokedAt);
    await this.markRevoked(recordKey, revokedAt);
    return "revoked" as const;
  }

  async setWriteKeyPolicy(workspaceId: string, sourceId: string, policy: WriteKeyPolicy) {
    for (const record of await this.allRecords(workspaceId, workspaceItemPrefix.writeKeyRecords(sourceId))) {
      if (record.revokedAt) continue;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.writeKey(String(record.keyHash)),
            UpdateExpression:
              policy.debuggerWatchedUntil === undefined
                ? "SET allowedDomains = :domains, requireUserToken = :require, identitySecrets = :secrets REMOVE debuggerWatchedUntil"
                : "SET allowedDomains = :domains, requireUserToken = :require, identitySecrets = :secrets, debuggerWatchedUntil = :watched",
            // Never resurrect a lookup item that a revocation or deletion got to first.
            ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
            ExpressionAttributeValues: {
              ":domains": policy.allowedDomains,
              ":require": policy.requireUserToken,
              ":secrets": policy.identitySecrets,
              ...(policy.debuggerWatchedUntil === undefined
                ? {}
                : { ":watched": policy.debuggerWatchedUntil }),
            },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  }

  async deleteWriteKeys(workspaceId: string, sourceId: string) {
    for (const record of await this.allRecords(workspaceId, workspaceItemPrefix.writeKeyRecords(sourceId))) {
      // Lookup item first: once it is gone the key authenticates nothing.
      await this.deleteItem(keys.writeKey(String(record.keyHash)));
      await this.deleteItem({ pk: String(record.pk), sk: String(record.sk) });
    }
    await this.deleteItem(activeKeySetKeys.write(workspaceId, sourceId));
  }

  private async getItem(key: ItemKey) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  /** A hash or record id is never overwritten: a collision would hand one key's owner to another. */
  private async putNew(key: ItemKey, type: string, attributes: Record<string, unknown>) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key, type, ...attributes },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  private async deleteItem(key: ItemKey) {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  private async markRevoked(key: ItemKey, revokedAt: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": revokedAt },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Adds an id to an active-key set unless it already holds `max` ids; false when full. The first
   * key of a set is a plain conditional put, so bootstrapping a deployment needs only PutItem.
   */
  private async addToSet(key: ItemKey, type: string, id: string, max?: number): Promise<boolean> {
    try {
      await this.putNew(key, type, { ids: new Set([id]) });
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "ADD ids :ids",
          ...(max !== undefined
            ? {
                // An emptied set loses its attribute, hence the first alternative.
                ConditionExpression: "attribute_not_exists(ids) OR size(ids) < :max",
                ExpressionAttributeValues: { ":ids": new Set([id]), ":max": max },
              }
            : { ExpressionAttributeValues: { ":ids": new Set([id]) } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private async listRecords(
    workspaceId: string,
    skPrefix: string,
    page: PageRequest,
  ): Promise<Page<ApiKeyRecord>> {
    const result = await queryWorkspaceCollection<Record<string, unknown>>(
      this.db,
      this.tableName,
      keys.workspace(workspaceId).pk,
      skPrefix,
      page,
    );
    return { ...result, items: result.items.map(toRecord) };
  }

  /** Every record under a prefix, read consistently: used to act on all keys of a source. */
  private allRecords(workspaceId: string, skPrefix: string) {
    return queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": keys.workspace(workspaceId).pk, ":prefix": skPrefix },
      ConsistentRead: true,
    });
  }
}

function recordAttributes(record: ApiKeyRecord) {
  return { id: record.id, prefix: record.prefix, createdAt: record.createdAt };
}

function toRecord(item: Record<string, unknown>): ApiKeyRecord {
  return {
    id: String(item.id),
    prefix: String(item.prefix),
    createdAt: String(item.createdAt),
    ...(typeof item.lastUsedAt === "string" ? { lastUsedAt: item.lastUsedAt } : {}),
    ...(typeof item.revokedAt === "string" ? { revokedAt: item.revokedAt } : {}),
  };
}
