/**
 * In-memory sources, keys and workspaces with the semantics of their DynamoDB adapters (conditional
 * creates, the active-key limits, lookup items carrying a copy of the source's allowedDomains), for
 * use-case tests. Each exposes its state for assertions.
 */
import type { ApiKeyRecord } from "../../shared/domain/api-keys.js";
import { ValidationError } from "../../shared/domain/errors.js";
import type { Source, WriteKeyPolicy } from "../../shared/domain/source.js";
import type { Workspace } from "../../shared/domain/workspace.js";
import type { Page, PageRequest } from "../../shared/ports/email-templates.js";
import type { AdminKeyRevocation, KeyStore, WriteKeyOwner } from "../../shared/ports/keys.js";
import type { SourceChanges, SourceStore } from "../../shared/ports/sources.js";
import type { WorkspaceRepository } from "../../shared/ports/workspaces.js";

const key = (...parts: string[]) => JSON.stringify(parts);

/** Pages by id (ids sort by creation time); the cursor is the last id, as opaque as DynamoDB's. */
function paginate<T extends { id: string }>(all: T[], page: PageRequest): Page<T> {
  if (page.cursor !== undefined && !all.some((item) => item.id === page.cursor)) {
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
  }
  const sorted = [...all].sort((a, b) => a.id.localeCompare(b.id));
  const after = page.cursor === undefined ? sorted : sorted.filter((item) => item.id > (page.cursor ?? ""));
  const items = after.slice(0, page.limit);
  const last = items.at(-1);
  return { items, ...(after.length > page.limit && last ? { nextCursor: last.id } : {}) };
}

export class FakeWorkspaces implements WorkspaceRepository {
  readonly workspaces = new Map<string, Workspace>();

  async getWorkspace(workspaceId: string) {
    const workspace = this.workspaces.get(workspaceId);
    return workspace && structuredClone(workspace);
  }

  async createWorkspace(workspace: Workspace) {
    if (this.workspaces.has(workspace.id)) return false;
    this.workspaces.set(workspace.id, structuredClone(workspace));
    return true;
  }

  async renameWorkspace(workspaceId: string, name: string, updatedAt: string) {
    const stored = this.workspaces.get(workspaceId);
    if (!stored) return undefined;
    const next = { ...stored, name, updatedAt };
    this.workspaces.set(workspaceId, next);
    return structuredClone(next);
  }
}

export class FakeSources implements SourceStore {
  readonly sources = new Map<string, Source>();

  async putSource(source: Source) {
    const k = key(source.workspaceId, source.id);
    if (this.sources.has(k)) throw new Error(`source ${source.id} already exists`);
    this.sources.set(k, structuredClone(source));
  }

  async getSource(workspaceId: string, sourceId: string) {
    const source = this.sources.get(key(workspaceId, sourceId));
    return source && structuredClone(source);
  }

  async listSources(workspaceId: string, page: PageRequest) {
    const all = [...this.sources.values()].filter((s) => s.workspaceId === workspaceId);
    return structuredClone(paginate(all, page));
  }

  async updateSource(workspaceId: string, sourceId: string, changes: SourceChanges, updatedAt: string) {
    const k = key(workspaceId, sourceId);
    const stored = this.sources.get(k);
    if (!stored) return undefined;
    const next: Source = { ...stored, ...structuredClone(changes), updatedAt };
    this.sources.set(k, next);
    return structuredClone(next);
  }

  async markDebuggerWatched(workspaceId: string, sourceId: string, until: string, renewIfBefore: string) {
    const stored = this.sources.get(key(workspaceId, sourceId));
    if (
      !stored ||
      (stored.debuggerWatchedUntil !== undefined && stored.debuggerWatchedUntil >= renewIfBefore)
    )
      return false;
    stored.debuggerWatchedUntil = until;
    return true;
  }

  async deleteSource(workspaceId: string, sourceId: string) {
    return this.sources.delete(key(workspaceId, sourceId));
  }
}

interface StoredAdminKey extends ApiKeyRecord {
  workspaceId: string;
  keyHash: string;
}

interface StoredWriteKey extends ApiKeyRecord {
  owner: WriteKeyOwner;
  keyHash: string;
}

