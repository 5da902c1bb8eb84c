import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import {
  type CustomResourceEvent,
  sendCustomResourceResponse,
} from "../../shared/adapters/cloudformation-response.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { SecretsManagerKeyVault } from "../../shared/adapters/secrets-manager-key-vault.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { bootstrapDeployment } from "../../shared/use-cases/bootstrap-deployment.js";

const env = readEnv([Env.tableName]);
const obs = createObservability("bootstrap");
// A deploy waits on this function: a throttle or a brief outage is retried longer than a request would
// (6 attempts with the SDK's backoff) before the deploy is failed and rolled back.
const DEPLOY_TIME_RETRIES = { maxAttempts: 6 };
const secrets = new SecretsManagerClient(DEPLOY_TIME_RETRIES);
obs.tracer.captureAWSv3Client(secrets);
const deps = {
  keys: new DynamoKeyStore(documentClient(obs.tracer, DEPLOY_TIME_RETRIES), env.TABLE_NAME),
  vault: new SecretsManagerKeyVault(secrets),
  clock: systemClock,
};

const PHYSICAL_ID = "first-admin-key";

/** The stack's custom resource: runs on create only; updates and deletes keep the key as it is. */
export const handler = middy<CustomResourceEvent, void, Error, Context>()
  .use(obs.middlewares())
  .handler(async (event) => {
    const physicalResourceId = event.PhysicalResourceId ?? PHYSICAL_ID;
    try {
      if (event.RequestType === "Create") {
        const secretArn = String(event.ResourceProperties.SecretArn ?? "");
        const workspaceId = String(event.ResourceProperties.WorkspaceId ?? "default");
        await bootstrapDeployment(deps, { secretArn, workspaceId });
        obs.logger.info("First admin key created and stored", { workspaceId });
      }
      obs.metrics.addMetric("BootstrapHandled", "Count", 1);
      await sendCustomResourceResponse(event, { status: "SUCCESS", physicalResourceId });
    } catch (error) {
      obs.logger.error("Bootstrap failed", error as Error);
      await sendCustomResourceResponse(event, {
        status: "FAILED",
        physicalResourceId,
        reason: `Creating the first admin key failed: ${error instanceof Error ? error.name : "error"} (see logs)`,
      });
    }
  });
