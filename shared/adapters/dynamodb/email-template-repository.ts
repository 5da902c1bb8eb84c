import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { keys, workspaceItemPrefix } from "../../contracts/table.js";
import type { EmailTemplate } from "../../domain/email-template.js";
import { ValidationError } from "../../domain/errors.js";
import type { EmailTemplateStore, Page, PageRequest } from "../../ports/email-templates.js";
import { isConditionalCheckFailed } from "./errors.js";
import { fromItem, putIfUnchanged } from "./item.js";

export class DynamoEmailTemplateRepository implements EmailTemplateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private item(template: EmailTemplate) {
    return { ...keys.emailTemplate(template.workspaceId, template.id), type: "email_template", ...template };
  }

  async putEmailTemplate(template: EmailTemplate) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.item(template),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async getEmailTemplate(workspaceId: string, templateId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.emailTemplate(workspaceId, templateId) }),
    );
    return Item ? fromItem<EmailTemplate>(Item) : undefined;
  }

  listEmailTemplates(workspaceId: string, page: PageRequest) {
    return queryWorkspaceCollection<EmailTemplate>(
      this.db,
      this.tableName,
      keys.workspace(workspaceId).pk,
      workspaceItemPrefix.emailTemplate,
      page,
    );
  }

  replaceEmailTemplate(next: EmailTemplate, expectedUpdatedAt: string) {
    return putIfUnchanged(this.db, this.tableName, this.item(next), expectedUpdatedAt);
  }

  async deleteEmailTemplate(workspaceId: string, templateId: string) {
    return deleteExisting(this.db, this.tableName, keys.emailTemplate(workspaceId, templateId));
  }
}

/** Deletes an item if it exists; false when there was none. */
export async function deleteExisting(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: { pk: string; sk: string },
): Promise<boolean> {
  try {
    await db.send(
      new DeleteCommand({ TableName: tableName, Key: key, ConditionExpression: "attribute_exists(pk)" }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * One page of a kind of item in a workspace's collection (`pk` with an `sk` prefix), oldest first.
 * The cursor is the last key read, base64url-encoded: opaque to clients, and checked to belong to
 * this very listing before use, so it cannot be pointed at another workspace or kind of item.
 */
export async function queryWorkspaceCollection<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  skPrefix: string,
  page: PageRequest,
): Promise<Page<T>> {
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
      Limit: page.limit,
      ...(page.cursor !== undefined ? { ExclusiveStartKey: decodeCursor(page.cursor, pk, skPrefix) } : {}),
    }),
  );
  const last = result.LastEvaluatedKey;
  return {
    items: (result.Items ?? []).map((item) => fromItem<T>(item)),
    ...(last ? { nextCursor: encodeCursor(last) } : {}),
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk }), "utf8").toString("base64url");
}

function decodeCursor(cursor: string, pk: string, skPrefix: string): { pk: string; sk: string } {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (key !== null && typeof key === "object" && "pk" in key && "sk" in key) {
      const { pk: cursorPk, sk } = key;
      if (cursorPk === pk && typeof sk === "string" && sk.startsWith(skPrefix) && sk.length <= 1024)
        return { pk, sk };
    }
  } catch {
    // Not base64 JSON: answered below like any other foreign cursor.
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
}
