import type { ApiKeyRecord } from "../domain/api-keys.js";
import type { WriteKeyPolicy } from "../domain/source.js";
import type { Workspace } from "../domain/workspace.js";
import type { Page, PageRequest } from "./email-templates.js";

/**
 * Who a write key sends as, and a copy of its source's policy: which browser origins may use it and
 * how users are verified (absent: not required, and no secret, so no user token verifies).
 */
export interface WriteKeyOwner
  extends Pick<WriteKeyPolicy, "allowedDomains">,
    Partial<Omit<WriteKeyPolicy, "allowedDomains">> {
  workspaceId: string;
  sourceId: string;
}

export interface AdminKeyOwner {
  workspaceId: string;
}

/** "last_active": refused, because a workspace must keep at least one active admin key. */
export type AdminKeyRevocation = "revoked" | "not_found" | "last_active";

/**
 * API keys. Each key is a lookup item addressed by the SHA-256 of the presented key (the key itself
 * is never stored), so authenticating costs one read, plus a listable record in its workspace (its
 * prefix and dates, and the hash so it can be revoked). Revoking marks both; the store refuses a
 * revoked key at once (ingestion, which keeps a lookup for a few seconds, within WRITE_KEY_TRUST_MS).
 */
export interface KeyStore {
  findAdminKey(keyHash: string): Promise<AdminKeyOwner | undefined>;
  findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined>;

  /**
   * Bootstrap: creates the workspace record unless it exists. Here rather than only on the
   * workspace repository because the deploy-time and local bootstraps hold just a key store, and a
   * key must never belong to a workspace that does not exist.
   */
  ensureWorkspace(workspace: Workspace): Promise<void>;

  /** Stores a new admin key of the workspace and counts it as active. A hash is never overwritten. */
  putAdminKey(workspaceId: string, keyHash: string, record: ApiKeyRecord): Promise<void>;
  /** Oldest first, revoked ones included (with revokedAt). */
  listAdminKeys(workspaceId: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  /**
   * Revokes the key unless it is the workspace's last active one (checked atomically, so two
   * concurrent revocations cannot leave none). Revoking a revoked key answers "revoked" again.
   */
  revokeAdminKey(workspaceId: string, keyId: string, revokedAt: string): Promise<AdminKeyRevocation>;

  /**
   * Stores a new write key of a source unless the source already has `maxActive` active keys
   * (checked atomically). The owner's policy (the source's) is copied onto the lookup item.
   */
  putWriteKey(
    owner: WriteKeyOwner,
    keyHash: string,
    record: ApiKeyRecord,
    maxActive: number,
  ): Promise<"created" | "limit_reached">;
  listWriteKeys(workspaceId: string, sourceId: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  /** Revoking a revoked key answers "revoked" again. */
  revokeWriteKey(
    workspaceId: string,
    sourceId: string,
    keyId: string,
    revokedAt: string,
  ): Promise<"revoked" | "not_found">;
  /**
   * Copies the source's new policy (domains, user verification, the debugger's watch mark) onto its
   * active keys' lookup items.
   */
  setWriteKeyPolicy(workspaceId: string, sourceId: string, policy: WriteKeyPolicy): Promise<void>;
  /** The source is being deleted: every key of it stops authenticating, and its records go. */
  deleteWriteKeys(workspaceId: string, sourceId: string): Promise<void>;
}
