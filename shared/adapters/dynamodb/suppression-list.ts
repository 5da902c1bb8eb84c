import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { Suppression } from "../../domain/suppression.js";
import {
  currentKey,
  keyById,
  newSigningKeySet,
  rotateSigningKeySet,
  type SigningKey,
  type SigningKeySet,
} from "../../domain/unsubscribe.js";
import type { Page, PageRequest } from "../../ports/email-templates.js";
import type { SuppressionStore, UnsubscribeKeyStore } from "../../ports/suppressions.js";
import { isConditionalCheckFailed } from "./errors.js";
import { deleteExisting, fromItem, queryWorkspaceCollection } from "./item.js";

export class DynamoSuppressionList implements SuppressionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getSuppression(workspaceId: string, address: string): Promise<Suppression | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.suppression(workspaceId, address),
        ConsistentRead: true,
      }),
    );
    return result.Item ? fromItem<Suppression>(result.Item) : undefined;
  }

  async suppress(
    workspaceId: string,
    suppression: Suppression,
  ): Promise<"suppressed" | "already_suppressed"> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.suppression(workspaceId, suppression.address),
            type: "suppression",
            ...suppression,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return "suppressed";
    } catch (error) {
      if (isConditionalCheckFailed(error)) return "already_suppressed";
      throw error;
    }
  }

  listSuppressions(workspaceId: string, page: PageRequest): Promise<Page<Suppression>> {
    const { pk, skPrefix } = keys.suppressionPrefix(workspaceId);
    return queryWorkspaceCollection<Suppression>(this.db, this.tableName, pk, skPrefix, page);
  }

  removeSuppression(workspaceId: string, address: string): Promise<boolean> {
    return deleteExisting(this.db, this.tableName, keys.suppression(workspaceId, address));
  }
}

/** How long a key set read is reused: a rotation reaches every warm function within this time. */
const KEY_CACHE_MS = 5 * 60_000;

interface StoredKeySet extends SigningKeySet {
  version: number;
}

/**
 * Each workspace's unsubscribe signing keys, one item, created on first use with a conditional put
 * (two first sends at once agree on one set: the loser reads the winner's). Reads are cached per
 * function instance, because every email signs a token; a token naming a key the cache does not
 * know reads again, so a key rotated in elsewhere verifies at once.
 */
export class DynamoUnsubscribeKeys implements UnsubscribeKeyStore {
  private readonly cache = new Map<string, { set: StoredKeySet; readAt: number }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** One read (or creation) at a time per workspace: a step warms the key, its send then shares it. */
  private readonly signing = new Map<string, Promise<SigningKey>>();

  signingKey(workspaceId: string): Promise<SigningKey> {
    const cached = this.cache.get(workspaceId);
    if (cached && this.now() - cached.readAt < KEY_CACHE_MS) return Promise.resolve(currentKey(cached.set));
    const pending = this.signing.get(workspaceId);
    if (pending) return pending;
    const reading = this.readOrCreateSigningKey(workspaceId).finally(() => this.signing.delete(workspaceId));
    this.signing.set(workspaceId, reading);
    return reading;
  }

  private async readOrCreateSigningKey(workspaceId: string): Promise<SigningKey> {
    const known = await this.cachedOrRead(workspaceId);
    if (known) return currentKey(known);
    const created: StoredKeySet = { ...newSigningKeySet(), version: 1 };
    if (await this.write(workspaceId, created, undefined))
      return currentKey(this.remember(workspaceId, created));
    const winner = await this.read(workspaceId);
    if (!winner) throw new Error("The unsubscribe key set vanished while it was being created");
    return currentKey(winner);
  }

  async verificationKey(workspaceId: string, keyId: string): Promise<Buffer | undefined> {
    const cached = await this.cachedOrRead(workspaceId);
    if (!cached) return undefined;
    const secret = keyById(cached, keyId);
    if (secret) return secret;
    // A key the cached set lacks may have been rotated in since it was read.
    const fresh = await this.read(workspaceId);
    return fresh ? keyById(fresh, keyId) : undefined;
  }

  async rotateSigningKey(workspaceId: string): Promise<{ current: string }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.read(workspaceId);
      const next: StoredKeySet = current
        ? { ...rotateSigningKeySet(current), version: current.version + 1 }
        : { ...newSigningKeySet(), version: 1 };
      if (await this.write(workspaceId, next, current?.version)) {
        this.remember(workspaceId, next);
        return { current: next.current };
      }
    }
    throw new Error("The unsubscribe key set kept changing during rotation");
  }

  private async cachedOrRead(workspaceId: string): Promise<StoredKeySet | undefined> {
    const cached = this.cache.get(workspaceId);
    if (cached && this.now() - cached.readAt < KEY_CACHE_MS) return cached.set;
    return this.read(workspaceId);
  }

  private async read(workspaceId: string): Promise<StoredKeySet | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.unsubscribeKeys(workspaceId),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    const { current, keys: secrets, version } = result.Item as Partial<StoredKeySet>;
    if (typeof current !== "string" || !secrets || typeof version !== "number")
      throw new Error("The unsubscribe key set item is malformed");
    return this.remember(workspaceId, { current, keys: secrets, version });
  }

  /** Creates (expected undefined) or replaces the set at `expected` version; false if it changed. */
  private async write(
    workspaceId: string,
    set: StoredKeySet,
    expected: number | undefined,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.unsubscribeKeys(workspaceId), type: "unsubscribe_keys", ...set },
          ...(expected === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "version = :expected",
                ExpressionAttributeValues: { ":expected": expected },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private remember(workspaceId: string, set: StoredKeySet): StoredKeySet {
    this.cache.set(workspaceId, { set, readAt: this.now() });
    return set;
  }
}
