import { describe, expect, it } from "vitest";
import {
  bearerToken,
  generateApiKey,
  hashApiKey,
  issueApiKey,
  keyPrefix,
  toKeyView,
} from "../../../shared/domain/api-keys.js";

describe("generateApiKey", () => {
  it.each([
    ["admin", /^mk_admin_[A-Za-z0-9_-]{32}$/],
    ["write", /^mk_write_[A-Za-z0-9_-]{32}$/],
  ] as const)("makes a %s key: a readable prefix and 192 random bits in base64url", (kind, shape) => {
    expect(generateApiKey(kind)).toMatch(shape);
  });

  it("never repeats a key", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey("write")));

    expect(keys.size).toBe(200);
  });
});

describe("hashApiKey", () => {
  it("is the hex SHA-256 of the key", () => {
    // sha256("abc"), a published test vector
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("differs for keys that differ in one character", () => {
    expect(hashApiKey("mk_write_a")).not.toBe(hashApiKey("mk_write_b"));
  });
});

describe("keyPrefix", () => {
  it("is the kind and the first four random characters, as lists show it", () => {
    expect(keyPrefix("mk_write_AbCdefghijklmnop")).toBe("mk_write_AbCd");
  });
});

describe("issueApiKey", () => {
  it("makes a key, its hash and a record that holds neither", () => {
    const now = new Date("2026-11-21T10:00:00.000Z");

    const issued = issueApiKey("write", now);

    expect(issued.hash).toBe(hashApiKey(issued.secret));
    expect(issued.record).toEqual({
      id: expect.stringMatching(/^[0-9a-z]{26}$/),
      prefix: issued.secret.slice(0, 13),
      createdAt: "2026-11-21T10:00:00.000Z",
    });
    expect(JSON.stringify(issued.record)).not.toContain(issued.secret.slice(13));
  });
});

describe("toKeyView", () => {
  it("shows optional dates only when set", () => {
    const record = { id: "k1", prefix: "mk_admin_abcd", createdAt: "2026-11-21T10:00:00.000Z" };

    expect(toKeyView(record)).toEqual(record);
    expect(toKeyView({ ...record, revokedAt: "2026-11-22T10:00:00.000Z" })).toEqual({
      ...record,
      revokedAt: "2026-11-22T10:00:00.000Z",
    });
  });
});

describe("bearerToken", () => {
  it.each([
    ["Bearer mk_write_abc", "mk_write_abc"],
    ["bearer mk_write_abc", "mk_write_abc"],
    ["Bearer    mk_write_abc  ", "mk_write_abc"],
  ])("reads %j", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, "", "mk_write_abc", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b"])(
    "finds no key in %j",
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
    },
  );
});
