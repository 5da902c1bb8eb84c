import { hashApiKey } from "../domain/api-keys.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";

/** Makes sure an admin key exists for a workspace (first key of a deployment, or a seeded local key). */
export async function ensureAdminKey(
  deps: { keys: KeyStore; clock: Clock },
  workspaceId: string,
  key: string,
) {
  const hash = hashApiKey(key);
  const existing = await deps.keys.findAdminKey(hash);
  if (existing) {
    if (existing.workspaceId !== workspaceId)
      throw new Error("That admin key already belongs to another workspace");
    return;
  }
  await deps.keys.putAdminKey(hash, workspaceId, deps.clock.now().toISOString());
}
