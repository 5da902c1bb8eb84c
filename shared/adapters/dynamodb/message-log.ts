import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { DEDUPE_TTL_SECONDS, expiresAtFor, keys } from "../../contracts/table.js";
import type { MessageLog, ProcessedMessage } from "../../use-cases/match-event.js";
import { isConditionalCheckFailed } from "./errors.js";

/**
 * Which messages the matcher finished, kept for the dedupe window (TTL). Marked only once a
 * message's work is done, so a message that failed midway is processed again (every step of that
 * work is idempotent); a message marked done is skipped whole, counters included.
 *
 * One item per message holds both marks: `touchedAt` (its activity is on the account's profile,
 * written in the profile's transaction: see touchMarker) and `processedAt` with the outcome (its
 * processing finished). A message with nothing to do after its touch gets both in that transaction.
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
    if (typeof Item?.processedAt !== "string" || Number(Item.expiresAt) <= nowSeconds()) return undefined;
    return { at: Item.processedAt, outcome: Item.outcome as T };
  }

  async finish<T>(workspaceId: string, messageId: string, outcome: T, at: string) {
    try {
      // An update, not a put: the touch mark on the same item stays.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.processedMessage(workspaceId, messageId),
          UpdateExpression: "SET #type = :type, processedAt = :at, outcome = :outcome, expiresAt = :expires",
          // A marker past its window (TTL deletes late) is as good as none.
          ConditionExpression: "attribute_not_exists(processedAt) OR expiresAt <= :now",
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: {
            ":type": "processed_message",
            ":at": at,
            ":outcome": outcome,
            ":expires": expiresAtFor(at, DEDUPE_TTL_SECONDS),
            ":now": nowSeconds(),
          },
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

  async touchedBy(workspaceId: string, messageId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.processedMessage(workspaceId, messageId),
        ConsistentRead: true,
        ProjectionExpression: "#copy",
        ExpressionAttributeNames: { "#copy": "copy" },
      }),
    );
    return typeof Item?.copy === "string" ? Item.copy : undefined;
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

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * The touch mark of a message, for the transaction that puts its activity on the account's profile:
 * written only where no live touch mark is (a redelivered or concurrent copy fails the condition, and
 * the transaction writes nothing). With `finished`, the message is marked processed in the same write
 * (nothing is left to do after the touch).
 */
export function touchMarker(
  tableName: string,
  workspaceId: string,
  messageId: string,
  accountId: string,
  now: string,
  finished?: { at: string; outcome: unknown },
  /** What the touching copy says (MessageLog.touchedBy), for a copy that finds the mark taken. */
  copy?: string,
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.processedMessage(workspaceId, messageId),
        type: "processed_message",
        accountId,
        touchedAt: now,
        ...(copy === undefined ? {} : { copy }),
        ...(finished ? { processedAt: finished.at, outcome: finished.outcome } : {}),
        expiresAt: expiresAtFor(now, DEDUPE_TTL_SECONDS),
      },
      // A mark past its window (TTL deletes late) is as good as none: the put replaces it whole.
      ConditionExpression: "attribute_not_exists(touchedAt) OR expiresAt <= :now",
      ExpressionAttributeValues: { ":now": Math.floor(Date.parse(now) / 1000) },
    },
  };
}
