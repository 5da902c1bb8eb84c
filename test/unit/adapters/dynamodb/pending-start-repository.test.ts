import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoPendingStartRepository } from "../../../../shared/adapters/dynamodb/pending-start-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { anEventDetail } from "../../../support/fakes.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const key = keys.pendingStart("ws_1", "acct_1", "m_1");
const TRIGGERED = "2026-11-21T10:00:00.000Z";

const repository = () =>
  new DynamoPendingStartRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
  );
const arm = (gate?: string) =>
  repository().arm(
    {
      ...(gate === undefined ? {} : { gate }),
      workspaceId: "ws_1",
      accountId: "acct_1",
      momentId: "m_1",
      token: "add-1",
      dueAt: "2026-11-21T12:00:00.000Z",
      trigger: anEventDetail({ messageId: "add-1", timestamp: TRIGGERED }),
    },
    TRIGGERED,
  );
const refused = () => new ConditionalCheckFailedException({ message: "refused", $metadata: {} });

beforeEach(() => db.reset());
afterAll(() => db.restore());

describe("DynamoPendingStartRepository.arm", () => {
  it("answers armed when the conditional write holds", async () => {
    db.on(UpdateCommand).resolves({});

    await expect(arm()).resolves.toBe("armed");
    expect(db.commandCalls(GetCommand)).toHaveLength(0);
  });

  it("answers the start it replaced when that earlier trigger's gate still waits (its due time ahead)", async () => {
    const earlier = anEventDetail({ messageId: "add-0", timestamp: "2026-11-21T09:50:00.000Z" });
    db.on(UpdateCommand).resolves({
      Attributes: { ...key, token: "add-0", dueAt: "2026-11-21T11:50:00.000Z", trigger: earlier },
    });

    await expect(arm()).resolves.toEqual({
      rearmed: { momentId: "m_1", token: "add-0", dueAt: "2026-11-21T11:50:00.000Z", trigger: earlier },
    });
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input.ReturnValues).toBe("ALL_OLD");
  });

  it("keeps naming the gate that waits in the same write, so every later re-arm finds that one gate", async () => {
    db.on(UpdateCommand).resolves({
      Attributes: {
        ...key,
        token: "add-0",
        dueAt: "2026-11-21T11:50:00.000Z",
        trigger: anEventDetail({ messageId: "add-0" }),
        gate: "gate-first",
      },
    });

    await expect(arm("gate-add-1")).resolves.toMatchObject({ rearmed: { gate: "gate-first" } });
    const writes = db.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.UpdateExpression).toContain("gate = if_not_exists(gate, :gate)");
    expect(writes[0]?.ExpressionAttributeValues).toMatchObject({ ":gate": "gate-add-1", ":token": "add-1" });
  });

  it("answers armed over a start falling due now (its gate may be opening it): a gate of its own", async () => {
    db.on(UpdateCommand).resolves({
      Attributes: {
        ...key,
        token: "add-0",
        dueAt: TRIGGERED,
        trigger: anEventDetail({ messageId: "add-0" }),
        gate: "gate-add-0",
      },
    });

    await expect(arm("gate-add-1")).resolves.toBe("armed");
    // The item kept the opening gate's name: it now names this trigger's.
    expect(db.commandCalls(UpdateCommand)[1]?.args[0].input).toMatchObject({
      UpdateExpression: "SET gate = :gate",
      ExpressionAttributeValues: { ":gate": "gate-add-1", ":token": "add-1" },
    });
  });

  it("answers newer_trigger when a trigger that happened later holds the start", async () => {
    db.on(UpdateCommand).rejects(refused());
    db.on(GetCommand, { Key: key }).resolves({
      Item: { ...key, token: "add-2", triggerTimestamp: "2026-11-21T10:30:00.000Z" },
    });

    await expect(arm()).resolves.toBe("newer_trigger");
    expect(db.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it("answers unless_event when the kept cancellation happened at or after the trigger", async () => {
    db.on(UpdateCommand).rejects(refused());
    db.on(GetCommand, { Key: key }).resolves({ Item: { ...key, cancelledAt: TRIGGERED } });

    await expect(arm()).resolves.toBe("unless_event");
  });
});
