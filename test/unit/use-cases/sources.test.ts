import { beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { ConflictError, NotFoundError, ValidationError } from "../../../shared/domain/errors.js";
import { jsonBytes } from "../../../shared/domain/response-budget.js";
import { computeUserToken } from "../../../shared/domain/user-token.js";
import { authenticateUser, authenticateWriteKey } from "../../../shared/use-cases/authenticate.js";
import {
  createSource,
  deleteSource,
  getSource,
  issueWriteKey,
  listSources,
  listWriteKeys,
  revokeWriteKey,
  rotateIdentitySecret,
  type SourceDeps,
  sourceDebugger,
  updateSource,
} from "../../../shared/use-cases/sources.js";
import { aMoment, FakeConfigRepository, type FixedClock, fixedClock } from "../../support/fakes.js";
import { accessFakes, type FakeKeyStore, type FakeSources } from "../../support/fakes-access.js";
import { FakeIngestDebugger } from "../../support/fakes-ingestion.js";

const WS = "ws_1";
const OTHER_WS = "ws_2";

let keys: FakeKeyStore;
let sources: FakeSources;
let moments: FakeConfigRepository;
let clock: FixedClock;
let deps: SourceDeps;

beforeEach(() => {
  ({ keys, sources } = accessFakes());
  moments = new FakeConfigRepository();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  deps = { sources, keys, clock, moments, debug: new FakeIngestDebugger() };
});

const auth = (key: string) => authenticateWriteKey(keys, `Bearer ${key}`);

describe("listSources", () => {
  it("lists the workspace's sources only, with no key in them, page by page", async () => {
    const a = await createSource(deps, WS, { name: "A" });
    clock.advance(1);
    const b = await createSource(deps, WS, { name: "B" });
    await createSource(deps, OTHER_WS, { name: "Theirs" });

    const first = await listSources(deps, WS, { limit: "1" });
    const second = await listSources(deps, WS, { limit: "1", cursor: first.nextCursor });

    expect(first.items.map((s) => s.id)).toEqual([a.id]);
    expect(second).toEqual({ items: [expect.objectContaining({ id: b.id, name: "B" })] });
    expect(JSON.stringify(first)).not.toContain("mk_write_");
  });

  it.each([["0"], ["201"], ["ten"]])("refuses limit=%s with 400 naming limit", async (limit) => {
    await expect(listSources(deps, WS, { limit })).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "limit", message: expect.any(String) }],
    });
  });
});

