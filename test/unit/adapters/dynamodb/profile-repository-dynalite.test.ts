/**
 * The profile adapter against a real DynamoDB engine (dynalite, in process, as the local stack runs
 * it): what the mocked tests cannot show — that UPDATED_OLD answers exactly the replaced traits, that
 * counters and lastSeenAt behave under out-of-order and concurrent writes.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoMessageLog } from "../../../../shared/adapters/dynamodb/message-log.js";
import { DynamoProfileRepository } from "../../../../shared/adapters/dynamodb/profile-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { diffTraits, eventCountKey } from "../../../../shared/domain/identify.js";
import { itemSizeBytes } from "../../../bench/aws-requests.js";
import { startDynaliteTable } from "../../../support/dynalite.js";

const TABLE = "moments-profiles";
let stopDynalite: (() => Promise<void>) | undefined;
let profiles: DynamoProfileRepository;
let db: Awaited<ReturnType<typeof startDynaliteTable>>["db"];
let accounts = 0;
/** A fresh account per test: the table is shared by the file. */
const newAccount = () => `acct_${++accounts}`;

beforeAll(async () => {
  const dynalite = await startDynaliteTable(TABLE);
  stopDynalite = dynalite.stop;
  db = dynalite.db;
  profiles = new DynamoProfileRepository(dynalite.db, TABLE);
});

afterAll(async () => {
  await stopDynalite?.();
});

