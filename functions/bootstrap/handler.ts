import middy from "@middy/core";
import type { Context } from "aws-lambda";
import {
  type CustomResourceEvent,
  sendCustomResourceResponse,
} from "../../shared/adapters/cloudformation-response.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { loadOnce } from "../../shared/load-once.js";
import { createObservability } from "../../shared/observability.js";
import { bootstrapDeployment } from "../../shared/use-cases/bootstrap-deployment.js";
import {
  applyTableProtection,
  TABLE_PROTECTION_RESOURCE_TYPE,
  type TableSettings,
} from "../../shared/use-cases/table-protection.js";

const env = readEnv([Env.tableName]);
const obs = createObservability("bootstrap");
// Each event loads only the clients it uses (./clients.ts).
const firstAdminKeyDeps = loadOnce(() =>
  import("./clients.js").then((m) => m.firstAdminKeyDeps(env.TABLE_NAME, obs.tracer)),
);
const loadTableSettings = loadOnce(() => import("./clients.js").then((m) => m.tableSettings(obs.tracer)));
const tables: TableSettings = {
  setDeletionProtection: async (tableName, enabled) =>
    (await loadTableSettings()).setDeletionProtection(tableName, enabled),
};

const PHYSICAL_ID = "first-admin-key";

/**
 * The stack's custom resources. The first admin key runs on create only (updates and deletes keep the
 * key as it is); the table protection on create and update (see use-cases/table-protection.ts).
 */
export const handler = middy<CustomResourceEvent, void, Error, Context>()
  .use(obs.middlewares())
  .handler(async (event) => {
    if (event.ResourceType === TABLE_PROTECTION_RESOURCE_TYPE) return protectTable(event);
    const physicalResourceId = event.PhysicalResourceId ?? PHYSICAL_ID;
    try {
      if (event.RequestType === "Create") {
        const secretArn = String(event.ResourceProperties.SecretArn ?? "");
        const workspaceId = String(event.ResourceProperties.WorkspaceId ?? "default");
        await bootstrapDeployment(await firstAdminKeyDeps(), { secretArn, workspaceId });
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

async function protectTable(event: CustomResourceEvent) {
  const tableName = String(event.ResourceProperties.TableName ?? "");
  const physicalResourceId = event.PhysicalResourceId ?? `table-protection-${tableName}`;
  try {
    const outcome = await applyTableProtection(tables, {
      requestType: event.RequestType,
      tableName,
      enabled: event.ResourceProperties.DeletionProtection === "true",
    });
    obs.logger.info("Table deletion protection", { outcome, requestType: event.RequestType });
    await sendCustomResourceResponse(event, { status: "SUCCESS", physicalResourceId });
  } catch (error) {
    obs.logger.error("Table deletion protection failed", error as Error);
    await sendCustomResourceResponse(event, {
      status: "FAILED",
      physicalResourceId,
      reason: `Setting the table's deletion protection failed: ${error instanceof Error ? error.name : "error"} (see logs)`,
    });
  }
}
