import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys, workspaceItemPrefix } from "../../contracts/table.js";
import type { StoredIntegration } from "../../domain/integration.js";
import type { PageRequest } from "../../ports/email-templates.js";
import type { IntegrationRepository } from "../../ports/integrations.js";
import { deleteExisting, fromItem, putIfUnchanged, queryWorkspaceCollection } from "./item.js";

/**
 * Integrations, secrets included, one item each in the workspace's collection. The table is
 * encrypted at rest and only the admin and action functions read these items; per-integration KMS
 * envelope encryption (or Secrets Manager) would be the next hardening step.
 */
export class DynamoIntegrationRepository implements IntegrationRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private item(integration: StoredIntegration) {
    return {
      ...keys.integration(integration.workspaceId, integration.id),
      type: "integration",
      ...integration,
    };
  }

  async getIntegration(workspaceId: string, integrationId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.integration(workspaceId, integrationId) }),
    );
    return Item ? fromItem<StoredIntegration>(Item) : undefined;
  }

  listIntegrations(workspaceId: string, page: PageRequest) {
    return queryWorkspaceCollection<StoredIntegration>(
      this.db,
      this.tableName,
      keys.workspace(workspaceId).pk,
      workspaceItemPrefix.integration,
      page,
    );
  }

  async putIntegration(integration: StoredIntegration) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.item(integration),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  replaceIntegration(next: StoredIntegration, expectedUpdatedAt: string) {
    // A whole-item put: a Slack integration switching mode loses the secret it no longer uses.
    return putIfUnchanged(this.db, this.tableName, this.item(next), expectedUpdatedAt);
  }

  deleteIntegration(workspaceId: string, integrationId: string) {
    return deleteExisting(this.db, this.tableName, keys.integration(workspaceId, integrationId));
  }
}
