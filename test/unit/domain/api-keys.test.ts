import { describe, expect, it } from "vitest";
import { bearerToken, generateApiKey, hashApiKey, keyHint } from "../../../shared/domain/api-keys.js";

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

describe("keyHint", () => {
  it("shows the first 13 characters only", () => {
    expect(keyHint("mk_write_abcdefghijklmnop")).toBe("mk_write_abcd…");
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
