import { beforeEach, describe, expect, it, vi } from "vitest";
import { SourceCache, WRITE_KEY_TRUST_MS, WriteKeyCache } from "../../../shared/adapters/write-key-cache.js";
import type { ApiKeyRecord } from "../../../shared/domain/api-keys.js";
import { aSource, type FixedClock, fixedClock } from "../../support/fakes.js";
import { FakeKeyStore, FakeSources } from "../../support/fakes-access.js";

const owner = { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: ["app.acme.com"] };
const record = (id: string): ApiKeyRecord => ({
  id,
  prefix: "mk_write_abcd",
  createdAt: "2026-12-06T10:00:00Z",
});

let clock: FixedClock;
let store: FakeKeyStore;
let cache: WriteKeyCache;
let reads: ReturnType<typeof vi.spyOn>;

beforeEach(async () => {
  clock = fixedClock("2026-12-06T10:00:00.000Z");
  store = new FakeKeyStore();
  await store.putWriteKey(owner, "hash-1", record("key-1"), 5);
  reads = vi.spyOn(store, "findWriteKey");
  cache = new WriteKeyCache(store, clock);
});

describe("WriteKeyCache", () => {
  it("reads a key once, then answers from memory for the trust bound", async () => {
    expect(await cache.findWriteKey("hash-1")).toMatchObject(owner);
    clock.advance(WRITE_KEY_TRUST_MS - 1);
    expect(await cache.findWriteKey("hash-1")).toMatchObject(owner);

    expect(reads).toHaveBeenCalledTimes(1);
  });

  it("refuses a revoked key once the bound has passed since the read that found it", async () => {
    // Prepare
    await cache.findWriteKey("hash-1");
    await store.revokeWriteKey("ws_1", "src_1", "key-1", "2026-12-06T10:00:01Z");

    // Act / Assess: still trusted inside the bound, refused from its end on
    clock.advance(WRITE_KEY_TRUST_MS - 1);
    expect(await cache.findWriteKey("hash-1")).toBeDefined();
    clock.advance(1);
    expect(await cache.findWriteKey("hash-1")).toBeUndefined();
  });

  it("applies a change of the source's policy within the bound", async () => {
    await cache.findWriteKey("hash-1");
    await store.setWriteKeyPolicy("ws_1", "src_1", {
      allowedDomains: [],
      requireUserToken: true,
      identitySecrets: [],
    });

    clock.advance(WRITE_KEY_TRUST_MS);

    expect(await cache.findWriteKey("hash-1")).toMatchObject({ allowedDomains: [], requireUserToken: true });
  });

  it("lets a key issued after an unknown key was refused work at once", async () => {
    expect(await cache.findWriteKey("hash-2")).toBeUndefined();

    await store.putWriteKey(owner, "hash-3", record("key-3"), 5);

    expect(await cache.findWriteKey("hash-3")).toMatchObject(owner);
  });

  it("reads an unknown key once per bound however often it is retried", async () => {
    for (let i = 0; i < 50; i++) expect(await cache.findWriteKey("hash-dead")).toBeUndefined();
    clock.advance(WRITE_KEY_TRUST_MS);
    expect(await cache.findWriteKey("hash-dead")).toBeUndefined();

    expect(reads).toHaveBeenCalledTimes(2);
  });

  it("keeps the known keys when a flood of made-up keys is refused", async () => {
    await cache.findWriteKey("hash-1");

    // More than a container remembers of found keys: one memory for both answers would lose it.
    for (let i = 0; i <= 10_000; i++) await cache.findWriteKey(`made-up-${i}`);
    reads.mockClear();

    expect(await cache.findWriteKey("hash-1")).toMatchObject(owner);
    expect(reads).not.toHaveBeenCalled();
  });

  it("keeps no answer from a lookup that failed, and shares one read between concurrent misses", async () => {
    reads.mockRejectedValueOnce(new Error("ProvisionedThroughputExceededException"));
    await expect(cache.findWriteKey("hash-1")).rejects.toThrow("ProvisionedThroughputExceeded");

    const both = await Promise.all([cache.findWriteKey("hash-1"), cache.findWriteKey("hash-1")]);

    expect(both.map((found) => found?.sourceId)).toEqual(["src_1", "src_1"]);
    expect(reads).toHaveBeenCalledTimes(2);
  });
});

describe("SourceCache", () => {
  it("reads a source once per bound, so a change of its subject shows within it", async () => {
    // Prepare
    const sources = new FakeSources();
    await sources.putSource(aSource({ workspaceId: "ws_1", id: "src_1", subject: "account" }));
    const read = vi.spyOn(sources, "getSource");
    const cached = new SourceCache(sources, clock);
    expect((await cached.getSource("ws_1", "src_1"))?.subject).toBe("account");

    // Act
    await sources.updateSource("ws_1", "src_1", { subject: "user" }, "2026-12-06T10:00:01Z");

    // Assess
    clock.advance(WRITE_KEY_TRUST_MS - 1);
    expect((await cached.getSource("ws_1", "src_1"))?.subject).toBe("account");
    clock.advance(1);
    expect((await cached.getSource("ws_1", "src_1"))?.subject).toBe("user");
    expect(await cached.getSource("ws_1", "src_gone")).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(3);
  });
});
