import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEBUGGER_ACCEPTED_SAMPLE_MS,
  DynamoIngestDebugger,
} from "../../../../shared/adapters/dynamodb/ingestion-repository.js";
import type { DebugEntry } from "../../../../shared/ports/ingestion.js";
import { type FixedClock, fixedClock } from "../../../support/fakes.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
let clock: FixedClock;
let debug: DynamoIngestDebugger;

const entry = (verdict: DebugEntry["verdict"], messageId: string): DebugEntry => ({
  verdict,
  receivedAt: clock.now().toISOString(),
  messageId,
  item: { event: "page_viewed", messageId },
});

const counted = () =>
  db.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues);
const kept = () =>
  db
    .commandCalls(BatchWriteCommand)
    .flatMap((call) => Object.values(call.args[0].input.RequestItems ?? {}).flat())
    .map((request) => request.PutRequest?.Item?.messageId);

beforeEach(() => {
  db.reset();
  db.on(UpdateCommand).resolves({ Attributes: { acceptedSlot: 1, rejectedSlot: 1 } });
  db.on(BatchWriteCommand).resolves({});
  clock = fixedClock("2026-12-06T10:00:00.000Z");
  debug = new DynamoIngestDebugger(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
    clock,
  );
});

afterAll(() => db.restore());

describe("DynamoIngestDebugger.record", () => {
  it("counts every item, and keeps a source's accepted items at most once a second per container", async () => {
    // Act: three requests within a second, then one after it
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")]);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")]);
    clock.advance(DEBUGGER_ACCEPTED_SAMPLE_MS - 1);
    await debug.record("ws_1", "src_1", [entry("accepted", "m3")]);
    clock.advance(1);
    await debug.record("ws_1", "src_1", [entry("accepted", "m4")]);

    // Assess: every request counted; only the sampled ones take a ring slot
    expect(counted().map((values) => [values?.[":a"], values?.[":ka"]])).toEqual([
      [1, 1],
      [1, 0],
      [1, 0],
      [1, 1],
    ]);
    expect(kept()).toEqual(["m1", "m4"]);
  });

  it("always keeps rejected items, and samples each source on its own", async () => {
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")]);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2"), entry("rejected", "r1")]);
    await debug.record("ws_1", "src_2", [entry("accepted", "m3")]);

    expect(kept()).toEqual(["m1", "r1", "m3"]);
  });
});
