import { describe, expect, it } from "vitest";
import { newId, runIdFor } from "../../../shared/domain/ids.js";
import { idSchema } from "../../../shared/domain/primitives.js";

describe("newId", () => {
  it("is 26 lower-case Crockford base32 characters and a valid id", () => {
    const id = newId();

    expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    expect(idSchema.safeParse(id).success).toBe(true);
  });

  it("sorts ids created later after earlier ones", () => {
    const times = [0, 1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001, 2_000_000_000_000];
    const ids = times.map((t) => newId(t));

    expect([...ids].sort()).toEqual(ids);
  });

  it("encodes the time in the first 10 characters", () => {
    expect(newId(0).slice(0, 10)).toBe("0000000000");
    expect(newId(33).slice(0, 10)).toBe("0000000011");
  });

  it("differs between ids created in the same millisecond", () => {
    const ids = new Set(Array.from({ length: 100 }, () => newId(1_700_000_000_000)));

    expect(ids.size).toBe(100);
  });
});

describe("runIdFor", () => {
  it("is deterministic in (workspace, moment, account, messageId)", () => {
    expect(runIdFor("ws_1", "m_1", "acct_1", "msg_1")).toBe(runIdFor("ws_1", "m_1", "acct_1", "msg_1"));
  });

  it("is a valid Step Functions execution name (1-80 of [A-Za-z0-9-_])", () => {
    expect(runIdFor("ws_1", "m_1", "acct with spaces/and#symbols", "msg:1")).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it.each([
    ["workspace", "ws_2", "m_1", "acct_1", "msg_1"],
    ["moment", "ws_1", "m_2", "acct_1", "msg_1"],
    ["account", "ws_1", "m_1", "acct_2", "msg_1"],
    ["messageId", "ws_1", "m_1", "acct_1", "msg_2"],
  ])("changes with the %s", (_label, workspaceId, momentId, accountId, messageId) => {
    expect(runIdFor(workspaceId, momentId, accountId, messageId)).not.toBe(
      runIdFor("ws_1", "m_1", "acct_1", "msg_1"),
    );
  });

  it("cannot be confused by moving characters between fields", () => {
    expect(runIdFor("ws", "1m", "a", "b")).not.toBe(runIdFor("ws1", "m", "a", "b"));
  });
});
