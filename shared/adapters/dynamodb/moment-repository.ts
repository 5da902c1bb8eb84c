import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { keys, sortKeyPrefix, table, workspaceItemPrefix } from "../../contracts/table.js";
import type { Moment, MomentStatus } from "../../domain/moment.js";
import type { MomentRepository, MomentsByEvent } from "../../ports/moments.js";
import { isConditionalCheckFailed } from "./errors.js";
import { fromItem, queryAll } from "./item.js";

export class DynamoMomentRepository implements MomentRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    // Strongly consistent: a step re-checks its moment right before acting, and a moment stopped a moment
    // ago must already read as stopped (an eventually consistent read may lag by up to a second).
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item ? fromItem<T>(Item) : undefined;
  }

  private item(moment: Moment) {
    return {
      ...keys.moment(moment.workspaceId, moment.id),
      type: "moment",
      ...moment,
      ...runningIndex(moment),
    };
  }

  async createMoment(moment: Moment) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.item(moment),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  getMoment(workspaceId: string, momentId: string) {
    return this.get<Moment>(keys.moment(workspaceId, momentId));
  }

  async listMoments(workspaceId: string) {
    const { pk } = keys.moment(workspaceId, "");
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": pk, ":prefix": workspaceItemPrefix.moment },
    });
    return items.map((item) => fromItem<Moment>(item));
  }

  async updateMoment(next: Moment, expectedVersion: number) {
    try {
      // A whole-item put: without the running index attributes in `next`, a moment that is no longer
      // running drops out of GSI1, and one whose start event changed moves to its new GSI1 key.
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(next),
          ConditionExpression: "#version = :expected",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":expected": expectedVersion },
        }),
      );
      await this.syncUnlessListener(next);
      return next;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async setMomentStatus(moment: Moment, status: MomentStatus, updatedAt: string) {
    const next: Moment = { ...moment, status, version: moment.version + 1, updatedAt };
    const index = runningIndex(next);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.moment(moment.workspaceId, moment.id),
          // Only running moments carry the GSI1 keys: the index is the matcher's list of live moments.
          // Starting also opens a new running period (runningSince): older runs stay ended.
          UpdateExpression: index
            ? "SET #status = :status, #version = :next, updatedAt = :at, runningSince = :at, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk"
            : "SET #status = :status, #version = :next, updatedAt = :at REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "#version = :expected",
          ExpressionAttributeNames: { "#status": "status", "#version": "version" },
          ExpressionAttributeValues: {
            ":status": status,
            ":next": next.version,
            ":expected": moment.version,
            ":at": updatedAt,
            ...(index ? { ":gsi1pk": index.gsi1pk, ":gsi1sk": index.gsi1sk } : {}),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      const updated = Attributes ? fromItem<Moment>(Attributes) : undefined;
      if (updated) await this.syncUnlessListener(updated);
      return updated;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async deleteMoment(workspaceId: string, momentId: string, expectedVersion: number) {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.moment(workspaceId, momentId),
          // The caller checked the status at this version; a moment started meanwhile is not deleted.
          ConditionExpression: "#version = :expected",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":expected": expectedVersion },
        }),
      );
      await this.db.send(
        new DeleteCommand({ TableName: this.tableName, Key: unlessListenerKey(workspaceId, momentId) }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Running abandonment moments index their `unless` event too, in a small listener item beside the
   * moment (GSI1, sort key UNLESS#): the matcher finds the moments an event cancels without scanning,
   * even when no start is armed yet (the unless event was processed before its trigger).
   */
  private async syncUnlessListener(moment: Moment) {
    const key = unlessListenerKey(moment.workspaceId, moment.id);
    const unless = moment.status === "running" ? moment.start.unless : undefined;
    if (!unless) {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
      return;
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key,
          type: "unless_listener",
          momentId: moment.id,
          ...(moment.start.key === undefined ? {} : { runKey: moment.start.key }),
          ...keys.runningMomentsByStartEvent(moment.workspaceId, unless.event),
          gsi1sk: `${sortKeyPrefix.unlessListener}${moment.id}`,
        },
      }),
    );
  }

  async findByEvent(workspaceId: string, eventName: string): Promise<MomentsByEvent> {
    // Running moments (MOMENT#) and the unless listeners (UNLESS#) share the event's GSI partition:
    // one Query reads both.
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: table.gsi1.indexName,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.runningMomentsByStartEvent(workspaceId, eventName).gsi1pk },
    });
    const listener = (item: Record<string, unknown>) => item.type === "unless_listener";
    return {
      starting: items.filter((item) => !listener(item)).map((item) => fromItem<Moment>(item)),
      unlessListeners: items.filter(listener).map((item): { momentId: string; key?: string } => ({
        momentId: String(item.momentId),
        ...(typeof item.runKey === "string" ? { key: item.runKey } : {}),
      })),
    };
  }

  async findRunningMomentsStartingOn(workspaceId: string, eventName: string) {
    return (await this.findByEvent(workspaceId, eventName)).starting;
  }
}

function unlessListenerKey(workspaceId: string, momentId: string) {
  return { pk: keys.moment(workspaceId, momentId).pk, sk: `UNLESSIDX#${momentId}` };
}

/** GSI1 keys of a running moment (sparse index: only running moments have them). */
function runningIndex(moment: Moment) {
  if (moment.status !== "running") return undefined;
  return {
    ...keys.runningMomentsByStartEvent(moment.workspaceId, moment.start.event),
    gsi1sk: `${sortKeyPrefix.runningMoment}${moment.id}`,
  };
}
