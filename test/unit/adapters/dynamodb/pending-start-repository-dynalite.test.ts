/**
 * Arming an abandonment start against a real DynamoDB engine (dynalite, in process): what the
 * mocked tests cannot show — that re-arms arriving together all find the one gate that waits.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoPendingStartRepository } from "../../../../shared/adapters/dynamodb/pending-start-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { startDynaliteTable } from "../../../support/dynalite.js";
import { anEventDetail } from "../../../support/fakes.js";

const TABLE = "moments-pending-starts";
const AT = "2026-11-21T10:00:00.000Z";
let stopDynalite: (() => Promise<void>) | undefined;
let db: Awaited<ReturnType<typeof startDynaliteTable>>["db"];
let pending: DynamoPendingStartRepository;
let accounts = 0;

beforeAll(async () => {
  const dynalite = await startDynaliteTable(TABLE);
  stopDynalite = dynalite.stop;
  db = dynalite.db;
  pending = new DynamoPendingStartRepository(db, TABLE);
});

afterAll(async () => {
  await stopDynalite?.();
});

/** The n-th add of a cart, n seconds after AT, due an hour after it, with a gate of its own. */
const add = (accountId: string, n: number) => {
  const timestamp = new Date(Date.parse(AT) + n * 1000).toISOString();
  return pending.arm(
    {
      workspaceId: "ws_1",
      accountId,
      momentId: "m_1",
      token: `add-${n}`,
      dueAt: new Date(Date.parse(timestamp) + 3_600_000).toISOString(),
      trigger: anEventDetail({ messageId: `add-${n}`, accountId, timestamp }),
      gate: `gate-${n}`,
    },
    timestamp,
  );
};
const storedGate = async (accountId: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: keys.pendingStart("ws_1", accountId, "m_1") }))).Item
    ?.gate;

describe("DynamoPendingStartRepository.arm on dynalite", () => {
  it("names the first trigger's gate to every re-arm, also when the re-arms arrive together", async () => {
    const accountId = `acct_${++accounts}`;
    await expect(add(accountId, 0)).resolves.toBe("armed");

    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => add(accountId, n)));

    // Each is a re-arm over the waiting gate, or refused as older than one that got there first.
    for (const result of results) {
      if (typeof result === "string") expect(result).toBe("newer_trigger");
      else expect(result.rearmed.gate).toBe("gate-0");
    }
    expect(results.some((result) => typeof result !== "string")).toBe(true);
    expect(await storedGate(accountId)).toBe("gate-0");
  });

  it("names the new trigger's gate when the start it replaced was falling due (its gate may be opening it)", async () => {
    const accountId = `acct_${++accounts}`;
    await add(accountId, 0);

    // An hour later: the first start falls due now.
    await expect(add(accountId, 3_600)).resolves.toBe("armed");

    expect(await storedGate(accountId)).toBe("gate-3600");
  });

  it("names no gate after re-arming a start armed before gates were named", async () => {
    const accountId = `acct_${++accounts}`;
    const key = keys.pendingStart("ws_1", accountId, "m_1");
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...key,
          type: "pending_start",
          momentId: "m_1",
          token: "add-old",
          dueAt: "2026-11-21T11:00:00.000Z",
          trigger: anEventDetail({ messageId: "add-old", accountId, timestamp: AT }),
          triggerTimestamp: AT,
        },
      }),
    );

    await expect(add(accountId, 1)).resolves.toMatchObject({ rearmed: { token: "add-old" } });

    expect(await storedGate(accountId)).toBeUndefined();
  });

  it("arms again after a cancellation, with its own gate", async () => {
    const accountId = `acct_${++accounts}`;
    await add(accountId, 0);
    await pending.cancel("ws_1", accountId, "m_1", undefined, "2026-11-21T10:00:00.500Z");

    await expect(add(accountId, 1)).resolves.toBe("armed");

    expect(await storedGate(accountId)).toBe("gate-1");
    expect(await pending.current("ws_1", accountId, "m_1", undefined)).toMatchObject({ token: "add-1" });
  });
});
