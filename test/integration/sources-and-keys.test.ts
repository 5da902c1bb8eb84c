/**
 * Sources, write keys, admin keys and workspaces on the local stack, over HTTP only: what an admin
 * manages, and what ingestion then accepts or refuses (revoked keys, browser origins, tenants).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRITE_KEY_TRUST_MS } from "../../shared/adapters/write-key-cache.js";
import { apiClient, userTokenHeader } from "../support/local-api.js";
import { type SharedStack, sharedLocalStack } from "../support/shared-stack.js";
import { waitFor } from "../support/wait-for.js";

let stack: SharedStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  // The process's shared stack, seen from its operator (default) workspace: this file manages
  // workspaces and checks the default one. No other file acts in it (shared-stack.ts).
  stack = await sharedLocalStack({ operator: true });
  api = apiClient(stack.apiUrl);
});

afterAll(async () => {
  await stack?.stop();
});

interface SourceBody {
  id: string;
  name: string;
  allowedDomains: string[];
  requireUserToken: boolean;
  writeKey?: string;
  identitySecret?: string;
}
interface KeyBody {
  id: string;
  prefix: string;
  createdAt: string;
  revokedAt?: string;
  writeKey?: string;
  adminKey?: string;
}
interface ErrorBody {
  error: { code: string; message: string };
}

const anEvent = (n: number) => ({
  event: "page_viewed",
  accountId: "acct_1",
  messageId: `msg-${n}-${Date.now()}`,
});

/**
 * Ingestion trusts a write key it has checked for WRITE_KEY_TRUST_MS (per container; the local stack
 * is one): a revocation or a change of the source's policy shows within that bound, not at once.
 * The tests that wait for it (write keys, the debugger, browser origins, identity verification) each
 * use sources of their own, so those blocks run side by side (describe.concurrent): one bound's wait
 * for all of them, not one after another.
 */
/** Probes until the answer is `status`; answers every probe's status and when it was sent. */
async function statusWithinTrust(send: () => Promise<{ status: number }>, status: number, what: string) {
  const probes: Array<{ sentAt: number; status: number }> = [];
  await waitFor(
    async () => {
      const sentAt = Date.now();
      const answered = (await send()).status;
      probes.push({ sentAt, status: answered });
      return answered === status;
    },
    { timeoutMs: WRITE_KEY_TRUST_MS + 5_000, intervalMs: 200, description: what },
  );
  return probes;
}

async function createSource(body: Record<string, unknown>, key = stack.adminKey) {
  const created = await api<SourceBody>("POST", "/v1/admin/sources", { key, body });
  expect(created.status).toBe(201);
  return created.body;
}

