/**
 * The deployment's operator workspace. Apart from workspace.ts and its schemas: the bootstrap
 * function needs only these, and then builds no zod schema at all at its cold start (esbuild keeps
 * every module-level zod call of a module that is imported). workspace.ts re-exports them.
 */

/** The workspace a deployment bootstraps (first admin key on AWS, the seeded key locally). */
export const OPERATOR_WORKSPACE_ID = "default";

/** The name bootstrap gives a workspace it creates: "Default" for "default", else its id. */
export function bootstrapWorkspaceName(workspaceId: string): string {
  return workspaceId === OPERATOR_WORKSPACE_ID ? "Default" : workspaceId;
}