describe("getSource", () => {
  it("answers 404 for another workspace's source, and for an id we could never have issued", async () => {
    const theirs = await createSource(deps, OTHER_WS, { name: "Theirs" });

    await expect(getSource(deps, WS, theirs.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getSource(deps, WS, "../../etc")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("updateSource", () => {
  it("renames a source and keeps its domains", async () => {
    const created = await createSource(deps, WS, { name: "Web", allowedDomains: ["app.acme.com"] });
    clock.advance(60_000);

    const updated = await updateSource(deps, WS, created.id, { name: "Web app" });

    expect(updated).toMatchObject({
      name: "Web app",
      allowedDomains: ["app.acme.com"],
      createdAt: "2026-11-21T10:00:00.000Z",
      updatedAt: "2026-11-21T10:01:00.000Z",
    });
  });

  it("copies new allowedDomains onto every active write key, so authentication sees them at once", async () => {
    const created = await createSource(deps, WS, { name: "Web" });
    const second = await issueWriteKey(deps, WS, created.id, undefined);

    await updateSource(deps, WS, created.id, { allowedDomains: ["*.acme.com"] });

    expect((await auth(created.writeKey)).allowedDomains).toEqual(["*.acme.com"]);
    expect((await auth(second.writeKey)).allowedDomains).toEqual(["*.acme.com"]);
  });

  it.each([
    [{}, ""],
    [{ name: "" }, "name"],
    [{ allowedDomains: ["https://acme.com"] }, "allowedDomains.0"],
    [{ name: "x", writeKey: "mk_write_x" }, "writeKey"],
  ])("refuses %j with 400 naming %j", async (body, path) => {
    const created = await createSource(deps, WS, { name: "Web" });

    const error = await updateSource(deps, WS, created.id, body).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.path)).toContain(path);
  });

  it("answers 404 for another workspace's source and changes nothing", async () => {
    const theirs = await createSource(deps, OTHER_WS, { name: "Theirs" });

    await expect(updateSource(deps, WS, theirs.id, { name: "Mine" })).rejects.toBeInstanceOf(NotFoundError);
    expect((await sources.getSource(OTHER_WS, theirs.id))?.name).toBe("Theirs");
  });
});

describe("identity verification", () => {
  const ids = { accountId: "acct_1", userId: "u1" };
  const now = () => clock.now();

  it("gives a new source an identity secret shown once, and requires user tokens by default", async () => {
    const created = await createSource(deps, WS, { name: "Web" });

    expect(created.identitySecret).toMatch(/^mk_idv_/);
    expect(created.requireUserToken).toBe(true);
    const owner = await auth(created.writeKey);
    expect(owner.requireUserToken).toBe(true);
    expect(() =>
      authenticateUser(owner, computeUserToken(created.identitySecret, ids), ids, now()),
    ).not.toThrow();
    const shown = JSON.stringify([await getSource(deps, WS, created.id), await listSources(deps, WS, {})]);
    expect(shown).not.toContain(created.identitySecret);
    expect(await getSource(deps, WS, created.id)).toMatchObject({
      identitySecretIssuedAt: "2026-11-21T10:00:00.000Z",
    });
  });

  it("rotates: every key verifies the new secret at once, and the old one for a day", async () => {
    const created = await createSource(deps, WS, { name: "Web", requireUserToken: false });
    const second = await issueWriteKey(deps, WS, created.id, undefined);
    clock.advance(60_000);

    const rotated = await rotateIdentitySecret(deps, WS, created.id, undefined);

    expect(rotated).toEqual({
      identitySecret: expect.stringMatching(/^mk_idv_/),
      identitySecretIssuedAt: "2026-11-21T10:01:00.000Z",
      previousIdentitySecretValidUntil: "2026-11-22T10:01:00.000Z",
    });
    for (const key of [created.writeKey, second.writeKey]) {
      const owner = await auth(key);
      authenticateUser(owner, computeUserToken(rotated.identitySecret, ids), ids, now());
      authenticateUser(owner, computeUserToken(created.identitySecret, ids), ids, now());
      clock.advance(24 * 3_600_000);
      expect(() =>
        authenticateUser(owner, computeUserToken(created.identitySecret, ids), ids, now()),
      ).toThrow();
      clock.advance(-24 * 3_600_000);
    }
    await expect(rotateIdentitySecret(deps, OTHER_WS, created.id, undefined)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("switches requireUserToken on every key", async () => {
    const created = await createSource(deps, WS, { name: "Web" });

    const updated = await updateSource(deps, WS, created.id, { requireUserToken: false });

    expect(updated.requireUserToken).toBe(false);
    expect((await auth(created.writeKey)).requireUserToken).toBe(false);
  });
});

describe("deleteSource", () => {
  it("deletes the source and its write keys, which stop authenticating", async () => {
    const created = await createSource(deps, WS, { name: "Web" });

    await deleteSource(deps, WS, created.id);

    expect(await sources.getSource(WS, created.id)).toBeUndefined();
    expect(keys.keysOf(WS, created.id)).toEqual([]);
    await expect(auth(created.writeKey)).rejects.toMatchObject({ statusCode: 401 });
  });

  it.each(["draft", "running", "stopped"] as const)(
    "refuses with 409 naming the moment while a %s moment uses the source",
    async (status) => {
      const created = await createSource(deps, WS, { name: "Web" });
      await moments.createMoment(
        aMoment({ id: "m_9", name: "Cart abandon", workspaceId: WS, status, sourceIds: [created.id] }),
      );

      const error = await deleteSource(deps, WS, created.id).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).message).toContain(`"Cart abandon" (m_9, ${status})`);
      expect((error as ConflictError).details).toEqual([
        { path: "moments.m_9", message: `"Cart abandon" is ${status}` },
      ]);
      expect(await sources.getSource(WS, created.id)).toBeDefined();
      await expect(auth(created.writeKey)).resolves.toMatchObject({ sourceId: created.id });
    },
  );

  it("deletes a source only archived moments (or other sources' moments) use", async () => {
    const created = await createSource(deps, WS, { name: "Web" });
    await moments.createMoment(
      aMoment({ id: "m_1", workspaceId: WS, status: "archived", sourceIds: [created.id] }),
    );
    await moments.createMoment(
      aMoment({ id: "m_2", workspaceId: WS, status: "running", sourceIds: ["src_other"] }),
    );

    await expect(deleteSource(deps, WS, created.id)).resolves.toBeUndefined();
  });

  it("answers 404 for another workspace's source and deletes nothing", async () => {
    const theirs = await createSource(deps, OTHER_WS, { name: "Theirs" });

    await expect(deleteSource(deps, WS, theirs.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(auth(theirs.writeKey)).resolves.toMatchObject({ sourceId: theirs.id });
  });
});

describe("write keys", () => {
  it("issues a key shown once, with the source's allowedDomains, and lists it by prefix only", async () => {
    const created = await createSource(deps, WS, { name: "Web", allowedDomains: ["app.acme.com"] });

    const issued = await issueWriteKey(deps, WS, created.id, {});

    expect(issued).toEqual({
      id: expect.any(String),
      prefix: issued.writeKey.slice(0, 13),
      createdAt: "2026-11-21T10:00:00.000Z",
      writeKey: expect.stringMatching(/^mk_write_[A-Za-z0-9_-]{32}$/),
    });
    expect(await auth(issued.writeKey)).toEqual({
      workspaceId: WS,
      sourceId: created.id,
      allowedDomains: ["app.acme.com"],
      requireUserToken: true,
      identitySecrets: [{ secret: created.identitySecret }],
    });
    const list = await listWriteKeys(deps, WS, created.id, {});
    expect(list.items.map((k) => Object.keys(k).sort())).toEqual([
      ["createdAt", "id", "prefix"],
      ["createdAt", "id", "prefix"],
    ]);
    expect(JSON.stringify(list)).not.toContain(issued.writeKey);
    expect([...keys.writeKeys.keys()]).toContain(hashApiKey(issued.writeKey));
  });

  it("allows at most 5 active keys per source: the 6th is a 409, and revoking one makes room", async () => {
    const created = await createSource(deps, WS, { name: "Web" });
    for (let i = 0; i < 4; i++) await issueWriteKey(deps, WS, created.id, undefined);

    const error = await issueWriteKey(deps, WS, created.id, undefined).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/at most 5 active write keys/);
    const [oldest] = (await listWriteKeys(deps, WS, created.id, {})).items;
    await revokeWriteKey(deps, WS, created.id, oldest?.id ?? "");
    await expect(issueWriteKey(deps, WS, created.id, undefined)).resolves.toMatchObject({
      writeKey: expect.any(String),
    });
  });

  it("revokes a key: it no longer authenticates, the others still do, and the list shows when", async () => {
    const created = await createSource(deps, WS, { name: "Web" });
    const second = await issueWriteKey(deps, WS, created.id, undefined);
    const first = (await listWriteKeys(deps, WS, created.id, {})).items.find(
      (k) => k.prefix === created.writeKey.slice(0, 13),
    );
    clock.advance(1000);

    await revokeWriteKey(deps, WS, created.id, first?.id ?? "");

    await expect(auth(created.writeKey)).rejects.toMatchObject({ statusCode: 401 });
    await expect(auth(second.writeKey)).resolves.toMatchObject({ sourceId: created.id });
    const list = await listWriteKeys(deps, WS, created.id, {});
    expect(list.items.find((k) => k.id === first?.id)?.revokedAt).toBe("2026-11-21T10:00:01.000Z");
  });

  it("answers 404 for an unknown key, another source's key, and another workspace's source", async () => {
    const mine = await createSource(deps, WS, { name: "Mine" });
    const other = await createSource(deps, WS, { name: "Other" });
    const theirs = await createSource(deps, OTHER_WS, { name: "Theirs" });
    const [otherKey] = (await listWriteKeys(deps, WS, other.id, {})).items;
    const [theirKey] = (await keys.listWriteKeys(OTHER_WS, theirs.id, { limit: 5 })).items;

    await expect(revokeWriteKey(deps, WS, mine.id, "01unknown")).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeWriteKey(deps, WS, mine.id, otherKey?.id ?? "")).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeWriteKey(deps, WS, theirs.id, theirKey?.id ?? "")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(issueWriteKey(deps, WS, theirs.id, undefined)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listWriteKeys(deps, WS, theirs.id, {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(auth(other.writeKey)).resolves.toBeDefined();
    await expect(auth(theirs.writeKey)).resolves.toBeDefined();
  });

  it("refuses a body with options with 400", async () => {
    const created = await createSource(deps, WS, { name: "Web" });

    await expect(issueWriteKey(deps, WS, created.id, { name: "x" })).rejects.toBeInstanceOf(ValidationError);
  });

  it("gives a key issued while allowedDomains changed the new domains, not the ones it read", async () => {
    const created = await createSource(deps, WS, { name: "Web", allowedDomains: ["old.acme.com"] });
    // The change lands between reading the source and storing the key.
    const putWriteKey = keys.putWriteKey.bind(keys);
    keys.putWriteKey = async (...args) => {
      await sources.updateSource(
        WS,
        created.id,
        { allowedDomains: ["new.acme.com"] },
        "2026-11-21T10:00:00.000Z",
      );
      return putWriteKey(...args);
    };

    const issued = await issueWriteKey(deps, WS, created.id, undefined);

    expect((await auth(issued.writeKey)).allowedDomains).toEqual(["new.acme.com"]);
  });
});

describe("sourceDebugger", () => {
  it("pages the kept items under a byte budget with a cursor: every item once, newest first, none lost", async () => {
    const { id } = await createSource(deps, WS, { name: "Web" });
    const debug = deps.debug as FakeIngestDebugger;
    // 40 rejected items of ~10 KB each (one request's worth share their receivedAt), against a 64 KB budget.
    await debug.record(
      WS,
      id,
      Array.from({ length: 40 }, (_, i) => ({
        verdict: "rejected" as const,
        receivedAt: `2026-11-21T09:00:${String(Math.floor(i / 10)).padStart(2, "0")}.000Z`,
        reason: { code: "invalid_request", message: "event: required" },
        item: { n: i, padding: "é".repeat(5_000) },
      })),
      { sampleAccepted: false },
    );
    const budget = 64 * 1024;
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sourceDebugger(deps, WS, id, cursor ? { cursor } : {}, budget);
      pages += 1;
      expect(page.counts).toEqual({ accepted: 0, rejected: 40 });
      expect(page.items.length).toBeGreaterThan(0);
      expect(jsonBytes(page.items)).toBeLessThanOrEqual(budget);
      expect(page.items[0]).not.toHaveProperty("position");
      seen.push(...page.items.map((entry) => (entry.item as { n: number }).n));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(40);
    expect(seen).toHaveLength(40);
    // Newest first: the last request's ten items come first.
    expect(seen.slice(0, 10).every((n) => n >= 30)).toBe(true);
  });

  it("answers a whole page without a cursor when everything fits, and 400 for a cursor it did not give", async () => {
    const { id } = await createSource(deps, WS, { name: "Web" });
    await (deps.debug as FakeIngestDebugger).record(
      WS,
      id,
      [{ verdict: "accepted", receivedAt: "2026-11-21T09:00:00.000Z", item: { event: "x" } }],
      { sampleAccepted: true },
    );
    const page = await sourceDebugger(deps, WS, id);
    expect(page.items).toHaveLength(1);
    expect(page).not.toHaveProperty("nextCursor");
    await expect(sourceDebugger(deps, WS, id, { cursor: "bm90LWEtY3Vyc29y" })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it("marks the source watched for 5 minutes, on its keys too, and renews the mark at most once a minute", async () => {
    // Prepare: a source with two keys, nobody watching
    const created = await createSource(deps, WS, { name: "Web" });
    const second = await issueWriteKey(deps, WS, created.id, undefined);
    const watchedUntil = async () => [
      (await auth(created.writeKey)).debuggerWatchedUntil,
      (await auth(second.writeKey)).debuggerWatchedUntil,
    ];
    expect(await watchedUntil()).toEqual([undefined, undefined]);
    const marks = () => [...sources.sources.values()].map((s) => s.debuggerWatchedUntil);

    // Act: open the debugger, read it again 30 s later, then 61 s after the first
    const first = await sourceDebugger(deps, WS, created.id);
    clock.advance(30_000);
    const again = await sourceDebugger(deps, WS, created.id);
    const keptMark = marks();
    clock.advance(31_000);
    const renewed = await sourceDebugger(deps, WS, created.id);

    // Assess
    expect(first.sampling.until).toBe("2026-11-21T10:05:00.000Z");
    expect(again.sampling.until).toBe(first.sampling.until);
    expect(keptMark).toEqual([first.sampling.until]);
    expect(renewed.sampling.until).toBe("2026-11-21T10:06:01.000Z");
    expect(await watchedUntil()).toEqual([renewed.sampling.until, renewed.sampling.until]);
    // Watching is not editing: the source's updatedAt stays.
    expect((await getSource(deps, WS, created.id)).updatedAt).toBe(created.updatedAt);
  });

  it("gives a key issued while the debugger is watched the mark at once", async () => {
    const created = await createSource(deps, WS, { name: "Web" });
    const { sampling } = await sourceDebugger(deps, WS, created.id);

    const issued = await issueWriteKey(deps, WS, created.id, undefined);

    expect((await auth(issued.writeKey)).debuggerWatchedUntil).toBe(sampling.until);
  });
});