describe("sources", () => {
  it("are created, listed, read, updated and deleted", async () => {
    const created = await createSource({ name: "Web app", allowedDomains: ["App.Acme.com"] });
    expect(created).toMatchObject({ name: "Web app", allowedDomains: ["app.acme.com"] });
    expect(created.writeKey).toMatch(/^mk_write_/);

    const list = await api<{ items: SourceBody[] }>("GET", "/v1/admin/sources?limit=200", {
      key: stack.adminKey,
    });
    expect(list.status).toBe(200);
    expect(list.body.items.map((s) => s.id)).toContain(created.id);
    expect(JSON.stringify(list.body)).not.toContain("mk_write_");

    const read = await api<SourceBody>("GET", `/v1/admin/sources/${created.id}`, { key: stack.adminKey });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty("writeKey");

    const patched = await api<SourceBody>("PATCH", `/v1/admin/sources/${created.id}`, {
      key: stack.adminKey,
      body: { name: "Marketing site", allowedDomains: ["*.acme.com"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Marketing site", allowedDomains: ["*.acme.com"] });

    const deleted = await api("DELETE", `/v1/admin/sources/${created.id}`, { key: stack.adminKey });
    expect(deleted.status).toBe(204);
    expect((await api("GET", `/v1/admin/sources/${created.id}`, { key: stack.adminKey })).status).toBe(404);
    // Its keys went with it.
    expect((await api("POST", "/v1/events", { key: created.writeKey, body: anEvent(0) })).status).toBe(401);
  });

  it("pages with limit and cursor, and refuses a malformed one with 400 naming it", async () => {
    for (let i = 0; i < 3; i++) await createSource({ name: `Paged ${i}` });
    const first = await api<{ items: SourceBody[]; nextCursor?: string }>(
      "GET",
      "/v1/admin/sources?limit=2",
      {
        key: stack.adminKey,
      },
    );
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api<{ items: SourceBody[] }>(
      "GET",
      `/v1/admin/sources?limit=2&cursor=${first.body.nextCursor}`,
      { key: stack.adminKey },
    );
    expect(second.status).toBe(200);
    expect(second.body.items[0]?.id).not.toBe(first.body.items[0]?.id);

    const badCursor = await api<{ error: { details: Array<{ path: string }> } }>(
      "GET",
      "/v1/admin/sources?cursor=bm90LWEtY3Vyc29y",
      { key: stack.adminKey },
    );
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0]?.path).toBe("cursor");
  });

  it("refuses to delete a source a running moment uses (409 naming it), and allows it once archived", async () => {
    const source = await createSource({ name: "Used" });
    const template = await api<{ id: string }>("POST", "/v1/admin/email-templates", {
      key: stack.adminKey,
      body: { name: "Hi", from: "anna@acme.com", subject: "Hi", text: "Hello" },
    });
    const moment = await api<{ id: string }>("POST", "/v1/admin/moments", {
      key: stack.adminKey,
      body: {
        name: "Welcome series",
        goal: "activate",
        sourceIds: [source.id],
        start: { event: "signed_up" },
        steps: [
          {
            id: "hi",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: template.body.id },
          },
        ],
      },
    });
    expect(moment.status).toBe(201);
    const started = await api("POST", `/v1/admin/moments/${moment.body.id}/status`, {
      key: stack.adminKey,
      body: { status: "running" },
    });
    expect(started.status).toBe(200);

    const refused = await api<ErrorBody>("DELETE", `/v1/admin/sources/${source.id}`, { key: stack.adminKey });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Welcome series");
    expect((await api("POST", "/v1/events", { key: source.writeKey, body: anEvent(1) })).status).toBe(202);

    await api("POST", `/v1/admin/moments/${moment.body.id}/status`, {
      key: stack.adminKey,
      body: { status: "archived" },
    });
    expect((await api("DELETE", `/v1/admin/sources/${source.id}`, { key: stack.adminKey })).status).toBe(204);
  });
});

describe.concurrent("write keys", () => {
  it("are issued once, listed without the secret, and stop working within the trust bound once revoked", async () => {
    const source = await createSource({ name: "Rotating" });
    // In use, so ingestion holds it as valid when it is revoked.
    expect((await api("POST", "/v1/events", { key: source.writeKey, body: anEvent(1) })).status).toBe(202);
    const issued = await api<KeyBody>("POST", `/v1/admin/sources/${source.id}/write-keys`, {
      key: stack.adminKey,
    });
    expect(issued.status).toBe(201);
    const newKey = issued.body.writeKey ?? "";
    expect(newKey).toMatch(/^mk_write_/);
    expect(issued.body.prefix).toBe(newKey.slice(0, 13));

    const list = await api<{ items: KeyBody[] }>("GET", `/v1/admin/sources/${source.id}/write-keys`, {
      key: stack.adminKey,
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    for (const item of list.body.items)
      expect(Object.keys(item).sort()).toEqual(["createdAt", "id", "prefix"]);
    expect(JSON.stringify(list.body)).not.toContain(newKey);
    expect(JSON.stringify(list.body)).not.toContain(source.writeKey);
    const original = list.body.items.find((k) => k.id !== issued.body.id);

    const revoked = await api("DELETE", `/v1/admin/sources/${source.id}/write-keys/${original?.id}`, {
      key: stack.adminKey,
    });
    expect(revoked.status).toBe(204);
    const revokedAt = Date.now();
    const probes = await statusWithinTrust(
      () => api("POST", "/v1/events", { key: source.writeKey, body: anEvent(2) }),
      401,
      "the revoked key to be refused",
    );
    // The bound, whatever the machine's load: no request sent once it had passed was let through.
    expect(probes.filter((p) => p.sentAt - revokedAt > WRITE_KEY_TRUST_MS && p.status !== 401)).toEqual([]);
    // The new key was never used: it works at once.
    expect((await api("POST", "/v1/events", { key: newKey, body: anEvent(3) })).status).toBe(202);

    const after = await api<{ items: KeyBody[] }>("GET", `/v1/admin/sources/${source.id}/write-keys`, {
      key: stack.adminKey,
    });
    expect(after.body.items.find((k) => k.id === original?.id)?.revokedAt).toEqual(expect.any(String));
    // Revoking again changes nothing; an unknown key is a 404.
    expect(
      (
        await api("DELETE", `/v1/admin/sources/${source.id}/write-keys/${original?.id}`, {
          key: stack.adminKey,
        })
      ).status,
    ).toBe(204);
    expect(
      (await api("DELETE", `/v1/admin/sources/${source.id}/write-keys/01unknownkey`, { key: stack.adminKey }))
        .status,
    ).toBe(404);
  });

  it("allows at most 5 active keys per source: the 6th is a 409, and revoking one makes room", async () => {
    const source = await createSource({ name: "Crowded" });
    for (let i = 0; i < 4; i++) {
      expect(
        (await api("POST", `/v1/admin/sources/${source.id}/write-keys`, { key: stack.adminKey })).status,
      ).toBe(201);
    }
    const sixth = await api<ErrorBody>("POST", `/v1/admin/sources/${source.id}/write-keys`, {
      key: stack.adminKey,
    });
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.message).toMatch(/at most 5 active write keys/);

    const list = await api<{ items: KeyBody[] }>("GET", `/v1/admin/sources/${source.id}/write-keys`, {
      key: stack.adminKey,
    });
    expect(list.body.items).toHaveLength(5);
    await api("DELETE", `/v1/admin/sources/${source.id}/write-keys/${list.body.items[0]?.id}`, {
      key: stack.adminKey,
    });
    expect(
      (await api("POST", `/v1/admin/sources/${source.id}/write-keys`, { key: stack.adminKey })).status,
    ).toBe(201);
  });
  it("holds the limit under concurrent requests: of 5 issued at once on a source with 1 key, exactly 4 succeed", async () => {
    const source = await createSource({ name: "Raced" });

    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        api("POST", `/v1/admin/sources/${source.id}/write-keys`, { key: stack.adminKey }).then(
          (r) => r.status,
        ),
      ),
    );

    expect(statuses.sort()).toEqual([201, 201, 201, 201, 409]);
    const list = await api<{ items: KeyBody[] }>("GET", `/v1/admin/sources/${source.id}/write-keys`, {
      key: stack.adminKey,
    });
    expect(list.body.items).toHaveLength(5);
  });
});

