import type { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { DynamoTableSettings } from "../../shared/adapters/dynamodb/table-settings.js";
import { SecretsManagerKeyVault } from "../../shared/adapters/secrets-manager-key-vault.js";
import { systemClock } from "../../shared/ports/clock.js";

// A deploy waits on this function: a throttle or a brief outage is retried longer than a request would
// (6 attempts with the SDK's backoff) before the deploy is failed and rolled back.
const DEPLOY_TIME_RETRIES = { maxAttempts: 6 };

/**
 * The bootstrap function's clients, imported by the first event that needs them
 * (functions/bootstrap/handler.ts): the first admin key's on its Create only, the table's settings on
 * a table-protection Create or Update. An Update or Delete of the first admin key, on every later
 * deploy, loads no AWS client at all.
 */
export function firstAdminKeyDeps(tableName: string, tracer: Tracer | undefined) {
  const secrets = new SecretsManagerClient(DEPLOY_TIME_RETRIES);
  tracer?.captureAWSv3Client(secrets);
  return {
    keys: new DynamoKeyStore(documentClient(tracer, DEPLOY_TIME_RETRIES), tableName),
    vault: new SecretsManagerKeyVault(secrets),
    clock: systemClock,
  };
}

export function tableSettings(tracer: Tracer | undefined): DynamoTableSettings {
  const dynamodb = new DynamoDBClient(DEPLOY_TIME_RETRIES);
  tracer?.captureAWSv3Client(dynamodb);
  return new DynamoTableSettings(dynamodb);
}
