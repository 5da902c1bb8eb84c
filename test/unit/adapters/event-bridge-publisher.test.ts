import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { EventBridgePublisher } from "../../../shared/adapters/event-bridge-publisher.js";
import type { IdentifyReceivedDetail } from "../../../shared/contracts/bus-details.js";
import { ServiceUnavailableError } from "../../../shared/domain/errors.js";
import { attributeChangedDetails } from "../../../shared/domain/identify.js";
import { MAX_MESSAGE_BYTES } from "../../../shared/domain/message.js";
import { anEventDetail } from "../../support/fakes.js";

const eventBridge = mockClient(EventBridgeClient);
const BUS = "moments-bus";

function publisher(options: { attempts?: number } = {}) {
  return new EventBridgePublisher(new EventBridgeClient({ region: "us-east-1" }), BUS, {
    backoffMs: 0,
    ...options,
  });
}

function sentEntries(): PutEventsRequestEntry[][] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}

function messageIdsOf(entries: PutEventsRequestEntry[]): string[] {
  return entries.map((e) => (JSON.parse(e.Detail ?? "{}") as { messageId: string }).messageId);
}

beforeEach(() => {
  eventBridge.reset();
});

afterAll(() => {
  eventBridge.restore();
});

describe("EventBridgePublisher", () => {
  it("puts each detail as an Event Received entry on the bus", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
    const detail = anEventDetail({ messageId: "msg-1", receivedAt: "2026-11-21T10:00:00.000Z" });

    // Act
    await publisher().publish([detail]);

    // Assess
    expect(sentEntries()).toEqual([
      [
        {
          EventBusName: BUS,
          Source: "moments.ingestion",
          DetailType: "Event Received",
          Detail: JSON.stringify(detail),
          Time: new Date("2026-11-21T10:00:00.000Z"),
        },
      ],
    ]);
  });

  it("puts identifies as Identify Received and attribute changes as Attribute Changed, in one call", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 0,
      Entries: [{ EventId: "e1" }, { EventId: "e2" }, { EventId: "e3" }],
    });
    const identify: IdentifyReceivedDetail = {
      workspaceId: "ws_1",
      sourceId: "src_1",
      messageId: "idf-1",
      accountId: "acct_1",
      timestamp: "2026-11-21T10:00:00.000Z",
      receivedAt: "2026-11-21T10:00:00.000Z",
      traits: { plan: "pro" },
    };
    const [change] = attributeChangedDetails(anEventDetail(), "account", [
      { attribute: "plan", from: null, to: "pro" },
    ]);
    if (!change) throw new Error("no change detail");

    // Act
    await publisher().publish([anEventDetail(), identify, change]);

    // Assess
    expect(sentEntries()[0]?.map((e) => e.DetailType)).toEqual([
      "Event Received",
      "Identify Received",
      "Attribute Changed",
    ]);
    expect(JSON.parse(sentEntries()[0]?.[1]?.Detail ?? "{}")).toEqual(identify);
  });

  it("resends only the entry PutEvents refused when a call partly fails", async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: "e1" }, { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: "e2" }] });

    // Act
    await publisher().publish([anEventDetail({ messageId: "ok" }), anEventDetail({ messageId: "refused" })]);

    // Assess
    const calls = sentEntries();
    expect(calls.map(messageIdsOf)).toEqual([["ok", "refused"], ["refused"]]);
  });

  it("throws ServiceUnavailableError (503) when an entry is still refused after every attempt", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try later" }],
    });

    // Act
    const error = await publisher()
      .publish([anEventDetail()])
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ statusCode: 503, message: expect.stringContaining("InternalFailure") });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it("retries a call the SDK threw on, then answers 503 naming the error", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));

    const error = await publisher()
      .publish([anEventDetail()])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toContain("TimeoutError");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it("succeeds when a retry after an SDK error goes through", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(new Error("ECONNRESET"))
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });

    await expect(publisher().publish([anEventDetail()])).resolves.toBeUndefined();
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it("makes only as many attempts as configured", async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error("down"));

    await expect(publisher({ attempts: 1 }).publish([anEventDetail()])).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it("splits more than 10 details into calls of at most 10 (PutEvents' limit)", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    const details = Array.from({ length: 23 }, (_, i) => anEventDetail({ messageId: `m${i}` }));

    // Act
    await publisher().publish(details);

    // Assess
    const calls = sentEntries();
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls.flatMap(messageIdsOf)).toEqual(details.map((d) => d.messageId));
  });

  it("keeps at most 10 PutEvents calls in flight for a batch of thousands of items", async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) };
    });
    const details = Array.from({ length: 2000 }, (_, i) => anEventDetail({ messageId: `m${i}` }));

    // Act
    await publisher().publish(details);

    // Assess
    expect(sentEntries()).toHaveLength(200);
    expect(most).toBe(10);
    expect(sentEntries().flatMap(messageIdsOf)).toEqual(details.map((d) => d.messageId));
  });

  it("makes no call for no details", async () => {
    await publisher().publish([]);

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  // BUG (latent; shared/adapters/event-bridge-publisher.ts:38-39): batches are cut by count only.
  // PutEvents refuses a request whose entries total 256 KB or more, and an event may be up to
  // MAX_MESSAGE_BYTES (32 KB), so ten large events make a request EventBridge rejects on every attempt
  // (answered as 503 forever). No caller batches today (ingestEvent publishes one detail), but
  // publish() accepts arrays. Fix: also cut a batch before its summed entry size (14 bytes for Time +
  // UTF-8 bytes of Source, DetailType and Detail, per the EventBridge docs) would reach 256 KB.
  it("keeps every PutEvents request under EventBridge's 256 KB total entry size", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    const large = Array.from({ length: 10 }, (_, i) =>
      anEventDetail({ messageId: `m${i}`, properties: { blob: "x".repeat(MAX_MESSAGE_BYTES - 1024) } }),
    );

    // Act
    await publisher().publish(large);

    // Assess
    const sizeOf = (e: PutEventsRequestEntry) =>
      14 +
      Buffer.byteLength(e.Source ?? "") +
      Buffer.byteLength(e.DetailType ?? "") +
      Buffer.byteLength(e.Detail ?? "");
    for (const entries of sentEntries()) {
      expect(entries.reduce((total, e) => total + sizeOf(e), 0)).toBeLessThan(256 * 1024);
    }
  });

  it("sends every call even when one fails, then answers 503 naming how many events were refused", async () => {
    // Prepare: the second call (m10..m19) is refused on every attempt.
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      const refused = messageIdsOf(input.Entries).some((id) => id === "m10");
      return refused
        ? {
            FailedEntryCount: input.Entries.length,
            Entries: input.Entries.map(() => ({ ErrorCode: "InternalFailure", ErrorMessage: "try later" })),
          }
        : { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) };
    });
    const details = Array.from({ length: 25 }, (_, i) => anEventDetail({ messageId: `m${i}` }));

    // Act
    const error = await publisher()
      .publish(details)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toMatch(
      /did not accept 10 events \(InternalFailure\); retry with the same messageIds/,
    );
    const firstOf = sentEntries().map((entries) => messageIdsOf(entries)[0]);
    expect(firstOf.filter((id) => id === "m0")).toHaveLength(1);
    expect(firstOf.filter((id) => id === "m20")).toHaveLength(1);
    expect(firstOf.filter((id) => id === "m10")).toHaveLength(3);
  });
});
