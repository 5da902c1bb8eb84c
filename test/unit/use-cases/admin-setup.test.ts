import { beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { ServiceUnavailableError, UnauthorizedError } from "../../../shared/domain/errors.js";
import { authenticateAdmin, authenticateWriteKey } from "../../../shared/use-cases/authenticate.js";
import { ensureAdminKey } from "../../../shared/use-cases/bootstrap.js";
import { createEmailTemplate } from "../../../shared/use-cases/email-templates.js";
import { createSource } from "../../../shared/use-cases/sources.js";
import { configRepos, FakeConfigRepository, fixedClock } from "../../support/fakes.js";
import {
  accessFakes,
  type FakeKeyStore,
  type FakeSources,
  type FakeWorkspaces,
} from "../../support/fakes-access.js";

const NOW = "2026-11-21T10:00:00.000Z";
const clock = fixedClock(NOW);

let keys: FakeKeyStore;
let sources: FakeSources;
let workspaces: FakeWorkspaces;

beforeEach(() => {
  ({ keys, sources, workspaces } = accessFakes());
});

describe("createSource", () => {
  it("stores the source and a write key that authenticates as that source, with its allowedDomains", async () => {
    // Act
    const created = await createSource({ sources, keys, clock }, "ws_1", {
      name: "Web app",
      allowedDomains: ["app.acme.com"],
    });

    // Assess
    expect(created).toMatchObject({ name: "Web app", allowedDomains: ["app.acme.com"], createdAt: NOW });
    expect(created.writeKey).toMatch(/^mk_write_/);
    expect(await sources.getSource("ws_1", created.id)).toMatchObject({
      workspaceId: "ws_1",
      name: "Web app",
    });
    await expect(authenticateWriteKey(keys, `Bearer ${created.writeKey}`)).resolves.toEqual({
      workspaceId: "ws_1",
      sourceId: created.id,
      allowedDomains: ["app.acme.com"],
      requireUserToken: true,
      identitySecrets: [{ secret: created.identitySecret }],
    });
  });

  it("keeps only the hash of the write key, and a listable record with its prefix", async () => {
    const created = await createSource({ sources, keys, clock }, "ws_1", { name: "Web app" });

    expect([...keys.writeKeys.keys()]).toEqual([hashApiKey(created.writeKey)]);
    expect(JSON.stringify([...keys.writeKeys.values()])).not.toContain(created.writeKey);
    const page = await keys.listWriteKeys("ws_1", created.id, { limit: 50 });
    expect(page.items).toEqual([
      { id: expect.any(String), prefix: created.writeKey.slice(0, 13), createdAt: NOW },
    ]);
  });

  it("refuses an invalid body with 400 and stores nothing", async () => {
    await expect(createSource({ sources, keys, clock }, "ws_1", { name: "" })).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(sources.sources.size).toBe(0);
    expect(keys.writeKeys.size).toBe(0);
  });
});

describe("createEmailTemplate", () => {
  it("stores the template and answers it without its workspace", async () => {
    const config = new FakeConfigRepository();
    const view = await createEmailTemplate({ ...configRepos(config), clock }, "ws_1", {
      name: "Welcome",
      from: "anna@acme.com",
      subject: "Hi",
      text: "Hello",
    });

    expect(view).not.toHaveProperty("workspaceId");
    expect(view).toMatchObject({ name: "Welcome", createdAt: NOW, updatedAt: NOW });
    expect(await config.getEmailTemplate("ws_1", view.id)).toMatchObject({ workspaceId: "ws_1" });
  });
});

describe("authenticateAdmin", () => {
  beforeEach(async () => {
    await keys.putAdminKey("ws_1", hashApiKey("mk_admin_secret"), {
      id: "k1",
      prefix: "mk_admin_secr",
      createdAt: NOW,
    });
  });

  it("answers the key's workspace", async () => {
    await expect(authenticateAdmin(keys, "Bearer mk_admin_secret")).resolves.toEqual({ workspaceId: "ws_1" });
  });

  it.each([
    ["no header", undefined, /Send an admin key/],
    ["another scheme", "Basic mk_admin_secret", /Send an admin key/],
    ["an unknown key", "Bearer mk_admin_other", /Unknown or revoked/],
  ])("refuses %s with 401", async (_label, header, message) => {
    const error = await authenticateAdmin(keys, header).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(message);
  });

  it("does not accept a write key as an admin key", async () => {
    await keys.putWriteKey(
      { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: [] },
      hashApiKey("mk_write_k"),
      { id: "w1", prefix: "mk_write_k", createdAt: NOW },
      5,
    );

    await expect(authenticateAdmin(keys, "Bearer mk_write_k")).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("answers 503, not 401 or 500, when the key store cannot be read", async () => {
    keys.findAdminKey = () =>
      Promise.reject(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));

    const error = await authenticateAdmin(keys, "Bearer mk_admin_secret").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toMatch(
      /admin key could not be checked right now \(ThrottlingException\)/,
    );
  });
});

describe("ensureAdminKey", () => {
  it("stores the key's hash and a listable record the first time", async () => {
    await ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed0000");

    expect(keys.adminKeys.get(hashApiKey("mk_admin_seed0000"))).toMatchObject({
      workspaceId: "ws_1",
      createdAt: NOW,
    });
    const page = await keys.listAdminKeys("ws_1", { limit: 50 });
    expect(page.items).toEqual([{ id: expect.any(String), prefix: "mk_admin_seed", createdAt: NOW }]);
  });

  it('creates the operator workspace "Default" for "default", and a plain workspace named by its id otherwise', async () => {
    await ensureAdminKey({ keys, clock }, "default", "mk_admin_seed0000");
    await ensureAdminKey({ keys, clock }, "ws_2", "mk_admin_other000");

    expect(workspaces.workspaces.get("default")).toEqual({
      id: "default",
      name: "Default",
      createdAt: NOW,
      operator: true,
    });
    expect(workspaces.workspaces.get("ws_2")).toEqual({
      id: "ws_2",
      name: "ws_2",
      createdAt: NOW,
      operator: false,
    });
  });

  it("leaves an existing workspace as it is", async () => {
    await workspaces.createWorkspace({
      id: "default",
      name: "Acme",
      createdAt: "2026-01-01T00:00:00.000Z",
      operator: true,
    });

    await ensureAdminKey({ keys, clock }, "default", "mk_admin_seed0000");

    expect(workspaces.workspaces.get("default")?.name).toBe("Acme");
  });

  it("does nothing when the key already belongs to the workspace", async () => {
    await ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed0000");

    await expect(ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed0000")).resolves.toBeUndefined();
    expect(keys.adminKeys.size).toBe(1);
  });

  it("refuses a key that belongs to another workspace", async () => {
    await ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed0000");

    await expect(ensureAdminKey({ keys, clock }, "ws_2", "mk_admin_seed0000")).rejects.toThrow(
      /another workspace/,
    );
    expect(workspaces.workspaces.has("ws_2")).toBe(false);
  });
});