export class FakeKeyStore implements KeyStore {
  /** By hash: what the lookup items hold. */
  readonly adminKeys = new Map<string, StoredAdminKey>();
  readonly writeKeys = new Map<string, StoredWriteKey>();

  /** Bootstrap writes workspaces through the key store (see the port); share the fake to see them. */
  constructor(readonly workspaces: FakeWorkspaces = new FakeWorkspaces()) {}

  async findAdminKey(keyHash: string) {
    const found = this.adminKeys.get(keyHash);
    return found && !found.revokedAt ? { workspaceId: found.workspaceId } : undefined;
  }

  async findWriteKey(keyHash: string) {
    const found = this.writeKeys.get(keyHash);
    return found && !found.revokedAt ? structuredClone(found.owner) : undefined;
  }

  async ensureWorkspace(workspace: Workspace) {
    await this.workspaces.createWorkspace(workspace);
  }

  async putAdminKey(workspaceId: string, keyHash: string, record: ApiKeyRecord) {
    if (this.adminKeys.has(keyHash)) throw new Error("admin key already exists");
    this.adminKeys.set(keyHash, { ...structuredClone(record), workspaceId, keyHash });
  }

  async listAdminKeys(workspaceId: string, page: PageRequest) {
    const all = [...this.adminKeys.values()].filter((k) => k.workspaceId === workspaceId).map(toRecord);
    return paginate(all, page);
  }

  async revokeAdminKey(workspaceId: string, keyId: string, revokedAt: string): Promise<AdminKeyRevocation> {
    const all = [...this.adminKeys.values()].filter((k) => k.workspaceId === workspaceId);
    const target = all.find((k) => k.id === keyId);
    if (!target) return "not_found";
    if (target.revokedAt) return "revoked";
    if (all.filter((k) => !k.revokedAt).length <= 1) return "last_active";
    target.revokedAt = revokedAt;
    return "revoked";
  }

  async putWriteKey(owner: WriteKeyOwner, keyHash: string, record: ApiKeyRecord, maxActive: number) {
    if (this.writeKeys.has(keyHash)) throw new Error("write key already exists");
    if (this.activeWriteKeys(owner.workspaceId, owner.sourceId).length >= maxActive)
      return "limit_reached" as const;
    this.writeKeys.set(keyHash, { ...structuredClone(record), owner: structuredClone(owner), keyHash });
    return "created" as const;
  }

  async listWriteKeys(workspaceId: string, sourceId: string, page: PageRequest) {
    return paginate(this.keysOf(workspaceId, sourceId).map(toRecord), page);
  }

  async revokeWriteKey(workspaceId: string, sourceId: string, keyId: string, revokedAt: string) {
    const target = this.keysOf(workspaceId, sourceId).find((k) => k.id === keyId);
    if (!target) return "not_found" as const;
    target.revokedAt ??= revokedAt;
    return "revoked" as const;
  }

  async setWriteKeyPolicy(workspaceId: string, sourceId: string, policy: WriteKeyPolicy) {
    for (const stored of this.activeWriteKeys(workspaceId, sourceId))
      Object.assign(stored.owner, structuredClone(policy));
  }

  async deleteWriteKeys(workspaceId: string, sourceId: string) {
    for (const stored of this.keysOf(workspaceId, sourceId)) this.writeKeys.delete(stored.keyHash);
  }

  /** Test helper: the write keys of a source, as stored. */
  keysOf(workspaceId: string, sourceId: string): StoredWriteKey[] {
    return [...this.writeKeys.values()].filter(
      (k) => k.owner.workspaceId === workspaceId && k.owner.sourceId === sourceId,
    );
  }

  activeWriteKeys(workspaceId: string, sourceId: string): StoredWriteKey[] {
    return this.keysOf(workspaceId, sourceId).filter((k) => !k.revokedAt);
  }
}

function toRecord(stored: ApiKeyRecord): ApiKeyRecord {
  return {
    id: stored.id,
    prefix: stored.prefix,
    createdAt: stored.createdAt,
    ...(stored.revokedAt ? { revokedAt: stored.revokedAt } : {}),
  };
}

/** One set of access fakes wired together, as the adapters share one table. */
export function accessFakes() {
  const workspaces = new FakeWorkspaces();
  return { workspaces, keys: new FakeKeyStore(workspaces), sources: new FakeSources() };
}
