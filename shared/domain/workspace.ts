import * as z from "zod/mini";
import { idSchema, nameSchema } from "./primitives.js";

/** A tenant: every object belongs to exactly one, and an admin key sees only its own. */
export const workspaceSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  createdAt: z.iso.datetime(),
});
export type WorkspaceView = z.infer<typeof workspaceSchema>;

export interface Workspace extends WorkspaceView {
  updatedAt?: string;
  /**
   * The deployment's operator workspace (the one bootstrap creates): only its admin keys may create
   * other workspaces, so one tenant cannot mint more tenants.
   */
  operator: boolean;
}

/** Body of POST /v1/admin/workspaces and PATCH /v1/admin/workspace. */
export const workspaceInputSchema = z.strictObject({ name: nameSchema });

export { bootstrapWorkspaceName, OPERATOR_WORKSPACE_ID } from "./operator-workspace.js";

export function toWorkspaceView(workspace: Workspace): WorkspaceView {
  return { id: workspace.id, name: workspace.name, createdAt: workspace.createdAt };
}
