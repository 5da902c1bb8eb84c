import { beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { ConflictError, NotFoundError } from "../../../shared/domain/errors.js";
import { issueAdminKey, listAdminKeys, revokeAdminKey } from "../../../shared/use-cases/admin-keys.js";
import { authenticateAdmin } from "../../../shared/use-cases/authenticate.js";
import { ensureAdminKey } from "../../../shared/use-cases/bootstrap.js";
import { type FixedClock, fixedClock } from "../../support/fakes.js";
import { accessFakes, type FakeKeyStore } from "../../support/fakes-access.js";

const WS = "ws_1";
const SEED = "mk_admin_seed0000000000000000000000000";

let keys: FakeKeyStore;
let clock: FixedClock;

beforeEach(async () => {
  ({ keys } = accessFakes());
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  await ensureAdminKey({ keys, clock }, WS, SEED);
  await ensureAdminKey({ keys, clock }, "ws_2", "mk_admin_other000000000000000000000000");
});

const auth = (key: string) => authenticateAdmin(keys, `Bearer ${key}`);

describe("admin keys", () => {
  it("issues a key shown once that authenticates as the workspace, storing only its hash", async () => {
    const issued = await issueAdminKey({ keys, clock }, WS, undefined);

    expect(issued).toEqual({
      id: expect.any(String),
      prefix: issued.adminKey.slice(0, 13),
      createdAt: "2026-11-21T10:00:00.000Z",
      adminKey: expect.stringMatching(/^mk_admin_[A-Za-z0-9_-]{32}$/),
    });
    await expect(auth(issued.adminKey)).resolves.toEqual({ workspaceId: WS });
    expect(keys.adminKeys.has(hashApiKey(issued.adminKey))).toBe(true);
    expect(JSON.stringify([...keys.adminKeys.values()])).not.toContain(issued.adminKey);
  });

  it("lists the workspace's keys by prefix only, the seeded one included", async () => {
    const issued = await issueAdminKey({ keys, clock }, WS, {});

    const list = await listAdminKeys({ keys }, WS, {});

    expect(list.items.map((k) => k.prefix).sort()).toEqual(
      [issued.adminKey.slice(0, 13), SEED.slice(0, 13)].sort(),
    );
    expect(JSON.stringify(list)).not.toContain(issued.adminKey);
    expect(JSON.stringify(list)).not.toContain(SEED);
  });

  it("revokes a key: it stops authenticating, and the list shows when", async () => {
    await issueAdminKey({ keys, clock }, WS, undefined);
    const seeded = (await listAdminKeys({ keys }, WS, {})).items.find((k) => k.prefix === SEED.slice(0, 13));
    clock.advance(5000);

    await revokeAdminKey({ keys, clock }, WS, seeded?.id ?? "");

    await expect(auth(SEED)).rejects.toMatchObject({ statusCode: 401 });
    const after = (await listAdminKeys({ keys }, WS, {})).items.find((k) => k.id === seeded?.id);
    expect(after?.revokedAt).toBe("2026-11-21T10:00:05.000Z");
  });

  it("refuses to revoke the workspace's last active key with 409", async () => {
    const [only] = (await listAdminKeys({ keys }, WS, {})).items;

    const error = await revokeAdminKey({ keys, clock }, WS, only?.id ?? "").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/last active admin key/);
    await expect(auth(SEED)).resolves.toEqual({ workspaceId: WS });
  });

  it("answers 404 for another workspace's key and for an unknown id", async () => {
    const [theirs] = (await listAdminKeys({ keys }, "ws_2", {})).items;
    await issueAdminKey({ keys, clock }, "ws_2", undefined);

    await expect(revokeAdminKey({ keys, clock }, WS, theirs?.id ?? "")).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeAdminKey({ keys, clock }, WS, "a".repeat(300))).rejects.toBeInstanceOf(NotFoundError);
    await expect(auth("mk_admin_other000000000000000000000000")).resolves.toEqual({ workspaceId: "ws_2" });
  });

  it("refuses a body with options with 400", async () => {
    await expect(issueAdminKey({ keys, clock }, WS, { scope: "all" })).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
