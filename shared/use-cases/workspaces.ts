import { issueApiKey } from "../domain/api-keys.js";
import { ConflictError, NotFoundError } from "../domain/errors.js";
import { ForbiddenError } from "../domain/forbidden-error.js";
import { newId } from "../domain/ids.js";
import { parseOrThrow } from "../domain/validation.js";
import { toWorkspaceView, type Workspace, workspaceInputSchema } from "../domain/workspace.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";
import type { WorkspaceRepository } from "../ports/workspaces.js";

export interface WorkspaceDeps {
  workspaces: WorkspaceRepository;
  keys: KeyStore;
  clock: Clock;
}

/** The caller's own workspace: the only one an admin key ever sees. */
export async function getWorkspace(deps: Pick<WorkspaceDeps, "workspaces">, workspaceId: string) {
  return toWorkspaceView(await findWorkspace(deps, workspaceId));
}

export async function renameWorkspace(
  deps: Pick<WorkspaceDeps, "workspaces" | "clock">,
  workspaceId: string,
  body: unknown,
) {
  const { name } = parseOrThrow(workspaceInputSchema, body);
  const updated = await deps.workspaces.renameWorkspace(workspaceId, name, deps.clock.now().toISOString());
  if (!updated) throw notFound();
  return toWorkspaceView(updated);
}

/**
 * Creates a new, empty workspace and its first admin key (returned only here). Only the operator
 * workspace's admin keys may: a tenant's key creating workspaces would let any tenant mint tenants
 * (and sidestep whatever the operator bills or limits per workspace). A 403, not a 404: this is a
 * permission the caller lacks, not another tenant's object.
 */
export async function createWorkspace(deps: WorkspaceDeps, callerWorkspaceId: string, body: unknown) {
  const { name } = parseOrThrow(workspaceInputSchema, body);
  const caller = await deps.workspaces.getWorkspace(callerWorkspaceId);
  if (!caller?.operator) {
    throw new ForbiddenError("Only admin keys of the deployment's operator workspace may create workspaces");
  }
  const now = deps.clock.now();
  const workspace: Workspace = {
    id: newId(now.getTime()),
    name,
    createdAt: now.toISOString(),
    operator: false,
  };
  // Ids are fresh: meeting an existing workspace would mean a broken id generator.
  if (!(await deps.workspaces.createWorkspace(workspace))) {
    throw new ConflictError("A workspace with that id already exists; try again");
  }
  const issued = issueApiKey("admin", now);
  await deps.keys.putAdminKey(workspace.id, issued.hash, issued.record);
  return { workspace: toWorkspaceView(workspace), adminKey: issued.secret };
}

async function findWorkspace(deps: Pick<WorkspaceDeps, "workspaces">, workspaceId: string) {
  const workspace = await deps.workspaces.getWorkspace(workspaceId);
  // Only for keys that predate workspace records and were never re-seeded.
  if (!workspace) throw notFound();
  return workspace;
}

function notFound() {
  return new NotFoundError("This key's workspace has no record; run the admin key bootstrap again");
}
