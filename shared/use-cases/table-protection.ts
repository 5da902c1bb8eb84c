/**
 * The table's deletion protection, applied by the deployment's last resource rather than declared on
 * the table. Declared, it is on from the table's first second, so a first deploy that fails later
 * cannot roll back: CloudFormation's delete of the new table is refused, the stack is left in
 * ROLLBACK_FAILED and the next `cdk deploy` under the same name is blocked until someone deletes the
 * table by hand. Applied last (the resource depends on every other one), a failed first deploy never
 * reaches it and rolls back cleanly; every later deploy re-applies it.
 */
/** The custom resource's type in the template (the bootstrap function serves it). */
export const TABLE_PROTECTION_RESOURCE_TYPE = "Custom::MomentsTableProtection";

export interface TableSettings {
  setDeletionProtection(tableName: string, enabled: boolean): Promise<void>;
}

export type CustomResourceRequest = "Create" | "Update" | "Delete";

/**
 * Create and Update set the protection as configured. Delete changes nothing: on a stack delete the
 * table is retained (and stays protected); a rollback of the deploy that created this resource cannot
 * happen after it, as it is the last resource.
 */
export async function applyTableProtection(
  tables: TableSettings,
  request: { requestType: CustomResourceRequest; tableName: string; enabled: boolean },
): Promise<"set" | "unchanged"> {
  if (request.requestType === "Delete") return "unchanged";
  if (!request.tableName) throw new Error("TableName is required");
  await tables.setDeletionProtection(request.tableName, request.enabled);
  return "set";
}
