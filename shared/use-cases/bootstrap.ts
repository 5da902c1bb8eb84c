import { hashApiKey, keyPrefix } from "../domain/api-keys.js";
import { newId } from "../domain/ids.js";
import { bootstrapWorkspaceName, OPERATOR_WORKSPACE_ID } from "../domain/operator-workspace.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";

/**
 * Makes sure an admin key exists for a workspace (first key of a deployment, or a seeded local key),
 * creating the workspace record if absent: "Default" for the deployment's "default" workspace, which
 * is its operator workspace (the one whose keys may create other workspaces). The key gets a
 * listable record like any other, so it shows in GET /v1/admin/admin-keys and can be revoked.
 */
export async function ensureAdminKey(
  deps: { keys: KeyStore; clock: Clock },
  workspaceId: string,
  key: string,
) {
  const now = deps.clock.now();
  const hash = hashApiKey(key);
  const existing = await deps.keys.findAdminKey(hash);
  if (existing && existing.workspaceId !== workspaceId)
    throw new Error("That admin key already belongs to another workspace");
  // Also when the key exists: its workspace may predate workspace records.
  await deps.keys.ensureWorkspace({
    id: workspaceId,
    name: bootstrapWorkspaceName(workspaceId),
    createdAt: now.toISOString(),
    operator: workspaceId === OPERATOR_WORKSPACE_ID,
  });
  if (existing) return;
  await deps.keys.putAdminKey(workspaceId, hash, {
    id: newId(now.getTime()),
    prefix: keyPrefix(key),
    createdAt: now.toISOString(),
  });
}
