import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys, workspaceItemPrefix } from "../../contracts/table.js";
import type { EmailTemplate } from "../../domain/email-template.js";
import type { EmailTemplateStore, PageRequest } from "../../ports/email-templates.js";
import { deleteExisting, fromItem, putIfUnchanged, queryWorkspaceCollection } from "./item.js";

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
