import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DEDUPE_TTL_SECONDS, expiresAtFor, keys } from "../../contracts/table.js";
import type { MessageLog } from "../../use-cases/match-event.js";
import { isConditionalCheckFailed } from "./errors.js";

/**
 * Which messages the matcher finished, kept for the dedupe window (TTL). Marked only once a
 * message's work is done, so a message that failed midway is processed again (every step of that
 * work is idempotent); a message marked done is skipped whole, counters included.
 */
export class DynamoMessageLog implements MessageLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isProcessed(workspaceId: string, messageId: string) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.processedMessage(workspaceId, messageId),
        ConsistentRead: true,
      }),
    );
    // TTL deletes late (hours on AWS, never locally): the window is the expiry, not the deletion.
    return Item !== undefined && Number(Item.expiresAt) > Math.floor(Date.now() / 1000);
  }

  async stash<T>(workspaceId: string, messageId: string, payload: T, at: string): Promise<T> {
    const Key = keys.messageOutbox(workspaceId, messageId);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...Key,
            type: "message_outbox",
            payload,
            expiresAt: expiresAtFor(at, DEDUPE_TTL_SECONDS),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return payload;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
    );
    return (Item?.payload as T | undefined) ?? payload;
  }

  async markProcessed(workspaceId: string, messageId: string, at: string) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.processedMessage(workspaceId, messageId),
          type: "processed_message",
          processedAt: at,
          expiresAt: expiresAtFor(at, DEDUPE_TTL_SECONDS),
        },
      }),
    );
  }
}
