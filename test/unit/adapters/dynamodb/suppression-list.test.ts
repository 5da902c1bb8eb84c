/**
 * The suppression list and the unsubscribe signing keys against a real DynamoDB engine (dynalite, as
 * the local stack runs it): conditional puts that keep the first suppression and one key set.
 */
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DynamoSuppressionList,
  DynamoUnsubscribeKeys,
} from "../../../../shared/adapters/dynamodb/suppression-list.js";
import { keys } from "../../../../shared/contracts/table.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { startDynaliteTable } from "../../../support/dynalite.js";

const TABLE = "moments-suppressions";
let stopDynalite: (() => Promise<void>) | undefined;
let db: DynamoDBDocumentClient;
let list: DynamoSuppressionList;
let workspaces = 0;
const newWorkspace = () => `ws_${++workspaces}`;

beforeAll(async () => {
  const dynalite = await startDynaliteTable(TABLE);
  stopDynalite = dynalite.stop;
  db = dynalite.db;
  list = new DynamoSuppressionList(db, TABLE);
});

afterAll(async () => {
  await stopDynalite?.();
});

const at = "2026-11-21T10:00:00.000Z";

describe("DynamoSuppressionList", () => {
  it("stores a suppression once: the first reason stands, a repeat says already_suppressed", async () => {
    const ws = newWorkspace();

    const first = await list.suppress(ws, {
      address: "ada@example.com",
      reason: "unsubscribed",
      suppressedAt: at,
    });
    const second = await list.suppress(ws, {
      address: "ada@example.com",
      reason: "complained",
      suppressedAt: "2026-12-01T00:00:00.000Z",
    });

    expect([first, second]).toEqual(["suppressed", "already_suppressed"]);
    expect(await list.getSuppression(ws, "ada@example.com")).toEqual({
      address: "ada@example.com",
      reason: "unsubscribed",
      suppressedAt: at,
    });
  });

  it("keeps workspaces apart", async () => {
    const [a, b] = [newWorkspace(), newWorkspace()];
    await list.suppress(a, {
      address: "ada@example.com",
      reason: "bounced",
      suppressedAt: at,
      detail: "General",
    });

    expect(await list.getSuppression(b, "ada@example.com")).toBeUndefined();
    expect(await list.getSuppression(a, "ada@example.com")).toMatchObject({ detail: "General" });
  });

  it("lists a workspace's suppressions by address, in pages, and refuses a foreign cursor", async () => {
    const ws = newWorkspace();
    for (const address of ["c@x.io", "a@x.io", "b@x.io"])
      await list.suppress(ws, { address, reason: "bounced", suppressedAt: at });

    const page1 = await list.listSuppressions(ws, { limit: 2 });
    const page2 = await list.listSuppressions(ws, {
      limit: 2,
      ...(page1.nextCursor ? { cursor: page1.nextCursor } : {}),
    });

    expect(page1.items.map((s) => s.address)).toEqual(["a@x.io", "b@x.io"]);
    expect(page2.items.map((s) => s.address)).toEqual(["c@x.io"]);
    await expect(
      list.listSuppressions(newWorkspace(), { limit: 2, cursor: page1.nextCursor ?? "" }),
    ).rejects.toThrow(ValidationError);
  });

  it("removes a suppression, and says when there was none", async () => {
    const ws = newWorkspace();
    await list.suppress(ws, { address: "ada@example.com", reason: "bounced", suppressedAt: at });

    expect(await list.removeSuppression(ws, "ada@example.com")).toBe(true);
    expect(await list.removeSuppression(ws, "ada@example.com")).toBe(false);
    expect(await list.getSuppression(ws, "ada@example.com")).toBeUndefined();
  });
});

describe("DynamoUnsubscribeKeys", () => {
  it("creates one key set on first use, even when two functions sign at once", async () => {
    const ws = newWorkspace();
    const [one, two] = [new DynamoUnsubscribeKeys(db, TABLE), new DynamoUnsubscribeKeys(db, TABLE)];

    const [a, b] = await Promise.all([one.signingKey(ws), two.signingKey(ws)]);

    expect(a.id).toBe(b.id);
    expect(a.secret.equals(b.secret)).toBe(true);
    expect(a.secret.length).toBe(32);
  });

  it("never creates a key set when verifying (anyone may present a token)", async () => {
    const ws = newWorkspace();

    expect(await new DynamoUnsubscribeKeys(db, TABLE).verificationKey(ws, "whatever")).toBeUndefined();
    const item = await db.send(new GetCommand({ TableName: TABLE, Key: keys.unsubscribeKeys(ws) }));
    expect(item.Item).toBeUndefined();
  });

  it("after a rotation elsewhere, signs with the old key until its cache expires, and verifies both at once", async () => {
    const ws = newWorkspace();
    let now = 0;
    const cached = new DynamoUnsubscribeKeys(db, TABLE, () => now);
    const old = await cached.signingKey(ws);

    const { current } = await new DynamoUnsubscribeKeys(db, TABLE).rotateSigningKey(ws);

    expect(current).not.toBe(old.id);
    expect((await cached.signingKey(ws)).id).toBe(old.id);
    expect(await cached.verificationKey(ws, current)).toBeInstanceOf(Buffer);
    expect((await cached.verificationKey(ws, old.id))?.equals(old.secret)).toBe(true);
    now += 5 * 60_000;
    expect((await cached.signingKey(ws)).id).toBe(current);
  });
});
