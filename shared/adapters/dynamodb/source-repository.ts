import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { Source } from "../../domain/source.js";
import type { SourceRepository } from "../../ports/sources.js";
import { fromItem } from "./item.js";

export class DynamoSourceRepository implements SourceRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return Item ? fromItem<T>(Item) : undefined;
  }

  async putSource(source: Source) {
    const Item = { ...keys.source(source.workspaceId, source.id), type: "source", ...source };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item }));
  }

  getSource(workspaceId: string, sourceId: string) {
    return this.get<Source>(keys.source(workspaceId, sourceId));
  }
}
