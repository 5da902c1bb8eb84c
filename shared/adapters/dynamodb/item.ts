import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { ItemKey } from "../../contracts/table.js";
import { ValidationError } from "../../domain/errors.js";
import type { Page, PageRequest } from "../../ports/email-templates.js";
import { isConditionalCheckFailed } from "./errors.js";

/** Every item carries its keys and a `type`, so a table scan or export can tell items apart. */
export type Item<T> = T & ItemKey & { type: string; gsi1pk?: string; gsi1sk?: string; expiresAt?: number };

const STORAGE_ATTRIBUTES = new Set(["pk", "sk", "type", "gsi1pk", "gsi1sk", "expiresAt"]);

export function fromItem<T>(item: Record<string, unknown>): T {
  const entity: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRIBUTES.has(name)) entity[name] = value;
  return entity as T;
}

/**
 * Replaces an item only if it still exists and was not changed since it was read (its `updatedAt`):
 * no lost update, and a concurrent delete is not undone. False when the condition failed.
 */
export async function putIfUnchanged(
  db: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
  expectedUpdatedAt: string,
): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: "attribute_exists(pk) AND updatedAt = :expected",
        ExpressionAttributeValues: { ":expected": expectedUpdatedAt },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Deletes an item if it exists; false when there was none. */
export async function deleteExisting(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: { pk: string; sk: string },
): Promise<boolean> {
  try {
    await db.send(
      new DeleteCommand({ TableName: tableName, Key: key, ConditionExpression: "attribute_exists(pk)" }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * One page of a kind of item in a workspace's collection (`pk` with an `sk` prefix), oldest first.
 * The cursor is the last key read, base64url-encoded: opaque to clients, and checked to belong to
 * this very listing before use, so it cannot be pointed at another workspace or kind of item.
 */
export async function queryWorkspaceCollection<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  skPrefix: string,
  page: PageRequest,
  order: "ascending" | "descending" = "ascending",
): Promise<Page<T>> {
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
      Limit: page.limit,
      ...(order === "descending" ? { ScanIndexForward: false } : {}),
      ...(page.cursor !== undefined ? { ExclusiveStartKey: decodeCursor(page.cursor, pk, skPrefix) } : {}),
    }),
  );
  const last = result.LastEvaluatedKey;
  return {
    items: (result.Items ?? []).map((item) => fromItem<T>(item)),
    ...(last ? { nextCursor: encodeCursor(last) } : {}),
  };
}

/** The last key read, base64url-encoded: opaque to clients. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk }), "utf8").toString("base64url");
}

/** A cursor checked to belong to this very listing (its partition and sk prefix) before use. */
export function decodeCursor(cursor: string, pk: string, skPrefix: string): { pk: string; sk: string } {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (key !== null && typeof key === "object" && "pk" in key && "sk" in key) {
      const { pk: cursorPk, sk } = key;
      if (cursorPk === pk && typeof sk === "string" && sk.startsWith(skPrefix) && sk.length <= 1024)
        return { pk, sk };
    }
  } catch {
    // Not base64 JSON: answered below like any other foreign cursor.
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
}

/** Every item a query matches, following LastEvaluatedKey to the end. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, "ExclusiveStartKey">,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
