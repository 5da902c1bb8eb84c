import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { KeyStore, WriteKeyOwner } from "../../ports/keys.js";

export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findAdminKey(keyHash: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.adminKey(keyHash) }),
    );
    return Item && !Item.revokedAt ? { workspaceId: String(Item.workspaceId) } : undefined;
  }

  async findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.writeKey(keyHash) }),
    );
    return Item && !Item.revokedAt
      ? { workspaceId: String(Item.workspaceId), sourceId: String(Item.sourceId) }
      : undefined;
  }

  async putAdminKey(keyHash: string, workspaceId: string, createdAt: string) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.adminKey(keyHash), type: "admin_key", workspaceId, createdAt },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async putWriteKey(keyHash: string, owner: WriteKeyOwner, createdAt: string) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.writeKey(keyHash), type: "write_key", ...owner, createdAt },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }
}
