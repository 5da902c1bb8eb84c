import { beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { UnauthorizedError } from "../../../shared/domain/errors.js";
import { authenticateAdmin, authenticateWriteKey } from "../../../shared/use-cases/authenticate.js";
import { ensureAdminKey } from "../../../shared/use-cases/bootstrap.js";
import { createEmailTemplate } from "../../../shared/use-cases/email-templates.js";
import { createSource } from "../../../shared/use-cases/sources.js";
import { configRepos, FakeConfigRepository, FakeKeyStore, fixedClock } from "../../support/fakes.js";

const NOW = "2026-11-21T10:00:00.000Z";
const clock = fixedClock(NOW);

let keys: FakeKeyStore;
let config: FakeConfigRepository;

beforeEach(() => {
  keys = new FakeKeyStore();
  config = new FakeConfigRepository();
});

describe("createSource", () => {
  it("stores the source and a write key that authenticates as that source", async () => {
    // Act
    const created = await createSource({ sources: config, keys, clock }, "ws_1", { name: "Web app" });

    // Assess
    expect(created).toMatchObject({ name: "Web app", allowedDomains: [], createdAt: NOW });
    expect(created.writeKey).toMatch(/^mk_write_/);
    expect(await config.getSource("ws_1", created.id)).toMatchObject({
      workspaceId: "ws_1",
      name: "Web app",
    });
    await expect(authenticateWriteKey(keys, `Bearer ${created.writeKey}`)).resolves.toEqual({
      workspaceId: "ws_1",
      sourceId: created.id,
    });
  });

  it("keeps only the hash of the write key", async () => {
    const created = await createSource({ sources: config, keys, clock }, "ws_1", { name: "Web app" });

    expect([...keys.writeKeys.keys()]).toEqual([hashApiKey(created.writeKey)]);
    expect(JSON.stringify([...keys.writeKeys.values()])).not.toContain(created.writeKey);
  });

  it("refuses an invalid body with 400 and stores nothing", async () => {
    await expect(createSource({ sources: config, keys, clock }, "ws_1", { name: "" })).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(config.sources.size).toBe(0);
    expect(keys.writeKeys.size).toBe(0);
  });
});

describe("createEmailTemplate", () => {
  it("stores the template and answers it without its workspace", async () => {
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
    await keys.putAdminKey(hashApiKey("mk_admin_secret"), "ws_1", NOW);
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
    await keys.putWriteKey(hashApiKey("mk_write_k"), { workspaceId: "ws_1", sourceId: "src_1" }, NOW);

    await expect(authenticateAdmin(keys, "Bearer mk_write_k")).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe("ensureAdminKey", () => {
  it("stores the key's hash the first time", async () => {
    await ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed");

    expect(keys.adminKeys.get(hashApiKey("mk_admin_seed"))).toEqual({ workspaceId: "ws_1", createdAt: NOW });
  });

  it("does nothing when the key already belongs to the workspace", async () => {
    await ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed");

    await expect(ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed")).resolves.toBeUndefined();
    expect(keys.adminKeys.size).toBe(1);
  });

  it("refuses a key that belongs to another workspace", async () => {
    await ensureAdminKey({ keys, clock }, "ws_1", "mk_admin_seed");

    await expect(ensureAdminKey({ keys, clock }, "ws_2", "mk_admin_seed")).rejects.toThrow(
      /another workspace/,
    );
  });
});
