import { type DynamoDBClient, ResourceInUseException, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import type { TableSettings } from "../../use-cases/table-protection.js";

/**
 * Table-level settings a deployment changes (UpdateTable). A table still busy with an earlier change
 * (an index being added by the same deploy) refuses with ResourceInUseException: waited out a few
 * times, within the bootstrap function's 30 s.
 */
export class DynamoTableSettings implements TableSettings {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: { attempts?: number; waitMs?: number } = {},
  ) {}

  async setDeletionProtection(tableName: string, enabled: boolean): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new UpdateTableCommand({ TableName: tableName, DeletionProtectionEnabled: enabled }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ResourceInUseException) || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.options.waitMs ?? 5_000));
      }
    }
  }
}
