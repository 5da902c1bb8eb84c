import type { Workspace } from "../domain/workspace.js";

export interface WorkspaceRepository {
  getWorkspace(workspaceId: string): Promise<Workspace | undefined>;
  /** Creates the workspace unless one with its id exists; false (and nothing changed) if one does. */
  createWorkspace(workspace: Workspace): Promise<boolean>;
  /** Renames the workspace if it exists; the updated workspace, or undefined when there is none. */
  renameWorkspace(workspaceId: string, name: string, updatedAt: string): Promise<Workspace | undefined>;
}
