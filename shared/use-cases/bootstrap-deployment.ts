import { generateApiKey } from "../domain/api-keys.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";
import { ensureAdminKey } from "./bootstrap.js";

export interface KeyVault {
  store(secretArn: string, value: Record<string, string>): Promise<void>;
}

/**
 * First deploy of a stack: creates the operator workspace's first admin key, keeps it in the
 * deployment's secret (the only place it exists in clear) and stores only its hash in the table.
 * Later deploys change nothing: keys are managed through the API from then on.
 */
export async function bootstrapDeployment(
  deps: { keys: KeyStore; vault: KeyVault; clock: Clock },
  request: { secretArn: string; workspaceId: string },
): Promise<void> {
  const adminKey = generateApiKey("admin");
  // Secret first: if storing the hash then failed, the retry makes a new key and overwrites it, so
  // the secret never holds a key that does not work.
  await deps.vault.store(request.secretArn, { workspaceId: request.workspaceId, adminKey });
  await ensureAdminKey(deps, request.workspaceId, adminKey);
}