describe("DynamoProfileRepository on dynalite", () => {
  it("merges shallowly and answers the values it replaced, so diffTraits finds exactly the changes", async () => {
    const account = newAccount();
    await expect(
      profiles.mergeTraits("ws_1", account, { plan: "trial", seats: 3, address: { city: "Paris" } }, "t1"),
    ).resolves.toEqual({});

    const merged = { plan: "pro", seats: 3, "organization.name": "Acme", address: { city: "Lyon" } };
    const previous = await profiles.mergeTraits("ws_1", account, merged, "t2");

    expect(previous).toEqual({ plan: "trial", seats: 3, address: { city: "Paris" } });
    expect(diffTraits(previous, merged).map((c) => c.attribute)).toEqual([
      "plan",
      "organization.name",
      "address",
    ]);
    expect(await profiles.get("ws_1", account)).toEqual({
      workspaceId: "ws_1",
      accountId: account,
      traits: { plan: "pro", seats: 3, "organization.name": "Acme", address: { city: "Lyon" } },
      updatedAt: "t2",
    });
  });

  it("keeps user traits on the user's own profile, apart from the account's", async () => {
    const account = newAccount();
    await profiles.mergeTraits("ws_1", account, { plan: "pro" }, "t1");

    await expect(
      profiles.mergeUserTraits(
        "ws_1",
        "user_ada",
        { first_name: "Ada", email: "ada@acme.com" },
        "t1",
        account,
      ),
    ).resolves.toEqual({});
    const previous = await profiles.mergeUserTraits("ws_1", "user_ada", { first_name: "Grace" }, "t2");

    expect(previous).toEqual({ first_name: "Ada" });
    expect(await profiles.getUser("ws_1", "user_ada")).toEqual({
      workspaceId: "ws_1",
      userId: "user_ada",
      accountId: account,
      traits: { first_name: "Grace", email: "ada@acme.com" },
      updatedAt: "t2",
    });
    expect((await profiles.get("ws_1", account))?.traits).toEqual({ plan: "pro" });
  });

  it("counts each event by name and keeps the latest lastSeenAt when events arrive out of order", async () => {
    const account = newAccount();

    await profiles.touch("ws_1", account, "Order Completed", "2026-11-21T10:00:00.000Z", "m1");
    await profiles.touch("ws_1", account, "Order Completed", "2026-11-21T09:00:00.000Z", "m2");
    await profiles.touch("ws_1", account, "cart.updated", "2026-11-21T11:00:00.000Z", "m3");
    await profiles.touch("ws_1", account, "cart.updated", "2026-11-21T11:00:00.000Z", "m4");

    expect(await profiles.get("ws_1", account)).toEqual({
      workspaceId: "ws_1",
      accountId: account,
      traits: {},
      lastSeenAt: "2026-11-21T11:00:00.000Z",
      eventCounts: { [eventCountKey("Order Completed")]: 2, [eventCountKey("cart.updated")]: 2 },
    });
  });

  it("creates the traits map after touch created the profile, and touch leaves traits alone", async () => {
    const account = newAccount();
    await profiles.touch("ws_1", account, "signed_up", "2026-11-21T10:00:00.000Z", "m5");

    await profiles.mergeTraits("ws_1", account, { plan: "pro" }, "t1");
    await profiles.touch("ws_1", account, "signed_up", "2026-11-21T10:05:00.000Z", "m6");

    expect(await profiles.get("ws_1", account)).toMatchObject({
      traits: { plan: "pro" },
      lastSeenAt: "2026-11-21T10:05:00.000Z",
      eventCounts: { signed_up: 2 },
    });
  });

  it("keeps counting where a profile written before (counters on the profile item) left off", async () => {
    // Prepare: a profile as the touch wrote it before counters had their own items
    const account = newAccount();
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.profile("ws_1", account),
          type: "profile",
          traits: { plan: "pro" },
          lastSeenAt: "2026-11-21T12:00:00.000Z",
          "eventCount#signed_up": 4,
          "eventCount#paid": 1,
        },
      }),
    );

    // Act
    await profiles.touch("ws_1", account, "signed_up", "2026-11-21T10:00:00.000Z", `legacy-${account}`);

    // Assess: the counts add up; the later lastSeenAt (the profile's) stands
    expect(await profiles.get("ws_1", account)).toEqual({
      workspaceId: "ws_1",
      accountId: account,
      traits: { plan: "pro" },
      lastSeenAt: "2026-11-21T12:00:00.000Z",
      eventCounts: { signed_up: 5, paid: 1 },
    });
  });

  it("writes each event's counter as a small item, whatever the size of the traits", async () => {
    const account = newAccount();
    await profiles.mergeTraits("ws_1", account, { notes: "x".repeat(3000) }, "t1");

    await profiles.touch("ws_1", account, "page_viewed", "2026-11-21T10:00:00.000Z", `small-${account}`);

    const { Item } = await db.send(
      new GetCommand({ TableName: TABLE, Key: keys.profileEventCount("ws_1", account, "page_viewed") }),
    );
    expect(itemSizeBytes(Item)).toBeLessThan(200);
    expect((await profiles.get("ws_1", account))?.eventCounts).toEqual({ page_viewed: 1 });
  });

  it("counts a message once: resent, retried, or processed by ten workers at the same instant", async () => {
    const account = newAccount();
    const at = "2026-11-21T10:00:00.000Z";

    await profiles.touch("ws_1", account, "paid", at, `once-${account}`);
    await profiles.touch("ws_1", account, "paid", at, `once-${account}`);
    await Promise.all(
      Array.from({ length: 10 }, () => profiles.touch("ws_1", account, "paid", at, `race-${account}`)),
    );
    // A late copy takes the counter-only path: it too counts once.
    await Promise.all(
      Array.from({ length: 5 }, () =>
        profiles.touch("ws_1", account, "paid", "2026-11-21T09:00:00.000Z", `late-${account}`),
      ),
    );

    expect(await profiles.get("ws_1", account)).toMatchObject({
      lastSeenAt: at,
      eventCounts: { paid: 3 },
    });
  });

  it("keeps the copy of the touch that applied, for copies that raced it to read (MessageLog.touchedBy)", async () => {
    const account = newAccount();
    const messages = new DynamoMessageLog(db, TABLE);
    const at = "2026-11-21T10:00:00.000Z";

    const results = await Promise.all(
      ["copy-a", "copy-b", "copy-c"].map((copy) =>
        profiles.touch("ws_1", account, "paid", at, `copies-${account}`, undefined, copy),
      ),
    );

    expect(results.filter((result) => result === "applied")).toHaveLength(1);
    const winner = ["copy-a", "copy-b", "copy-c"][results.indexOf("applied")];
    expect(await messages.touchedBy("ws_1", `copies-${account}`)).toBe(winner);
    expect(await messages.touchedBy("ws_1", `never-${account}`)).toBeUndefined();
  });

  it("loses no increment and no trait under concurrent writes", async () => {
    const account = newAccount();

    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        profiles.touch(
          "ws_1",
          account,
          "page_viewed",
          `2026-11-21T10:00:${String(i).padStart(2, "0")}.000Z`,
          `page-${account}-${i}`,
        ),
      ),
      ...Array.from({ length: 10 }, (_, i) => profiles.mergeTraits("ws_1", account, { [`t${i}`]: i }, "t")),
    ]);

    const profile = await profiles.get("ws_1", account);
    expect(profile?.eventCounts).toEqual({ page_viewed: 20 });
    expect(profile?.lastSeenAt).toBe("2026-11-21T10:00:19.000Z");
    expect(Object.keys(profile?.traits ?? {})).toHaveLength(10);
  });
});
