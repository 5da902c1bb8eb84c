import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DEDUPE_TTL_SECONDS, expiresAtFor, keys } from "../../contracts/table.js";
import type { MessageLog, ProcessedMessage } from "../../use-cases/match-event.js";
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
    return (await this.processed(workspaceId, messageId)) !== undefined;
  }

  async processed<T>(workspaceId: string, messageId: string): Promise<ProcessedMessage<T> | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.processedMessage(workspaceId, messageId),
        ConsistentRead: true,
      }),
    );
    // TTL deletes late (hours on AWS, never locally): the window is the expiry, not the deletion.
    if (Item === undefined || Number(Item.expiresAt) <= Math.floor(Date.now() / 1000)) return undefined;
    return { at: String(Item.processedAt), outcome: Item.outcome as T };
  }

  async finish<T>(workspaceId: string, messageId: string, outcome: T, at: string) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...processedMarker(workspaceId, messageId, at), outcome },
          // A marker past its window (TTL deletes late) is as good as none.
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
          ExpressionAttributeValues: { ":now": Math.floor(Date.now() / 1000) },
        }),
      );
      return { first: true, at, outcome };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // A copy of this message finished first: its outcome is the message's.
    const first = await this.processed<T>(workspaceId, messageId);
    if (!first) throw new Error(`The processed marker of message ${messageId} vanished while finishing it`);
    return { first: false, ...first };
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
        Item: processedMarker(workspaceId, messageId, at),
      }),
    );
  }
}

function processedMarker(workspaceId: string, messageId: string, at: string) {
  return {
    ...keys.processedMessage(workspaceId, messageId),
    type: "processed_message",
    processedAt: at,
    expiresAt: expiresAtFor(at, DEDUPE_TTL_SECONDS),
  };
}
