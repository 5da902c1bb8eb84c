import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEBUGGER_ACCEPTED_SAMPLE_MS,
  DEBUGGER_COUNT_HOLD_MS,
  DEBUGGER_WRITE_THROUGH_ITEMS,
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

/** A debugger whose failed flushes are reported to the array answered. */
function reportingFailures() {
  const failures: number[] = [];
  debug = new DynamoIngestDebugger(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    TABLE,
    clock,
    (failed) => failures.push(failed),
  );
  return failures;
}

/** The debugger is watched: accepted items are sampled. */
const WATCHED = { sampleAccepted: true };
/** Nobody watches: accepted items are counted, not kept. */
const UNWATCHED = { sampleAccepted: false };

const accepted = (values: Record<string, unknown> | undefined) => values?.[":a"];

describe("DynamoIngestDebugger.record", () => {
  it("keeps a source's accepted items at most once a second per container, and counts the others with them", async () => {
    // Act: three requests within a second, then one after it
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], WATCHED);
    clock.advance(DEBUGGER_ACCEPTED_SAMPLE_MS - 1);
    await debug.record("ws_1", "src_1", [entry("accepted", "m3")], WATCHED);
    clock.advance(1);
    await debug.record("ws_1", "src_1", [entry("accepted", "m4")], WATCHED);

    // Assess: the two requests between samples wrote nothing; the next sample counted them
    expect(counted().map((values) => [values?.[":a"], values?.[":ka"]])).toEqual([
      [1, 1],
      [3, 1],
    ]);
    expect(kept()).toEqual(["m1", "m4"]);
  });

  it("always counts and keeps rejected items before answering, with the accepted ones held until then", async () => {
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2"), entry("accepted", "m3")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m4"), entry("rejected", "r1")], WATCHED);
    await debug.record("ws_1", "src_2", [entry("accepted", "m5")], WATCHED);

    expect(kept()).toEqual(["m1", "r1", "m5"]);
    expect(counted().map((values) => [values?.[":a"], values?.[":r"]])).toEqual([
      [1, 0],
      [3, 1],
      [1, 0],
    ]);
  });

  it("counts a batch of 10 accepted items or more at once, with what was held, without keeping it", async () => {
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], WATCHED);
    const batch = (n: number) => Array.from({ length: n }, (_, i) => entry("accepted", `b${n}-${i}`));

    await debug.record("ws_1", "src_1", batch(DEBUGGER_WRITE_THROUGH_ITEMS - 1), WATCHED);
    await debug.record("ws_1", "src_1", batch(DEBUGGER_WRITE_THROUGH_ITEMS), WATCHED);

    expect(counted().map((values) => [values?.[":a"], values?.[":ka"]])).toEqual([
      [1, 1],
      [1 + DEBUGGER_WRITE_THROUGH_ITEMS - 1 + DEBUGGER_WRITE_THROUGH_ITEMS, 0],
    ]);
    expect(kept()).toEqual(["m1"]);
  });

  it("writes a source's held count with the next request of any source once held for 10 s", async () => {
    // Prepare: src_1 sampled, then one more request of it held
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2"), entry("accepted", "m3")], WATCHED);
    await debug.record("ws_1", "src_2", [entry("accepted", "m4")], WATCHED);
    await debug.record("ws_1", "src_2", [entry("accepted", "m5")], WATCHED);
    db.resetHistory();

    // Act: not due yet, then due
    clock.advance(DEBUGGER_COUNT_HOLD_MS - 1);
    await debug.record("ws_1", "src_3", [entry("rejected", "r1")], WATCHED);
    const beforeDue = counted().length;
    clock.advance(1);
    await debug.record("ws_1", "src_3", [entry("rejected", "r2")], WATCHED);

    // Assess
    expect(beforeDue).toBe(1);
    const flushed = db
      .commandCalls(UpdateCommand)
      .slice(1)
      .map((call) => [call.args[0].input.Key?.pk, accepted(call.args[0].input.ExpressionAttributeValues)]);
    expect(flushed).toEqual(
      expect.arrayContaining([
        [expect.stringContaining("src_1"), 2],
        [expect.stringContaining("src_2"), 1],
      ]),
    );
    expect(flushed).toHaveLength(3);
  });

  it("keeps held counts whose write failed, and answers the request's own failure", async () => {
    // Prepare
    const failures = reportingFailures();
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], WATCHED);
    clock.advance(DEBUGGER_ACCEPTED_SAMPLE_MS);
    db.on(UpdateCommand).rejects(new Error("ProvisionedThroughputExceededException"));

    // Act: a rejected item's write fails (the request's own: it fails), then succeeds
    await expect(debug.record("ws_1", "src_1", [entry("rejected", "r1")], WATCHED)).rejects.toThrow(
      "Provisioned",
    );
    db.on(UpdateCommand).resolves({ Attributes: { acceptedSlot: 1, rejectedSlot: 1 } });
    await debug.record("ws_1", "src_1", [entry("rejected", "r2")], WATCHED);

    // Assess: the held item was counted once, by the write that succeeded
    expect(counted().map((values) => [values?.[":a"], values?.[":r"]])).toEqual([
      [1, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(failures).toEqual([]);
  });

  it("does not hold again a count that went in when keeping the items after it failed (no double count)", async () => {
    // Prepare: one accepted item sampled and kept, a second held.
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], WATCHED);
    db.on(BatchWriteCommand).rejects(new Error("ProvisionedThroughputExceededException"));

    // Act: a rejected item's count (with the held one) goes in; keeping the item fails.
    await expect(debug.record("ws_1", "src_1", [entry("rejected", "r1")], WATCHED)).rejects.toThrow(
      "Provisioned",
    );
    db.on(BatchWriteCommand).resolves({});
    await debug.record("ws_1", "src_1", [entry("rejected", "r2")], WATCHED);

    // Assess: the held item was counted once, by the count that went in.
    expect(counted().map((values) => [values?.[":a"], values?.[":r"]])).toEqual([
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
  });

  it("reports a failed flush of another source's held count and writes it with a later request", async () => {
    const failures = reportingFailures();
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], WATCHED);
    clock.advance(DEBUGGER_COUNT_HOLD_MS);
    const src1 = { Key: { pk: "WS#ws_1#SOURCEDEBUG#src_1", sk: "COUNTS" } };
    db.on(UpdateCommand, src1).rejects(new Error("ProvisionedThroughputExceededException"));

    await debug.record("ws_1", "src_2", [entry("rejected", "r1")], WATCHED);
    db.on(UpdateCommand, src1).resolves({ Attributes: {} });
    clock.advance(DEBUGGER_COUNT_HOLD_MS);
    await debug.record("ws_1", "src_2", [entry("rejected", "r2")], WATCHED);

    expect(failures).toEqual([1]);
    const writes = db
      .commandCalls(UpdateCommand)
      .filter((call) => String(call.args[0].input.Key?.pk).includes("src_1"))
      .map((call) => accepted(call.args[0].input.ExpressionAttributeValues));
    expect(writes).toEqual([1, 1, 1]);
  });
});

