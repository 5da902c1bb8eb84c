import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { afterEach, describe, expect, it } from "vitest";
import {
  type LocalBusEvent,
  type LocalEventBridge,
  type LocalEventBridgeOptions,
  startLocalEventBridge,
} from "../../../infra/local/event-bridge.js";
import { waitFor } from "../../support/wait-for.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const CUSTOM_BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/moments`;

const orderPlaced = (orderId: string): PutEventsRequestEntry => ({
  Source: "moments.orders",
  DetailType: "OrderPlaced",
  Detail: JSON.stringify({ orderId }),
});

describe("local EventBridge", () => {
  let bus: LocalEventBridge | undefined;
  let client: EventBridgeClient | undefined;

  afterEach(async () => {
    client?.destroy();
    await bus?.stop();
    bus = undefined;
    client = undefined;
  });

  async function start(overrides: Partial<LocalEventBridgeOptions> = {}) {
    const orders: LocalBusEvent[] = [];
    const vip: LocalBusEvent[] = [];
    bus = await startLocalEventBridge({
      accountId: ACCOUNT,
      region: REGION,
      deliveryRetryDelaysMs: [1, 1],
      rules: [
        {
          name: "orders",
          eventBusName: "default",
          pattern: { source: ["moments.orders"], "detail-type": ["OrderPlaced"] },
          target: async (event) => {
            orders.push(event);
          },
        },
        {
          name: "vip",
          eventBusName: CUSTOM_BUS_ARN,
          pattern: { detail: { tier: ["vip"] } },
          target: async (event) => {
            vip.push(event);
          },
        },
      ],
      ...overrides,
    });
    client = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    return { bus, client, orders, vip };
  }

  it("routes only matching events to each rule's target, in the EventBridge envelope", async () => {
    const { bus, client, orders, vip } = await start();
    const time = new Date("2026-11-21T04:28:05.123Z");
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...orderPlaced("o-1"), Resources: ["arn:aws:example:::order/o-1"], Time: time },
          { ...orderPlaced("o-2"), Source: "moments.refunds" },
          {
            Source: "moments.customers",
            DetailType: "Upgraded",
            Detail: '{"tier":"vip"}',
            EventBusName: "moments",
          },
          {
            Source: "moments.customers",
            DetailType: "Upgraded",
            Detail: '{"tier":"vip"}',
            EventBusName: CUSTOM_BUS_ARN,
          },
          {
            Source: "moments.customers",
            DetailType: "Upgraded",
            Detail: '{"tier":"basic"}',
            EventBusName: "moments",
          },
          // A matching pattern on another bus must not see default-bus events.
          { Source: "moments.customers", DetailType: "Upgraded", Detail: '{"tier":"vip"}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries).toHaveLength(6);
    await bus.idle();

    expect(orders).toEqual([
      {
        version: "0",
        id: result.Entries?.[0]?.EventId,
        "detail-type": "OrderPlaced",
        source: "moments.orders",
        account: ACCOUNT,
        time: "2026-11-21T04:28:05Z",
        region: REGION,
        resources: ["arn:aws:example:::order/o-1"],
        detail: { orderId: "o-1" },
      },
    ]);
    expect(vip.map((event) => event.id)).toEqual([
      result.Entries?.[2]?.EventId,
      result.Entries?.[3]?.EventId,
    ]);
    expect(vip[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(vip[0]?.resources).toEqual([]);
  });

  it("does not make the publisher wait for targets", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let delivered = 0;
    const { bus, client } = await start({
      rules: [
        {
          name: "slow",
          eventBusName: "default",
          pattern: { source: ["moments.orders"] },
          target: async () => {
            await released;
            delivered++;
          },
        },
      ],
    });
    const result = await client.send(new PutEventsCommand({ Entries: [orderPlaced("o-1")] }));
    expect(result.FailedEntryCount).toBe(0);
    expect(delivered).toBe(0);
    release();
    await bus.idle();
    expect(delivered).toBe(1);
  });

  it("reports invalid entries individually and still delivers the good ones", async () => {
    const { bus, client, orders } = await start();
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          orderPlaced("good-1"),
          { Source: "moments.orders", DetailType: "OrderPlaced" },
          { ...orderPlaced("x"), Detail: "[1,2]" },
          { ...orderPlaced("x"), Detail: "{not json" },
          { ...orderPlaced("x"), EventBusName: "no-such-bus" },
          { ...orderPlaced("x"), Source: "aws.ec2" },
          orderPlaced("good-2"),
        ],
      }),
    );
    // An entry over 1 MiB on its own (with others, the request's total is over it: refused whole).
    const oversized = await client.send(
      new PutEventsCommand({
        Entries: [{ ...orderPlaced("x"), Detail: JSON.stringify({ blob: "x".repeat(1100 * 1024) }) }],
      }),
    );
    expect(oversized.Entries?.[0]).toMatchObject({ ErrorCode: "InvalidArgument" });
    expect(result.FailedEntryCount).toBe(5);
    const entries = result.Entries ?? [];
    expect(entries[0]?.EventId).toBeTypeOf("string");
    expect(entries[1]).toMatchObject({ ErrorCode: "InvalidArgument" });
    expect(entries[1]?.ErrorMessage).toMatch(/Detail is a required argument/);
    expect(entries[2]).toMatchObject({ ErrorCode: "MalformedDetail" });
    expect(entries[3]).toMatchObject({ ErrorCode: "MalformedDetail" });
    expect(entries[4]).toMatchObject({ ErrorCode: "ResourceNotFoundException" });
    expect(entries[5]).toMatchObject({ ErrorCode: "NotAuthorizedForSourceException" });
    expect(entries[6]?.EventId).toBeTypeOf("string");
    for (const failed of entries.slice(1, 6)) expect(failed.EventId).toBeUndefined();

    await bus.idle();
    expect(orders.map((event) => event.detail)).toEqual([{ orderId: "good-1" }, { orderId: "good-2" }]);
  });

  it("failNextEntries fails exactly the next N entries without delivering them", async () => {
    const { bus, client, orders } = await start();
    bus.failNextEntries(2);
    const first = await client.send(
      new PutEventsCommand({ Entries: [orderPlaced("a"), orderPlaced("b"), orderPlaced("c")] }),
    );
    expect(first.FailedEntryCount).toBe(2);
    expect(first.Entries?.slice(0, 2)).toEqual([
      expect.objectContaining({ ErrorCode: "InternalFailure" }),
      expect.objectContaining({ ErrorCode: "InternalFailure" }),
    ]);
    expect(first.Entries?.[2]?.EventId).toBeTypeOf("string");

    bus.failNextEntries(1, "ThrottlingException");
    const second = await client.send(new PutEventsCommand({ Entries: [orderPlaced("d"), orderPlaced("e")] }));
    expect(second.Entries?.map((entry) => entry.ErrorCode)).toEqual(["ThrottlingException", undefined]);

    await bus.idle();
    expect(orders.map((event) => event.detail)).toEqual([{ orderId: "c" }, { orderId: "e" }]);
  });

  it("rejects requests with more than 10 entries as a ValidationException", async () => {
    const { client } = await start();
    const entries = Array.from({ length: 11 }, (_, i) => orderPlaced(`o-${i}`));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: "ValidationException",
      $fault: "client",
    });
  });

  it("refuses a request whose entries together exceed 1 MiB, as a whole, though each entry is under it", async () => {
    const { client, orders } = await start();
    const padded = (i: number) => ({
      ...orderPlaced(`o-${i}`),
      Detail: JSON.stringify({ orderId: `o-${i}`, pad: "x".repeat(120 * 1024) }),
    });

    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => padded(i)) })),
    ).rejects.toMatchObject({
      name: "ValidationException",
      message: "Total size of the entries in the request is over the limit.",
    });
    const fits = await client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 8 }, (_, i) => padded(i)) }),
    );
    expect(fits.FailedEntryCount).toBe(0);
    await bus?.idle();
    expect(orders).toHaveLength(8);
  });

  it("retries a failing target, then logs and drops the event", async () => {
    const logs: Array<Record<string, unknown>> = [];
    let flakyCalls = 0;
    let brokenCalls = 0;
    const flakyReceived: string[] = [];
    const { bus, client } = await start({
      onLog: (entry) => logs.push(entry),
      rules: [
        {
          name: "flaky",
          eventBusName: "default",
          pattern: { source: ["moments.orders"] },
          target: async (event) => {
            flakyCalls++;
            if (flakyCalls < 3) throw new Error("target unavailable");
            flakyReceived.push(event.id);
          },
        },
        {
          name: "broken",
          eventBusName: "default",
          pattern: { source: ["moments.orders"] },
          target: async () => {
            brokenCalls++;
            throw new Error("always broken");
          },
        },
      ],
    });
    const result = await client.send(new PutEventsCommand({ Entries: [orderPlaced("o-1")] }));
    await bus.idle();

    expect(flakyCalls).toBe(3);
    expect(flakyReceived).toEqual([result.Entries?.[0]?.EventId]);
    // deliveryRetryDelaysMs has two entries: one attempt plus two retries.
    expect(brokenCalls).toBe(3);
    await waitFor(
      () =>
        logs.some((entry) => entry.rule === "broken" && entry.message === "delivery failed; event dropped"),
      {
        description: "the drop to be logged",
      },
    );
  });

  it("answers other operations with an UnknownOperationException", async () => {
    const { bus } = await start();
    const response = await fetch(bus.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSEvents.PutRule" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toMatch(/UnknownOperationException$/);
  });

  it("refuses to start with an invalid rule pattern", async () => {
    await expect(
      startLocalEventBridge({
        rules: [
          {
            name: "bad",
            eventBusName: "default",
            pattern: { source: "not-an-array" },
            target: async () => {},
          },
        ],
      }),
    ).rejects.toThrow(/invalid event pattern/);
  });
});
