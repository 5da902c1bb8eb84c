import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ItemKey } from "../../contracts/table.js";
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