describe.concurrent("the debugger", () => {
  interface DebuggerBody {
    counts: { accepted: number; rejected: number };
    items: Array<{ verdict: string; messageId?: string; reason?: { code: string } }>;
    sampling: { until: string };
  }
  const readDebugger = async (sourceId: string) => {
    const read = await api<DebuggerBody>("GET", `/v1/admin/sources/${sourceId}/debugger`, {
      key: stack.adminKey,
    });
    expect(read.status).toBe(200);
    return read.body;
  };
  const batchOf = (n: number) => ({
    batch: [
      { type: "track", event: "page_viewed", accountId: "acct_1", messageId: `acc-${n}-${Date.now()}` },
      { type: "track", accountId: "acct_1", messageId: `rej-${n}-${Date.now()}` },
    ],
  });

  it("keeps accepted items only after it is opened (within the key's trust), rejected ones always; counts both", async () => {
    // Prepare: traffic before anyone looks (the key is then held by ingestion, unwatched)
    const source = await createSource({ name: "Debugged" });
    const before = batchOf(1);
    expect((await api("POST", "/v1/batch", { key: source.writeKey, body: before })).status).toBe(202);

    // Act: open the debugger, then keep sending until an accepted item is kept
    const openedAt = Date.now();
    const opened = await readDebugger(source.id);
    const sent: string[] = [];
    let watched: DebuggerBody | undefined;
    await waitFor(
      async () => {
        const body = batchOf(sent.length + 2);
        sent.push(body.batch[0]?.messageId ?? "");
        expect((await api("POST", "/v1/batch", { key: source.writeKey, body })).status).toBe(202);
        watched = await readDebugger(source.id);
        return watched.items.some((item) => item.verdict === "accepted");
      },
      { timeoutMs: WRITE_KEY_TRUST_MS + 5_000, intervalMs: 200, description: "an accepted item to be kept" },
    );

    // Assess: before opening, the rejected item was kept and the accepted one only counted
    expect(opened.counts).toEqual({ accepted: 1, rejected: 1 });
    expect(opened.items.map((item) => [item.verdict, item.reason?.code])).toEqual([
      ["rejected", "invalid_request"],
    ]);
    expect(Date.parse(opened.sampling.until) - openedAt).toBeGreaterThan(4 * 60_000);
    // After: the accepted items kept are ones sent after the debugger was opened, never the first
    const kept = watched?.items.filter((item) => item.verdict === "accepted").map((item) => item.messageId);
    expect(kept?.length).toBeGreaterThan(0);
    expect(kept?.every((id) => sent.includes(id ?? ""))).toBe(true);
    expect(watched?.items.filter((item) => item.verdict === "rejected")).toHaveLength(sent.length + 1);
    expect(watched?.sampling.until).toBe(opened.sampling.until);
  });

  it("is marked watched once when opened in several places at once: every reader answers the same mark", async () => {
    const source = await createSource({ name: "Opened twice" });

    const reads = await Promise.all(Array.from({ length: 5 }, () => readDebugger(source.id)));

    const marks = new Set(reads.map((read) => read.sampling.until));
    expect(marks.size).toBe(1);
    // And the source's view does not change: watching is not editing.
    const view = await api<{ updatedAt: string; createdAt: string }>(
      "GET",
      `/v1/admin/sources/${source.id}`,
      {
        key: stack.adminKey,
      },
    );
    expect(view.body.updatedAt).toBe(view.body.createdAt);
    expect(Object.keys(view.body)).not.toContain("debuggerWatchedUntil");
  });
});

