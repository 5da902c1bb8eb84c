import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { Workspace } from "../../domain/workspace.js";
import type { WorkspaceRepository } from "../../ports/workspaces.js";
import { isConditionalCheckFailed } from "./errors.js";

/** The workspace record: `WS#<ws>` / `WORKSPACE`, at the head of the workspace's collection. */
export class DynamoWorkspaceRepository implements WorkspaceRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getWorkspace(workspaceId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.workspace(workspaceId), ConsistentRead: true }),
    );
    return Item ? toWorkspace(Item) : undefined;
  }

  async createWorkspace(workspace: Workspace) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.workspace(workspace.id),
            type: "workspace",
            id: workspace.id,
            name: workspace.name,
            createdAt: workspace.createdAt,
            ...(workspace.updatedAt ? { updatedAt: workspace.updatedAt } : {}),
            // Stored only when true, so no other write path can grant it by omission.
            ...(workspace.operator ? { operator: true } : {}),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async renameWorkspace(workspaceId: string, name: string, updatedAt: string) {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.workspace(workspaceId),
          UpdateExpression: "SET #name = :name, updatedAt = :updatedAt",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: { ":name": name, ":updatedAt": updatedAt },
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? toWorkspace(Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

function toWorkspace(item: Record<string, unknown>): Workspace {
  return {
    id: String(item.id),
    name: String(item.name),
    createdAt: String(item.createdAt),
    ...(typeof item.updatedAt === "string" ? { updatedAt: item.updatedAt } : {}),
    operator: item.operator === true,
  };
}
