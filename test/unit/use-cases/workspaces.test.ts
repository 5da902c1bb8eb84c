import { beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../shared/domain/errors.js";
import { ForbiddenError } from "../../../shared/domain/forbidden-error.js";
import { authenticateAdmin } from "../../../shared/use-cases/authenticate.js";
import { ensureAdminKey } from "../../../shared/use-cases/bootstrap.js";
import {
  createWorkspace,
  getWorkspace,
  renameWorkspace,
  type WorkspaceDeps,
} from "../../../shared/use-cases/workspaces.js";
import { fixedClock } from "../../support/fakes.js";
import { accessFakes, type FakeKeyStore, type FakeWorkspaces } from "../../support/fakes-access.js";

const NOW = "2026-11-21T10:00:00.000Z";

let keys: FakeKeyStore;
let workspaces: FakeWorkspaces;
let deps: WorkspaceDeps;

beforeEach(async () => {
  ({ keys, workspaces } = accessFakes());
  deps = { keys, workspaces, clock: fixedClock(NOW) };
  await ensureAdminKey(deps, "default", "mk_admin_operator00000000000000000000");
});

describe("workspaces", () => {
  it("answers the caller's workspace as { id, name, createdAt }", async () => {
    await expect(getWorkspace(deps, "default")).resolves.toEqual({
      id: "default",
      name: "Default",
      createdAt: NOW,
    });
  });

  it("renames the caller's workspace", async () => {
    await expect(renameWorkspace(deps, "default", { name: "  Acme  " })).resolves.toEqual({
      id: "default",
      name: "Acme",
      createdAt: NOW,
    });
  });

  it.each([[{}], [{ name: "" }], [{ name: "x", operator: true }], ["Acme"]])(
    "refuses the body %j with 400",
    async (body) => {
      await expect(renameWorkspace(deps, "default", body)).rejects.toMatchObject({ statusCode: 400 });
      await expect(createWorkspace(deps, "default", body)).rejects.toMatchObject({ statusCode: 400 });
    },
  );

  it("creates a workspace and its first admin key for the operator workspace", async () => {
    const created = await createWorkspace(deps, "default", { name: "Tenant B" });

    expect(created).toEqual({
      workspace: { id: expect.any(String), name: "Tenant B", createdAt: NOW },
      adminKey: expect.stringMatching(/^mk_admin_/),
    });
    await expect(authenticateAdmin(keys, `Bearer ${created.adminKey}`)).resolves.toEqual({
      workspaceId: created.workspace.id,
    });
    expect(workspaces.workspaces.get(created.workspace.id)?.operator).toBe(false);
    expect((await keys.listAdminKeys(created.workspace.id, { limit: 50 })).items).toHaveLength(1);
  });

  it("refuses with 403 forbidden when a tenant workspace's key tries to create workspaces", async () => {
    const tenant = await createWorkspace(deps, "default", { name: "Tenant B" });

    const error = await createWorkspace(deps, tenant.workspace.id, { name: "Tenant C" }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ statusCode: 403, code: "forbidden" });
    expect(workspaces.workspaces.size).toBe(2);
  });

  it("answers 404 for a key whose workspace has no record", async () => {
    await expect(getWorkspace(deps, "ws_without_record")).rejects.toBeInstanceOf(NotFoundError);
    await expect(renameWorkspace(deps, "ws_without_record", { name: "x" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