describe.concurrent("browser origins", () => {
  it("refuses an origin the source does not allow with 403, and answers an allowed one with CORS headers", async () => {
    const source = await createSource({
      name: "Storefront",
      allowedDomains: ["shop.acme.com", "*.preview.acme.com"],
    });

    const evil = await api<ErrorBody>("POST", "/v1/events", {
      key: source.writeKey,
      body: anEvent(4),
      headers: { origin: "https://evil.com" },
    });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe("origin_not_allowed");

    const response = await fetch(new URL("/v1/events", stack.apiUrl), {
      method: "POST",
      headers: {
        authorization: `Bearer ${source.writeKey}`,
        "content-type": "application/json",
        origin: "https://pr-7.preview.acme.com",
        ...userTokenHeader(source.identitySecret ?? "", "acct_1"),
      },
      body: JSON.stringify(anEvent(5)),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://pr-7.preview.acme.com");
    expect(response.headers.get("vary")?.toLowerCase()).toContain("origin");

    // Servers send no Origin and are not subject to the list.
    expect((await api("POST", "/v1/events", { key: source.writeKey, body: anEvent(6) })).status).toBe(202);
  });

  it("applies a change of allowedDomains to existing keys within the trust bound", async () => {
    const change = async (from: string[], to: string[], expected: number) => {
      const source = await createSource({ name: "Moving", allowedDomains: from });
      const send = () =>
        api("POST", "/v1/events", {
          key: source.writeKey,
          body: anEvent(7),
          headers: {
            origin: "https://app.acme.com",
            ...userTokenHeader(source.identitySecret ?? "", "acct_1"),
          },
        });
      expect((await send()).status).toBe(expected === 202 ? 403 : 202);
      await api("PATCH", `/v1/admin/sources/${source.id}`, {
        key: stack.adminKey,
        body: { allowedDomains: to },
      });
      await statusWithinTrust(send, expected, `the origin to be ${expected === 202 ? "allowed" : "refused"}`);
    };

    // Both ways at once: each waits for the same bound.
    await Promise.all([change([], ["app.acme.com"], 202), change(["app.acme.com"], [], 403)]);
  });
});

describe.concurrent("identity verification", () => {
  const origin = "https://app.acme.com";
  const identify = (source: SourceBody, headers: Record<string, string>, accountId = "acct_victim") =>
    api<ErrorBody>("POST", "/v1/identify", {
      key: source.writeKey,
      body: { accountId, traits: { email: "attacker@evil.example" } },
      headers: { origin, ...headers },
    });

  it("a browser changes an account's traits only with that account's token; servers need the key only", async () => {
    const source = await createSource({ name: "Verified", allowedDomains: ["app.acme.com"] });
    expect(source.requireUserToken).toBe(true);
    const secret = source.identitySecret ?? "";

    expect((await identify(source, {})).status).toBe(401);
    expect((await identify(source, userTokenHeader(secret, "acct_attacker"))).status).toBe(401);
    const wrong = await identify(source, { "x-moments-user-token": "0".repeat(64) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual({
      code: "unauthorized",
      message: "Send a valid user token for this accountId and userId as X-Moments-User-Token",
    });
    expect((await identify(source, userTokenHeader(secret, "acct_victim"))).status).toBe(202);
    const server = await api("POST", "/v1/identify", {
      key: source.writeKey,
      body: { accountId: "acct_victim", traits: { plan: "pro" } },
    });
    expect(server.status).toBe(202);

    // An existing source can turn the requirement off (documented for sources created before it).
    await api("PATCH", `/v1/admin/sources/${source.id}`, {
      key: stack.adminKey,
      body: { requireUserToken: false },
    });
    await statusWithinTrust(() => identify(source, {}), 202, "user tokens to be no longer required");
  });

  it("rotates the secret through the admin API, shown once; the previous one still verifies for a day", async () => {
    const source = await createSource({ name: "Rotating", allowedDomains: ["app.acme.com"] });
    const rotated = await api<{ identitySecret: string; previousIdentitySecretValidUntil: string }>(
      "POST",
      `/v1/admin/sources/${source.id}/identity-secret`,
      { key: stack.adminKey },
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.identitySecret).toMatch(/^mk_idv_/);
    expect(rotated.body.identitySecret).not.toBe(source.identitySecret);

    expect((await identify(source, userTokenHeader(rotated.body.identitySecret, "acct_victim"))).status).toBe(
      202,
    );
    expect((await identify(source, userTokenHeader(source.identitySecret ?? "", "acct_victim"))).status).toBe(
      202,
    );
    const shown = await api("GET", `/v1/admin/sources/${source.id}`, { key: stack.adminKey });
    expect(shown.body).toMatchObject({
      identitySecretIssuedAt: expect.any(String),
      previousIdentitySecretValidUntil: rotated.body.previousIdentitySecretValidUntil,
    });
    expect(JSON.stringify(shown.body)).not.toContain("mk_idv_");
    expect(
      (
        await api("POST", "/v1/admin/sources/01m7yrrt805zztn33y1wrtq78k/identity-secret", {
          key: stack.adminKey,
        })
      ).status,
    ).toBe(404);
  });
});

describe("admin keys", () => {
  it("are issued once, listed without the secret, revoked, and the last one cannot be revoked", async () => {
    // A workspace of its own, so this test knows every key in it.
    const created = await api<{ workspace: { id: string }; adminKey: string }>(
      "POST",
      "/v1/admin/workspaces",
      {
        key: stack.adminKey,
        body: { name: "Key test" },
      },
    );
    expect(created.status).toBe(201);
    const firstKey = created.body.adminKey;

    const issued = await api<KeyBody>("POST", "/v1/admin/admin-keys", { key: firstKey });
    expect(issued.status).toBe(201);
    const secondKey = issued.body.adminKey ?? "";
    expect(secondKey).toMatch(/^mk_admin_/);

    const list = await api<{ items: KeyBody[] }>("GET", "/v1/admin/admin-keys", { key: secondKey });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(firstKey);
    expect(JSON.stringify(list.body)).not.toContain(secondKey);
    const first = list.body.items.find((k) => k.id !== issued.body.id);
    expect(first?.prefix).toBe(firstKey.slice(0, 13));

    expect((await api("DELETE", `/v1/admin/admin-keys/${first?.id}`, { key: secondKey })).status).toBe(204);
    expect((await api("GET", "/v1/admin/admin-keys", { key: firstKey })).status).toBe(401);

    const last = await api<ErrorBody>("DELETE", `/v1/admin/admin-keys/${issued.body.id}`, { key: secondKey });
    expect(last.status).toBe(409);
    expect((await api("GET", "/v1/admin/workspace", { key: secondKey })).status).toBe(200);
  });

  it("never lets concurrent revocations leave a workspace without an active admin key", async () => {
    const created = await api<{ adminKey: string }>("POST", "/v1/admin/workspaces", {
      key: stack.adminKey,
      body: { name: "Raced keys" },
    });
    const first = created.body.adminKey;
    const second = (await api<KeyBody>("POST", "/v1/admin/admin-keys", { key: first })).body.adminKey ?? "";
    const ids = (
      await api<{ items: KeyBody[] }>("GET", "/v1/admin/admin-keys", { key: first })
    ).body.items.map((k) => k.id);

    const statuses = await Promise.all(
      ids.map((id, i) =>
        api("DELETE", `/v1/admin/admin-keys/${id}`, { key: i === 0 ? first : second }).then((r) => r.status),
      ),
    );

    expect(statuses.sort()).toEqual([204, 409]);
    const stillWorking = await Promise.all(
      [first, second].map((key) => api("GET", "/v1/admin/workspace", { key }).then((r) => r.status)),
    );
    expect(stillWorking.sort()).toEqual([200, 401]);
  });

  it("lists the seeded admin key of the default workspace", async () => {
    const list = await api<{ items: KeyBody[] }>("GET", "/v1/admin/admin-keys", { key: stack.adminKey });
    expect(list.body.items.map((k) => k.prefix)).toContain(stack.adminKey.slice(0, 13));
  });
});

describe("workspaces", () => {
  it("answers the caller's workspace and renames it", async () => {
    const mine = await api<{ id: string; name: string }>("GET", "/v1/admin/workspace", {
      key: stack.adminKey,
    });
    expect(mine).toEqual({
      status: 200,
      body: { id: "default", name: "Default", createdAt: expect.any(String) },
    });

    const created = await api<{ adminKey: string }>("POST", "/v1/admin/workspaces", {
      key: stack.adminKey,
      body: { name: "Renamed later" },
    });
    const renamed = await api("PATCH", "/v1/admin/workspace", {
      key: created.body.adminKey,
      body: { name: "Acme" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Acme" });
    expect((await api("GET", "/v1/admin/workspace", { key: stack.adminKey })).body).toMatchObject({
      name: "Default",
    });
  });

  it("isolates a new workspace: neither sees the other's sources, and only the operator creates workspaces", async () => {
    const created = await api<{ workspace: { id: string; name: string }; adminKey: string }>(
      "POST",
      "/v1/admin/workspaces",
      { key: stack.adminKey, body: { name: "Tenant B" } },
    );
    expect(created.status).toBe(201);
    expect(created.body.workspace).toMatchObject({ name: "Tenant B" });
    const keyB = created.body.adminKey;
    expect(keyB).toMatch(/^mk_admin_/);

    const sourceA = await createSource({ name: "A's source" });
    const sourceB = await createSource({ name: "B's source" }, keyB);

    expect((await api("GET", `/v1/admin/sources/${sourceA.id}`, { key: keyB })).status).toBe(404);
    expect((await api("GET", `/v1/admin/sources/${sourceB.id}`, { key: stack.adminKey })).status).toBe(404);
    expect(
      (await api("PATCH", `/v1/admin/sources/${sourceA.id}`, { key: keyB, body: { name: "mine now" } }))
        .status,
    ).toBe(404);
    expect((await api("DELETE", `/v1/admin/sources/${sourceA.id}`, { key: keyB })).status).toBe(404);
    expect((await api("GET", `/v1/admin/sources/${sourceA.id}/write-keys`, { key: keyB })).status).toBe(404);
    const listB = await api<{ items: SourceBody[] }>("GET", "/v1/admin/sources", { key: keyB });
    expect(listB.body.items.map((s) => s.id)).toEqual([sourceB.id]);
    const keysA = await api<{ items: KeyBody[] }>("GET", "/v1/admin/admin-keys", { key: stack.adminKey });
    expect(
      (await api("DELETE", `/v1/admin/admin-keys/${keysA.body.items[0]?.id}`, { key: keyB })).status,
    ).toBe(404);
    expect((await api("GET", "/v1/admin/workspace", { key: keyB })).body).toMatchObject({
      id: created.body.workspace.id,
      name: "Tenant B",
    });

    const minted = await api<ErrorBody>("POST", "/v1/admin/workspaces", {
      key: keyB,
      body: { name: "Tenant C" },
    });
    expect(minted.status).toBe(403);
    expect(minted.body.error.code).toBe("forbidden");
  });
});
