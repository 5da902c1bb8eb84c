/**
 * Console sessions slide: used, a session is renewed (at most every few minutes: one write, not one
 * per request) to end its idle time after the last use; unused, it ends on time; however used, it
 * ends at its maximum life. Against the real session store on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoSessionStore } from "../../../shared/adapters/dynamodb/session-store.js";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import {
  renewedEnd,
  SESSION_IDLE_SECONDS,
  SESSION_MAX_SECONDS,
  SESSION_RENEW_AFTER_SECONDS,
} from "../../../shared/domain/console-session.js";
import { findSession, signIn, signOut } from "../../../shared/use-cases/console-sessions.js";
import { startDynaliteTable } from "../../support/dynalite.js";

const ADMIN_KEY = "mk_admin_sliding";
const HOUR = 3600_000;
let table: Awaited<ReturnType<typeof startDynaliteTable>>;
let now = new Date("2026-12-01T08:00:00Z");

beforeAll(async () => {
  table = await startDynaliteTable("sessions-test");
});
afterAll(() => table?.stop());

function deps() {
  return {
    sessions: new DynamoSessionStore(table.db, "sessions-test"),
    keys: {
      findAdminKey: async (hash: string) =>
        hash === hashApiKey(ADMIN_KEY) ? { workspaceId: "ws_1", keyId: "key_1" } : undefined,
    } as never,
    clock: { now: () => now },
  };
}

const at = (start: Date, ms: number) => new Date(start.getTime() + ms);

describe("sliding console sessions", () => {
  it("stays open while used, past the idle time since sign-in", async () => {
    const signedInAt = new Date("2026-12-01T08:00:00Z");
    now = signedInAt;
    const { token } = await signIn(deps(), { adminKey: ADMIN_KEY });
    // Used every 4 hours for a day: each use renews it.
    for (let hours = 4; hours <= 24; hours += 4) {
      now = at(signedInAt, hours * HOUR);
      expect(await findSession(deps(), token)).toMatchObject({ workspaceId: "ws_1" });
    }
    // Then left alone: it ends its idle time after the last use.
    now = at(signedInAt, 24 * HOUR + SESSION_IDLE_SECONDS * 1000 - 1000);
    expect(await findSession(deps(), token)).toBeDefined();
    now = at(now, SESSION_IDLE_SECONDS * 1000 + 1000);
    expect(await findSession(deps(), token)).toBeUndefined();
  });

  it("ends at its maximum life however much it is used", async () => {
    const signedInAt = new Date("2026-12-10T08:00:00Z");
    now = signedInAt;
    const { token } = await signIn(deps(), { adminKey: ADMIN_KEY });
    for (let hours = 6; hours < SESSION_MAX_SECONDS / 3600; hours += 6) {
      now = at(signedInAt, hours * HOUR);
      expect(await findSession(deps(), token)).toBeDefined();
    }
    now = at(signedInAt, SESSION_MAX_SECONDS * 1000 + 1000);
    expect(await findSession(deps(), token)).toBeUndefined();
  });

  it("is not brought back by a renewal once signed out", async () => {
    now = new Date("2026-12-20T08:00:00Z");
    const { token } = await signIn(deps(), { adminKey: ADMIN_KEY });
    await signOut(deps(), token);
    await deps().sessions.extend(hashApiKey(token), at(now, HOUR).toISOString());
    expect(await findSession(deps(), token)).toBeUndefined();
  });
});

describe("renewedEnd", () => {
  const session = { createdAt: "2026-12-01T08:00:00.000Z", endsAt: "2026-12-01T20:00:00.000Z" };

  it("is not due within a few minutes of the last renewal: no write per request", () => {
    expect(renewedEnd(session, new Date(Date.parse(session.createdAt) + 60_000))).toBeUndefined();
    const due = new Date(Date.parse(session.createdAt) + SESSION_RENEW_AFTER_SECONDS * 1000);
    expect(renewedEnd(session, due)).toBe(
      new Date(due.getTime() + SESSION_IDLE_SECONDS * 1000).toISOString(),
    );
  });

  it("never passes the maximum life", () => {
    const late = new Date(Date.parse(session.createdAt) + SESSION_MAX_SECONDS * 1000 - HOUR);
    expect(renewedEnd({ ...session, endsAt: late.toISOString() }, late)).toBe(
      new Date(Date.parse(session.createdAt) + SESSION_MAX_SECONDS * 1000).toISOString(),
    );
  });
});
