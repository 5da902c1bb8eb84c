import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createLocalDeadLetterQueue,
  type DeadLetterMessage,
  type InvocationRecord,
  lambdaTarget,
} from "../../../infra/local/async-invocation.js";
import {
  IDLE_RETRY_WAIT_MS,
  type LocalBusEvent,
  type LocalEventBridge,
  type LocalEventBridgeOptions,
  MAX_TIMER_MS,
  startLocalEventBridge,
} from "../../../infra/local/event-bridge.js";
import { SES_EVENT_LATENCY_MS } from "../../../infra/local/ses-events.js";
import {
  asyncRetryWaitsMs,
  type LambdaRuleTarget,
  lambdaRuleTargets,
} from "../../../shared/contracts/async-invocation.js";
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

  it("retries a target of a rule without a dead letter, then logs the dropped event whole", async () => {
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
    const dropped = logs.find(
      (entry) => entry.rule === "broken" && entry.message === "delivery failed; event dropped",
    );
    // Not silent: the log line is at error level and carries the event itself.
    expect(dropped).toMatchObject({
      level: "error",
      attempts: 3,
      error: "always broken",
      event: { id: result.Entries?.[0]?.EventId, detail: { orderId: "o-1" } },
    });
  });

  describe("a Lambda target (an asynchronous invocation)", () => {
    const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:moments-ses-feedback`;
    // Lambda's waits (60 s, then 120 s) at this scale: 60 ms, then 120 ms.
    const TIME_SCALE = 0.001;

    async function startWithFunction(
      handler: (event: LocalBusEvent) => Promise<void>,
      contract: LambdaRuleTarget = lambdaRuleTargets.sesFeedback,
      timeScale = TIME_SCALE,
    ) {
      const logs: Array<Record<string, unknown>> = [];
      const alarms: DeadLetterMessage[] = [];
      const deadLetterQueue = createLocalDeadLetterQueue({
        name: contract.deadLetterQueue,
        region: REGION,
        accountId: ACCOUNT,
        onMessage: (message) => alarms.push(message),
      });
      const attemptsAt: number[] = [];
      const requestIds: string[] = [];
      const started = await start({
        onLog: (entry) => logs.push(entry),
        rules: [
          {
            name: contract.rule,
            eventBusName: "default",
            pattern: { source: ["moments.orders"] },
            ...lambdaTarget({
              contract,
              functionArn: FUNCTION_ARN,
              timeScale,
              deadLetterQueue,
              invoke: async (event, requestId) => {
                attemptsAt.push(performance.now());
                requestIds.push(requestId);
                await handler(event);
              },
            }),
          },
        ],
      });
      return { ...started, logs, alarms, deadLetterQueue, attemptsAt, requestIds };
    }

    it("runs the function three times, Lambda's waits scaled between them, then sends Lambda's invocation record to the dead-letter queue", async () => {
      const { bus, client, logs, alarms, deadLetterQueue, attemptsAt, requestIds } = await startWithFunction(
        async () => {
          throw Object.assign(new Error("table unavailable"), { name: "InternalServerError" });
        },
      );
      const result = await client.send(new PutEventsCommand({ Entries: [orderPlaced("o-1")] }));
      const eventId = result.Entries?.[0]?.EventId;

      const [message] = await waitFor(
        () => deadLetterQueue.messages().length === 1 && deadLetterQueue.messages(),
        {
          description: "the dead letter",
        },
      );
      await bus.idle();

      // The first attempt and Lambda's two retries (MaximumRetryAttempts 2), no more, one request id.
      expect(attemptsAt).toHaveLength(3);
      expect(new Set(requestIds).size).toBe(1);
      expect(requestIds[0]).toMatch(/^[0-9a-f-]{36}$/);
      const [first = 0, second = 0, third = 0] = attemptsAt;
      // A timer never fires early (1 ms of rounding aside): each wait is at least Lambda's, scaled.
      expect(second - first).toBeGreaterThanOrEqual(60 - 1);
      expect(third - second).toBeGreaterThanOrEqual(120 - 1);
      expect(
        logs.filter((entry) => entry.message === "delivery failed; retrying").map((entry) => entry.retryInMs),
      ).toEqual([60, 120]);

      // One message, Lambda's on-failure record: the original event and the last error.
      expect(deadLetterQueue.messages()).toHaveLength(1);
      expect(alarms.map((alarm) => alarm.messageId)).toEqual([message?.messageId]);
      expect(JSON.parse(message?.body ?? "{}")).toEqual({
        version: "1.0",
        timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        requestContext: {
          // The invocation's: every attempt ran with it as its context's awsRequestId.
          requestId: requestIds[0],
          functionArn: `${FUNCTION_ARN}:$LATEST`,
          condition: "RetriesExhausted",
          approximateInvokeCount: 3,
        },
        requestPayload: {
          version: "0",
          id: eventId,
          "detail-type": "OrderPlaced",
          source: "moments.orders",
          account: ACCOUNT,
          time: expect.any(String),
          region: REGION,
          resources: [],
          detail: { orderId: "o-1" },
        },
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        responsePayload: {
          errorType: "InternalServerError",
          errorMessage: "table unavailable",
          trace: expect.arrayContaining([expect.stringContaining("table unavailable")]),
        },
      });
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: "error",
          message: "delivery failed; event dead-lettered",
          rule: "ses-feedback",
          eventId,
          attempts: 3,
        }),
      );
      expect(logs.some((entry) => entry.message === "delivery failed; event dropped")).toBe(false);
    });

    it("sends nothing to the dead-letter queue when a retry succeeds", async () => {
      let calls = 0;
      const handled: string[] = [];
      const { bus, client, deadLetterQueue, attemptsAt } = await startWithFunction(async (event) => {
        calls++;
        if (calls < 3) throw new Error("not yet");
        handled.push(event.id);
      });
      const result = await client.send(new PutEventsCommand({ Entries: [orderPlaced("o-1")] }));
      await waitFor(() => handled.length === 1, { description: "the third attempt" });
      await bus.idle();

      expect(handled).toEqual([result.Entries?.[0]?.EventId]);
      expect(attemptsAt).toHaveLength(3);
      expect(deadLetterQueue.messages()).toEqual([]);
    });

    it("idle() does not wait out Lambda's retry wait at time scale 1; running() and sleeping() tell the two apart", async () => {
      let attempts = 0;
      const { bus, client, logs } = await startWithFunction(
        async () => {
          attempts++;
          throw new Error("broken");
        },
        lambdaRuleTargets.sesFeedback,
        1,
      );
      await client.send(new PutEventsCommand({ Entries: [orderPlaced("o-1")] }));
      await waitFor(() => attempts === 1, { description: "the first attempt" });
      let idle = false;
      void bus.idle().then(() => {
        idle = true;
      });
      // A minute away: idle() resolves now, not after the wait (which the test's timeout would hit).
      await waitFor(() => idle, { timeoutMs: 5_000, description: "idle() during the retry wait" });
      expect(attempts).toBe(1);
      expect({ pending: bus.pending(), running: bus.running(), sleeping: bus.sleeping() }).toEqual({
        pending: 1,
        running: 0,
        sleeping: 1,
      });
      // Without a journal a stop loses it, and says so with the event.
      await bus.stop();
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: "error",
          message: "stopped while a delivery waited for its retry; event lost (no data folder)",
          attempts: 1,
          event: expect.objectContaining({ detail: { orderId: "o-1" } }),
        }),
      );
      expect(bus.pending()).toBe(0);
    });

    it("waits the whole scaled wait however long, never a shorter one when it passes setTimeout's bound", async () => {
      // 60 s x 100,000 is 69 days, over setTimeout's 24.8: a bare timer would fire after 1 ms.
      const scale = 100_000;
      const deadLetterQueue = createLocalDeadLetterQueue({ name: "q", region: REGION, accountId: ACCOUNT });
      let attempts = 0;
      const retrying: unknown[] = [];
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      try {
        const started = await startLocalEventBridge({
          onLog: (entry) => {
            if (entry.message === "delivery failed; retrying") retrying.push(entry.retryInMs);
          },
          rules: [
            {
              name: "ses-feedback",
              eventBusName: "default",
              pattern: { source: ["aws.ses"] },
              ...lambdaTarget({
                contract: lambdaRuleTargets.sesFeedback,
                functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
                timeScale: scale,
                deadLetterQueue,
                invoke: async () => {
                  attempts++;
                  throw new Error("broken");
                },
              }),
            },
          ],
        });
        bus = started;
        await started.publishAsService({ Source: "aws.ses", DetailType: "Bounce", Detail: "{}" });
        // setImmediate is real: turn the loop until the first attempt failed.
        while (retrying.length === 0) await new Promise((resolve) => setImmediate(resolve));
        expect(retrying).toEqual([60_000 * scale]);
        vi.advanceTimersByTime(MAX_TIMER_MS + 1);
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(attempts).toBe(1);
        vi.advanceTimersByTime(60_000 * scale - MAX_TIMER_MS - 1);
        while (attempts < 2) await new Promise((resolve) => setImmediate(resolve));
        expect(attempts).toBe(2);
      } finally {
        vi.useRealTimers();
      }
    });

    it("delivers a service's event after the latency it was published with, and idle() waits for it", async () => {
      const delivered: number[] = [];
      const { bus } = await startWithFunction(async () => {
        delivered.push(performance.now());
      });
      const published = performance.now();
      await bus.publishAsService(
        { Source: "moments.orders", DetailType: "OrderPlaced", Detail: "{}" },
        { latencyMs: 150 },
      );
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(delivered).toEqual([]);
      // About to start, not a retry: what a drain (Ctrl-C) waits for.
      expect({ running: bus.running(), sleeping: bus.sleeping() }).toEqual({ running: 1, sleeping: 0 });
      await bus.idle();
      expect(delivered).toHaveLength(1);
      expect((delivered[0] ?? 0) - published).toBeGreaterThanOrEqual(140);
      // The local SES's latency stays within what idle() waits for.
      expect(SES_EVENT_LATENCY_MS).toBeLessThan(IDLE_RETRY_WAIT_MS);
    });

    it("makes as many attempts as the function's MaximumRetryAttempts allows: one with none", async () => {
      const contract: LambdaRuleTarget = {
        ...lambdaRuleTargets.sesFeedback,
        asyncInvoke: { retryAttempts: 0, maxEventAgeSeconds: 60 },
      };
      const { bus, client, deadLetterQueue, attemptsAt } = await startWithFunction(async () => {
        throw new Error("broken");
      }, contract);
      await client.send(new PutEventsCommand({ Entries: [orderPlaced("o-1")] }));
      await waitFor(() => deadLetterQueue.messages().length === 1, { description: "the dead letter" });
      await bus.idle();

      expect(attemptsAt).toHaveLength(1);
      const record = JSON.parse(deadLetterQueue.messages()[0]?.body ?? "{}") as InvocationRecord;
      expect(record.requestContext.approximateInvokeCount).toBe(1);
    });
  });

  it("refuses a send to a closed dead-letter queue, which could not journal it", () => {
    const queue = createLocalDeadLetterQueue({ name: "q", region: REGION, accountId: ACCOUNT });
    queue.send("kept");
    queue.close();
    expect(() => queue.send("after close")).toThrow(/closed/);
    expect(queue.messages().map((message) => message.body)).toEqual(["kept"]);
  });

  it("scales Lambda's fixed waits (a minute, then two) by the time scale, one per retry the config allows", () => {
    expect(asyncRetryWaitsMs(2, 1)).toEqual([60_000, 120_000]);
    expect(asyncRetryWaitsMs(2, 0.001)).toEqual([60, 120]);
    expect(asyncRetryWaitsMs(1, 0.5)).toEqual([30_000]);
    expect(asyncRetryWaitsMs(0, 1)).toEqual([]);
    expect(asyncRetryWaitsMs(2, 0)).toEqual([0, 0]);
    expect(() => asyncRetryWaitsMs(3, 1)).toThrow(/0 to 2/);
    // Both rules the CDK app gives a Lambda target keep Lambda's default of two retries.
    for (const contract of Object.values(lambdaRuleTargets))
      expect(contract.asyncInvoke.retryAttempts).toBe(2);
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
