import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { expiresAtFor, keys } from "../../contracts/table.js";
import { type ConsoleSession, SESSION_MAX_SECONDS } from "../../domain/console-session.js";
import type { SessionStore } from "../../ports/sessions.js";
import { isConditionalCheckFailed } from "./errors.js";
import { fromItem, type Item } from "./item.js";

/**
 * Console sessions. DynamoDB's TTL deletes expired items eventually (within days), so `find` also
 * checks `endsAt` itself: a session ends on time, not when the sweeper comes by.
 */
export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(tokenHash: string, session: ConsoleSession) {
    const item: Item<ConsoleSession> = {
      ...keys.consoleSession(tokenHash),
      type: "console_session",
      ...session,
      // However it slides, a session ends by its maximum life: the TTL can be set once.
      expiresAt: expiresAtFor(session.createdAt, SESSION_MAX_SECONDS),
    };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async find(tokenHash: string, now: Date) {
    const { Item: stored } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.consoleSession(tokenHash) }),
    );
    if (!stored) return undefined;
    const session = fromItem<ConsoleSession>(stored);
    return Date.parse(session.endsAt) > now.getTime() ? session : undefined;
  }

  async extend(tokenHash: string, endsAt: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.consoleSession(tokenHash),
          UpdateExpression: "SET endsAt = :endsAt",
          // Never brings back a session signed out (deleted) meanwhile.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":endsAt": endsAt },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async delete(tokenHash: string) {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.consoleSession(tokenHash) }));
  }
}