describe("DynamoIngestDebugger.record for a source nobody watches", () => {
  it("keeps none of its accepted items, and writes their count at once when quiet, then at most once per 10 s", async () => {
    // Act: a first request (quiet: counted at once), three more within the hold, one after it
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], UNWATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], UNWATCHED);
    clock.advance(DEBUGGER_ACCEPTED_SAMPLE_MS);
    await debug.record("ws_1", "src_1", [entry("accepted", "m3"), entry("accepted", "m4")], UNWATCHED);
    clock.advance(DEBUGGER_COUNT_HOLD_MS - DEBUGGER_ACCEPTED_SAMPLE_MS - 1);
    await debug.record("ws_1", "src_1", [entry("accepted", "m5")], UNWATCHED);
    const withinHold = counted().length;
    clock.advance(1);
    await debug.record("ws_1", "src_1", [entry("accepted", "m6")], UNWATCHED);

    // Assess: two writes (no BatchWriteItem at all), every item counted once
    expect(withinHold).toBe(1);
    expect(counted().map((values) => [values?.[":a"], values?.[":ka"]])).toEqual([
      [1, 0],
      [5, 0],
    ]);
    expect(db.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });

  it("writes what it holds at shutdown (flushAll), due or not, and nothing twice", async () => {
    // Prepare: a quiet first request counted at once, two more held
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], UNWATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], UNWATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m3")], UNWATCHED);

    // Act: the container shuts down within the hold
    const failed = await debug.flushAll();
    await debug.flushAll();

    // Assess
    expect(failed).toBe(0);
    expect(counted().map(accepted)).toEqual([1, 2]);
  });

  it("still counts and keeps every rejected item before answering", async () => {
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], UNWATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2"), entry("rejected", "r1")], UNWATCHED);
    await debug.record("ws_1", "src_1", [entry("rejected", "r2")], UNWATCHED);

    expect(kept()).toEqual(["r1", "r2"]);
    expect(
      counted().map((values) => [values?.[":a"], values?.[":r"], values?.[":ka"], values?.[":kr"]]),
    ).toEqual([
      [1, 0, 0, 0],
      [1, 1, 0, 1],
      [0, 1, 0, 1],
    ]);
  });

  it("starts sampling with the first request after the debugger is opened", async () => {
    // Prepare: unwatched traffic, one request's count held
    await debug.record("ws_1", "src_1", [entry("accepted", "m1")], UNWATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m2")], UNWATCHED);

    // Act: the key now carries a fresh watch mark
    await debug.record("ws_1", "src_1", [entry("accepted", "m3")], WATCHED);
    await debug.record("ws_1", "src_1", [entry("accepted", "m4")], WATCHED);

    // Assess: kept at once (with the held count), then at most once a second as before
    expect(kept()).toEqual(["m3"]);
    expect(counted().map((values) => [values?.[":a"], values?.[":ka"]])).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });
});
