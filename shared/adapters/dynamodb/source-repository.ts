import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keys, workspaceItemPrefix } from "../../contracts/table.js";
import type { Source } from "../../domain/source.js";
import type { PageRequest } from "../../ports/email-templates.js";
import type { SourceChanges, SourceStore } from "../../ports/sources.js";
import { isConditionalCheckFailed } from "./errors.js";
import { deleteExisting, fromItem, queryWorkspaceCollection } from "./item.js";

export class DynamoSourceRepository implements SourceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putSource(source: Source) {
    const Item = { ...keys.source(source.workspaceId, source.id), type: "source", ...source };
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
  }

  async getSource(workspaceId: string, sourceId: string) {
    const { Item } = await this.db.send(
      // Strongly consistent: keys copy allowedDomains from what this returns right after a change.
      new GetCommand({
        TableName: this.tableName,
        Key: keys.source(workspaceId, sourceId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<Source>(Item) : undefined;
  }

  listSources(workspaceId: string, page: PageRequest) {
    return queryWorkspaceCollection<Source>(
      this.db,
      this.tableName,
      keys.workspace(workspaceId).pk,
      workspaceItemPrefix.source,
      page,
    );
  }

  async updateSource(workspaceId: string, sourceId: string, changes: SourceChanges, updatedAt: string) {
    const names: Record<string, string> = { "#updatedAt": "updatedAt" };
    const values: Record<string, unknown> = { ":updatedAt": updatedAt };
    const sets = ["#updatedAt = :updatedAt"];
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.source(workspaceId, sourceId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          // Never recreate a source deleted meanwhile.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? fromItem<Source>(Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async markDebuggerWatched(workspaceId: string, sourceId: string, until: string, renewIfBefore: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.source(workspaceId, sourceId),
          UpdateExpression: "SET debuggerWatchedUntil = :until",
          // ISO times of one format compare as strings.
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(debuggerWatchedUntil) OR debuggerWatchedUntil < :renewIfBefore)",
          ExpressionAttributeValues: { ":until": until, ":renewIfBefore": renewIfBefore },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  deleteSource(workspaceId: string, sourceId: string) {
    return deleteExisting(this.db, this.tableName, keys.source(workspaceId, sourceId));
  }
}
