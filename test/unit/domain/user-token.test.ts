import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeUserToken,
  generateIdentitySecret,
  isUserTokenValid,
  rotateIdentitySecrets,
  toIdentitySecretView,
  userTokenMessage,
} from "../../../shared/domain/user-token.js";

const NOW = new Date("2026-11-21T10:00:00.000Z");
const secret = "mk_idv_0123456789abcdef0123456789abcdef";

describe("user tokens", () => {
  it('are the documented HMAC: hex(HMAC-SHA256(secret, accountId + "\\n" + userId))', () => {
    // The README's three lines, verbatim.
    const documented = createHmac("sha256", secret).update("acct_42\nuser_7").digest("hex");
    expect(computeUserToken(secret, { accountId: "acct_42", userId: "user_7" })).toBe(documented);
    expect(userTokenMessage({ accountId: "acct_42" })).toBe("acct_42\n");
  });

  it("verify for exactly the account and user they were made for", () => {
    const token = computeUserToken(secret, { accountId: "acct_42", userId: "user_7" });
    const secrets = [{ secret }];
    expect(isUserTokenValid(secrets, token, { accountId: "acct_42", userId: "user_7" }, NOW)).toBe(true);
    expect(
      isUserTokenValid(secrets, token.toUpperCase(), { accountId: "acct_42", userId: "user_7" }, NOW),
    ).toBe(true);
    for (const ids of [
      { accountId: "acct_42" },
      { accountId: "acct_42", userId: "user_8" },
      { accountId: "acct_43", userId: "user_7" },
      { accountId: "acct_42\nuser_7" },
    ]) {
      expect(isUserTokenValid(secrets, token, ids, NOW)).toBe(false);
    }
  });

  it("never verify ids whose message would be ambiguous, missing or malformed tokens, or without a secret", () => {
    const ids = { accountId: "a\nb", userId: "c" };
    expect(userTokenMessage(ids)).toBeUndefined();
    const forged = createHmac("sha256", secret).update("a\nb\nc").digest("hex");
    expect(isUserTokenValid([{ secret }], forged, ids, NOW)).toBe(false);
    expect(isUserTokenValid([{ secret }], forged, { accountId: "a", userId: "b\nc" }, NOW)).toBe(false);
    const good = computeUserToken(secret, { accountId: "a" });
    expect(isUserTokenValid([{ secret }], undefined, { accountId: "a" }, NOW)).toBe(false);
    expect(isUserTokenValid([{ secret }], good.slice(0, 63), { accountId: "a" }, NOW)).toBe(false);
    expect(isUserTokenValid([{ secret }], `${good.slice(0, 63)}z`, { accountId: "a" }, NOW)).toBe(false);
    expect(isUserTokenValid([], good, { accountId: "a" }, NOW)).toBe(false);
  });

  it("rotate: the new secret verifies at once, the previous one for 24 hours more", () => {
    const first = rotateIdentitySecrets(undefined, secret, NOW);
    const next = generateIdentitySecret();
    expect(next).toMatch(/^mk_idv_[A-Za-z0-9_-]{43}$/);
    const rotated = rotateIdentitySecrets(first, next, NOW);
    expect(rotated).toEqual([
      { secret: next, issuedAt: NOW.toISOString() },
      { secret, issuedAt: NOW.toISOString(), validUntil: "2026-11-22T10:00:00.000Z" },
    ]);
    const old = computeUserToken(secret, { accountId: "a" });
    expect(isUserTokenValid(rotated, old, { accountId: "a" }, new Date("2026-11-22T09:59:59Z"))).toBe(true);
    expect(isUserTokenValid(rotated, old, { accountId: "a" }, new Date("2026-11-22T10:00:00Z"))).toBe(false);
    // A second rotation drops the secret in its grace period.
    const again = rotateIdentitySecrets(rotated, generateIdentitySecret(), NOW);
    expect(again.map((s) => s.secret)).not.toContain(secret);
    expect(toIdentitySecretView(again)).toEqual({
      identitySecretIssuedAt: NOW.toISOString(),
      previousIdentitySecretValidUntil: "2026-11-22T10:00:00.000Z",
    });
    expect(JSON.stringify(toIdentitySecretView(again))).not.toContain("mk_idv_");
    expect(toIdentitySecretView(undefined)).toEqual({});
  });
});
