import { describe, expect, it } from "vitest";
import {
  currentKey,
  keyById,
  maskAddress,
  newSigningKey,
  newSigningKeySet,
  parseUnsubscribeToken,
  rotateSigningKeySet,
  signUnsubscribeToken,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from "../../../shared/domain/unsubscribe.js";

const claims = {
  workspaceId: "ws_1",
  address: "ada@example.com",
  issuedAt: new Date("2026-11-21T10:00:00.000Z"),
};

describe("unsubscribe tokens", () => {
  it("sign the workspace, address and issue time, and verify with the same key", () => {
    const key = newSigningKey();

    const token = signUnsubscribeToken(claims, key);

    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const parsed = parseUnsubscribeToken(token);
    expect(parsed?.keyId).toBe(key.id);
    expect(parsed?.claims).toEqual(claims);
    expect(parsed && verifyUnsubscribeToken(parsed, key.secret)).toBe(true);
  });

  it("do not verify with another key", () => {
    const token = signUnsubscribeToken(claims, newSigningKey());

    const parsed = parseUnsubscribeToken(token);

    expect(parsed && verifyUnsubscribeToken(parsed, newSigningKey().secret)).toBe(false);
  });

  it("do not verify once the address in the payload is changed", () => {
    const key = newSigningKey();
    const [, mac] = signUnsubscribeToken(claims, key).split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify([1, key.id, "ws_1", "eve@example.com", 1_795_000_000]),
    ).toString("base64url");

    const parsed = parseUnsubscribeToken(`${forgedPayload}.${mac}`);

    expect(parsed?.claims.address).toBe("eve@example.com");
    expect(parsed && verifyUnsubscribeToken(parsed, key.secret)).toBe(false);
  });

  it("do not verify with a truncated MAC", () => {
    const key = newSigningKey();
    const token = signUnsubscribeToken(claims, key);

    const parsed = parseUnsubscribeToken(token.slice(0, -4));

    expect(parsed && verifyUnsubscribeToken(parsed, key.secret)).toBe(false);
  });

  it.each([
    ["empty", ""],
    ["no signature", "abc"],
    ["three parts", "a.b.c"],
    ["not base64url", "a+b.c/d"],
    ["not JSON", `${Buffer.from("nope").toString("base64url")}.abc`],
    ["an object, not the array", `${Buffer.from('{"a":1}').toString("base64url")}.abc`],
    ["another version", `${Buffer.from('[2,"k","ws","a@b.co",1]').toString("base64url")}.abc`],
    ["a bad workspace id", `${Buffer.from('[1,"k","ws/1","a@b.co",1]').toString("base64url")}.abc`],
    ["not an address", `${Buffer.from('[1,"k","ws","a b@c",1]').toString("base64url")}.abc`],
    ["a negative time", `${Buffer.from('[1,"k","ws","a@b.co",-1]').toString("base64url")}.abc`],
    ["far too long", `${"a".repeat(2000)}.abc`],
  ])("are refused when %s", (_label, token) => {
    expect(parseUnsubscribeToken(token)).toBeUndefined();
  });

  it("stay valid however old they are (links in old emails must keep working)", () => {
    const key = newSigningKey();
    const token = signUnsubscribeToken({ ...claims, issuedAt: new Date("2000-01-01T00:00:00Z") }, key);

    const parsed = parseUnsubscribeToken(token);

    expect(parsed && verifyUnsubscribeToken(parsed, key.secret)).toBe(true);
  });
});

describe("signing key sets", () => {
  it("rotate to a new current key and keep the old one for verification", () => {
    const first = newSigningKeySet();
    const old = currentKey(first);
    const token = signUnsubscribeToken(claims, old);

    const rotated = rotateSigningKeySet(first);

    expect(rotated.current).not.toBe(first.current);
    expect(Object.keys(rotated.keys)).toHaveLength(2);
    const parsed = parseUnsubscribeToken(token);
    const secret = parsed && keyById(rotated, parsed.keyId);
    expect(secret && parsed && verifyUnsubscribeToken(parsed, secret)).toBe(true);
    expect(currentKey(rotated).secret.length).toBe(32);
  });

  it("answer no key for an unknown id, nor for an inherited property name", () => {
    const set = newSigningKeySet();

    expect(keyById(set, "nope")).toBeUndefined();
    expect(keyById(set, "constructor")).toBeUndefined();
  });
});

describe("unsubscribeUrl", () => {
  it("points at /v1/unsubscribe under the API's base URL, with or without a trailing slash or a path", () => {
    expect(unsubscribeUrl("https://api.example.com/", "a.b")).toBe(
      "https://api.example.com/v1/unsubscribe?token=a.b",
    );
    expect(unsubscribeUrl("http://127.0.0.1:3000", "a.b")).toBe(
      "http://127.0.0.1:3000/v1/unsubscribe?token=a.b",
    );
    expect(unsubscribeUrl("https://x.example/prod", "a_b")).toBe(
      "https://x.example/prod/v1/unsubscribe?token=a_b",
    );
  });
});

describe("maskAddress", () => {
  it("keeps the first character and the domain", () => {
    expect(maskAddress("ada@example.com")).toBe("a***@example.com");
  });
});
