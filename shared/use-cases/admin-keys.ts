import { issueApiKey, toKeyView } from "../domain/api-keys.js";
import { ConflictError, NotFoundError } from "../domain/errors.js";
import { isId } from "../domain/primitives.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";
import { mapPage, parsePageQuery } from "./paging.js";
import { emptyBodySchema } from "./sources.js";

export interface AdminKeyDeps {
  keys: KeyStore;
  clock: Clock;
}

/** Issues another admin key for the caller's workspace; the key is returned only here. */
export async function issueAdminKey(deps: AdminKeyDeps, workspaceId: string, body: unknown) {
  parseOrThrow(emptyBodySchema, body);
  const issued = issueApiKey("admin", deps.clock.now());
  await deps.keys.putAdminKey(workspaceId, issued.hash, issued.record);
  return { ...toKeyView(issued.record), adminKey: issued.secret };
}

export async function listAdminKeys(
  deps: Pick<AdminKeyDeps, "keys">,
  workspaceId: string,
  query: Record<string, string | undefined>,
) {
  const page = await deps.keys.listAdminKeys(workspaceId, parsePageQuery(query));
  return mapPage(page, toKeyView);
}

/**
 * Revokes an admin key: from now on it authenticates nothing (401). A workspace keeps at least one
 * active admin key, or nobody could manage it again: revoking the last one is a 409.
 */
export async function revokeAdminKey(deps: AdminKeyDeps, workspaceId: string, keyId: string): Promise<void> {
  const result = isId(keyId)
    ? await deps.keys.revokeAdminKey(workspaceId, keyId, deps.clock.now().toISOString())
    : "not_found";
  if (result === "not_found") throw new NotFoundError(`No admin key ${keyId.slice(0, 64)}`);
  if (result === "last_active") {
    throw new ConflictError(
      "This is the workspace's last active admin key: issue another one before revoking it.",
    );
  }
}
