import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { EmailTemplate } from "../../domain/email-template.js";
import type { EmailTemplateRepository } from "../../ports/email-templates.js";
import { fromItem } from "./item.js";

export class DynamoEmailTemplateRepository implements EmailTemplateRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return Item ? fromItem<T>(Item) : undefined;
  }

  async putEmailTemplate(template: EmailTemplate) {
    const Item = {
      ...keys.emailTemplate(template.workspaceId, template.id),
      type: "email_template",
      ...template,
    };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item }));
  }

  getEmailTemplate(workspaceId: string, templateId: string) {
    return this.get<EmailTemplate>(keys.emailTemplate(workspaceId, templateId));
  }
}
