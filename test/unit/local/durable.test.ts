/**
 * The local runtime's durability under MOMENTS_DATA_DIR, piece by piece: a queue, a bus and a Step
 * Functions started again on the same journal deliver and resume what the previous one left.
 * (test/integration/restart.test.ts proves it for the whole stack, kill -9 included.)
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createLocalDeadLetterQueue,
  type InvocationRecord,
  lambdaTarget,
} from "../../../infra/local/async-invocation.js";
import { type LocalBusEvent, startLocalEventBridge } from "../../../infra/local/event-bridge.js";
import { openJournal } from "../../../infra/local/journal.js";
import { createLocalQueue, eventBridgeDeadLetter, type LocalQueue } from "../../../infra/local/queue.js";
import { startLocalStepFunctions } from "../../../infra/local/step-functions.js";
import { lambdaRuleTargets } from "../../../shared/contracts/async-invocation.js";
import { waitFor } from "../../support/wait-for.js";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "moments-durable-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("journal", () => {
  it("skips a line torn by a kill in the middle of its write, and compacts to what is given", async () => {
    const path = join(dir, "j.jsonl");
    const { journal } = openJournal<{ n: number }>(path);
    journal.append({ n: 1 });
    journal.append({ n: 2 });
    journal.close();
    const { appendFileSync } = await import("node:fs");
    appendFileSync(path, '{"n":3');
    const reopened = openJournal<{ n: number }>(path);
    expect(reopened.records).toEqual([{ n: 1 }, { n: 2 }]);
    reopened.journal.rewrite([{ n: 2 }]);
    reopened.journal.append({ n: 4 });
    reopened.journal.close();
    expect(openJournal(path).records).toEqual([{ n: 2 }, { n: 4 }]);
  });
});

describe("durable local queue", () => {
  it("delivers again, after a restart, what was sent and not processed, and only that", async () => {
    const journalPath = join(dir, "queue.jsonl");
    const first = createLocalQueue({ name: "q", journalPath, handler: async () => undefined });
    first.send("processed");
    first.resume();
    await first.idle();
    // Sent while the first process is going down: never received.
    const stopping = first.stop();
    expect(() => first.send("late")).toThrow(/stopped/);
    await stopping;

    const kept = createLocalQueue({ name: "q", journalPath, handler: async () => undefined });
    expect(kept.pending()).toBe(0);
    kept.send("in flight");
    // Not resumed: the process "dies" with the message unprocessed.
    await kept.stop();

    const received: string[] = [];
    const second = createLocalQueue({
      name: "q",
      journalPath,
      handler: async (event) => {
        received.push(...event.Records.map((record) => record.body));
      },
    });
    expect(second.pending()).toBe(1);
    second.resume();
    await second.idle();
    await second.stop();
    expect(received).toEqual(["in flight"]);

    const third = createLocalQueue({ name: "q", journalPath, handler: async () => undefined });
    expect(third.pending()).toBe(0);
    await third.stop();
  });

  it("keeps the message whose send compacts the journal", async () => {
    const journalPath = join(dir, "queue.jsonl");
    // A 256 KB threshold instead of JOURNAL_COMPACT_BYTES (32 MB), and 64 KB bodies: the 4th send
    // crosses it and rewrites the journal, the 5th is appended to the rewritten one.
    const journalCompactBytes = 256 * 1024;
    const body = (i: number) => `${i}:${"x".repeat(1 << 16)}`;
    const count = Math.ceil(journalCompactBytes / (1 << 16)) + 1;
    const first = createLocalQueue({
      name: "q",
      journalPath,
      journalCompactBytes,
      handler: async () => undefined,
    });
    first.send(body(0));
    const written = statSync(journalPath).ino;
    for (let i = 1; i < count; i++) first.send(body(i));
    // Rewritten: a new file renamed over the one the first send went to.
    expect(statSync(journalPath).ino).not.toBe(written);
    // Killed: not stopped, never resumed.
    const second = createLocalQueue({ name: "q", journalPath, handler: async () => undefined });
    expect(second.pending()).toBe(count);
    await first.stop();
    await second.stop();
  });

  it("keeps dead letters, with why their last attempt failed, across restarts", async () => {
    const journalPath = join(dir, "queue.jsonl");
    const reported: string[] = [];
    const first = createLocalQueue({
      name: "q",
      journalPath,
      maxReceiveCount: 1,
      handler: async () => {
        throw new Error("the table is gone");
      },
      onDeadLetter: (letter) => reported.push(letter.body),
    });
    first.resume();
    first.send('{"detail":{"messageId":"evt-1"}}');
    await first.idle();
    await first.stop();
    expect(reported).toEqual(['{"detail":{"messageId":"evt-1"}}']);

    const second = createLocalQueue({ name: "q", journalPath, handler: async () => undefined });
    expect(second.deadLetters()).toEqual([
      expect.objectContaining({
        body: '{"detail":{"messageId":"evt-1"}}',
        receiveCount: 1,
        reason: "the handler threw: the table is gone",
      }),
    ]);
    await second.stop();
  });

  it("counts a receive whose handler killed the process, and dead-letters after maxReceiveCount restarts", async () => {
    const journalPath = join(dir, "queue.jsonl");
    const logs: Array<Record<string, unknown>> = [];
    const reported: string[] = [];
    const receives: Array<Record<string, string | undefined>> = [];
    // The process "dies" in the handler: the call never returns, nothing is acknowledged.
    const crashes: Array<() => void> = [];
    const crashed: LocalQueue[] = [];
    const start = (handler: Parameters<typeof createLocalQueue>[0]["handler"]) =>
      createLocalQueue({
        name: "q",
        journalPath,
        maxReceiveCount: 3,
        handler,
        onLog: (entry) => logs.push(entry),
        onDeadLetter: (letter) => reported.push(letter.messageId),
      });
    const poisoned: Parameters<typeof createLocalQueue>[0]["handler"] = (event) => {
      receives.push(
        ...event.Records.map((record) => ({ ...record.attributes, messageId: record.messageId })),
      );
      return new Promise((_, reject) => crashes.push(() => reject(new Error("gone"))));
    };
    for (let restart = 1; restart <= 3; restart++) {
      const queue = start(poisoned);
      crashed.push(queue);
      if (restart === 1) queue.send("poison");
      expect(queue.pending()).toBe(1);
      queue.resume();
      await waitFor(() => receives.length === restart, { description: `receive ${restart}` });
      if (restart === 2) {
        // The start compacted the journal: the count is carried by the message's own line.
        const lines = readFileSync(journalPath, "utf8").trim().split("\n");
        expect(JSON.parse(lines[0] ?? "")).toMatchObject({ t: "send", body: "poison", n: 1 });
        expect(lines.slice(1).map((line) => JSON.parse(line).t)).toEqual(["recv"]);
      }
    }
    expect(receives.map((attributes) => attributes.ApproximateReceiveCount)).toEqual(["1", "2", "3"]);
    expect(new Set(receives.map((attributes) => attributes.ApproximateFirstReceiveTimestamp)).size).toBe(1);
    const messageId = receives[0]?.messageId;

    // The fourth receive would exceed maxReceiveCount: dead-lettered at start, never delivered.
    const handled: string[] = [];
    const after = start(async (event) => {
      handled.push(...event.Records.map((record) => record.body));
    });
    expect(after.pending()).toBe(0);
    expect(after.deadLetters()).toEqual([
      expect.objectContaining({
        messageId,
        body: "poison",
        receiveCount: 3,
        reason: expect.stringMatching(/process ended/),
      }),
    ]);
    expect(reported).toEqual([messageId]);
    expect(logs).toContainEqual(
      expect.objectContaining({ message: "moved to dead-letter queue", messageId, receiveCount: 3 }),
    );
    after.send("healthy");
    after.resume();
    await after.idle();
    expect(handled).toEqual(["healthy"]);
    await after.stop();

    // And it stays a dead letter, not a message, after another restart.
    const again = start(async () => undefined);
    expect(again.pending()).toBe(0);
    expect(again.deadLetters().map((letter) => letter.messageId)).toEqual([messageId]);
    await again.stop();
    for (const crash of crashes) crash();
    await Promise.all(crashed.map((queue) => queue.stop()));
  });

  it("processes up to `concurrency` batches at once", async () => {
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const queue = createLocalQueue({
      name: "q",
      batchSize: 1,
      concurrency: 3,
      handler: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
      },
    });
    for (let i = 0; i < 5; i++) queue.send(`m${i}`);
    await waitFor(() => release.length === 3, { description: "three batches in flight" });
    expect(running).toBe(3);
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await queue.idle();
    expect(most).toBe(3);
    await queue.stop();
  });
});

describe("durable local EventBridge", () => {
  it("makes again, after a restart, a delivery that had not reached its target", async () => {
    const journalPath = join(dir, "bus.jsonl");
    let attempts = 0;
    const first = await startLocalEventBridge({
      journalPath,
      // The first attempt fails and its retry is far off: the process stops before it.
      deliveryRetryDelaysMs: [60_000],
      rules: [
        {
          name: "all",
          eventBusName: "default",
          pattern: { source: ["moments.test"] },
          target: async () => {
            attempts++;
            throw new Error("target down");
          },
        },
      ],
    });
    const client = new EventBridgeClient({ endpoint: first.endpoint, region: "us-east-1", credentials });
    await client.send(
      new PutEventsCommand({
        Entries: [{ Source: "moments.test", DetailType: "Happened", Detail: '{"messageId":"m1"}' }],
      }),
    );
    await waitFor(() => attempts === 1, { description: "the first attempt" });
    client.destroy();
    await first.stop();

    const delivered: LocalBusEvent[] = [];
    const second = await startLocalEventBridge({
      journalPath,
      rules: [
        {
          name: "all",
          eventBusName: "default",
          pattern: { source: ["moments.test"] },
          target: async (event) => {
            delivered.push(event);
          },
        },
      ],
    });
    expect(second.pending()).toBe(0);
    second.resume();
    await second.idle();
    expect(delivered.map((event) => event.detail)).toEqual([{ messageId: "m1" }]);
    await second.stop();

    // Delivered once: a third start has nothing left to deliver.
    const third = await startLocalEventBridge({ journalPath, rules: [] });
    third.resume();
    expect(third.pending()).toBe(0);
    await third.stop();
  });

  it("keeps a delivery whose rule a start does not have, for a start that has it", async () => {
    const journalPath = join(dir, "bus.jsonl");
    const rule = (target: (event: LocalBusEvent) => Promise<void>) => ({
      name: "all",
      eventBusName: "default",
      pattern: { source: ["moments.test"] },
      target,
      retryDelaysMs: [60_000],
    });
    let attempts = 0;
    const first = await startLocalEventBridge({
      journalPath,
      rules: [
        rule(async () => {
          attempts++;
          throw new Error("target down");
        }),
      ],
    });
    await first.publishAsService({ Source: "moments.test", DetailType: "Happened", Detail: '{"n":1}' });
    await waitFor(() => attempts === 1 && first.sleeping() === 1, { description: "the retry wait" });
    await first.stop();

    // A start without the rule: nothing to deliver it to, so it is logged and kept, not forgotten.
    const logs: Array<Record<string, unknown>> = [];
    const without = await startLocalEventBridge({
      journalPath,
      rules: [],
      onLog: (entry) => logs.push(entry),
    });
    without.resume();
    expect(without.pending()).toBe(0);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "error",
        rule: "all",
        event: expect.objectContaining({ detail: { n: 1 } }),
      }),
    );
    await without.stop();

    const delivered: LocalBusEvent[] = [];
    const again = await startLocalEventBridge({
      journalPath,
      rules: [
        {
          ...rule(async (event) => {
            delivered.push(event);
          }),
          retryDelaysMs: [0],
        },
      ],
    });
    again.resume();
    await waitFor(() => delivered.length === 1, { description: "the kept delivery" });
    expect(delivered[0]?.detail).toEqual({ n: 1 });
    await again.stop();
  });
});

describe("the match rule's dead-letter queue (the match queue's)", () => {
  it("gets the bare event EventBridge could not put on the queue, with its attributes, across a restart", async () => {
    const queuePath = join(dir, "queue.jsonl");
    const queue = createLocalQueue({
      name: "moments-match",
      journalPath: queuePath,
      handler: async () => {},
    });
    const ruleArn = "arn:aws:events:us-east-1:000000000000:rule/moments/match-events";
    const targetArn = "arn:aws:sqs:us-east-1:000000000000:moments-match";
    const logs: Array<Record<string, unknown>> = [];
    const bus = await startLocalEventBridge({
      deliveryRetryDelaysMs: [1, 1],
      onLog: (entry) => logs.push(entry),
      rules: [
        {
          name: "match-events",
          eventBusName: "default",
          pattern: { source: ["moments.test"] },
          target: async () => {
            throw Object.assign(new Error("queue unavailable"), { name: "ServiceUnavailable" });
          },
          deadLetter: eventBridgeDeadLetter(queue, { ruleArn, targetArn }),
        },
      ],
    });
    await bus.publishAsService({
      Source: "moments.test",
      DetailType: "Happened",
      Detail: '{"messageId":"m1"}',
    });
    await bus.idle();
    await bus.stop();
    expect(logs.some((entry) => entry.message === "delivery failed; event dropped")).toBe(false);
    await queue.stop();

    const again = createLocalQueue({
      name: "moments-match",
      journalPath: queuePath,
      handler: async () => {},
    });
    const [letter, ...others] = again.deadLetters();
    expect(others).toEqual([]);
    expect(JSON.parse(letter?.body ?? "{}")).toMatchObject({
      version: "0",
      source: "moments.test",
      "detail-type": "Happened",
      detail: { messageId: "m1" },
    });
    expect(letter?.attributes).toEqual({
      ERROR_CODE: "ServiceUnavailable",
      ERROR_MESSAGE: "queue unavailable",
      RULE_ARN: ruleArn,
      TARGET_ARN: targetArn,
    });
    await again.stop();
  });
});

describe("durable Lambda targets of the local bus", () => {
  const contract = lambdaRuleTargets.failedExecutions;
  const functionArn = "arn:aws:lambda:us-east-1:000000000000:function:moments-run-state";

  async function startBus(
    timeScale: number,
    invoke: (event: LocalBusEvent, requestId: string) => Promise<void>,
    hooks: {
      onLog?: (entry: Record<string, unknown>) => void;
      onKept?: (messages: Array<{ body: string }>) => void;
    } = {},
  ) {
    const deadLetterQueue = createLocalDeadLetterQueue({
      name: contract.deadLetterQueue,
      region: "us-east-1",
      accountId: "000000000000",
      journalPath: join(dir, "dead-letters.jsonl"),
      ...(hooks.onKept ? { onKept: hooks.onKept } : {}),
    });
    const bus = await startLocalEventBridge({
      journalPath: join(dir, "bus.jsonl"),
      ...(hooks.onLog ? { onLog: hooks.onLog } : {}),
      rules: [
        {
          name: contract.rule,
          eventBusName: "default",
          pattern: { source: ["moments.test"] },
          ...lambdaTarget({ contract, functionArn, timeScale, deadLetterQueue, invoke }),
        },
      ],
    });
    return { bus, deadLetterQueue };
  }

  it("resumes Lambda's attempt count after a restart, and keeps the dead letter across the next one", async () => {
    let attempts = 0;
    const requestIds: string[] = [];
    const failing = async (_event: unknown, requestId: string) => {
      attempts++;
      requestIds.push(requestId);
      throw new Error("run-state down");
    };
    // Real time: the first retry is a minute away when the process stops.
    const first = await startBus(1, failing);
    const client = new EventBridgeClient({ endpoint: first.bus.endpoint, region: "us-east-1", credentials });
    await client.send(
      new PutEventsCommand({
        Entries: [{ Source: "moments.test", DetailType: "Happened", Detail: '{"messageId":"m1"}' }],
      }),
    );
    await waitFor(() => attempts === 1, { description: "the first attempt" });
    client.destroy();
    await first.bus.stop();
    first.deadLetterQueue.close();

    // Started again (its waits scaled down): the two retries left, not three more, then the dead letter.
    const second = await startBus(0.001, failing);
    second.bus.resume();
    await waitFor(() => second.deadLetterQueue.messages().length === 1, { description: "the dead letter" });
    await second.bus.idle();
    expect(attempts).toBe(3);
    const record = JSON.parse(second.deadLetterQueue.messages()[0]?.body ?? "{}") as InvocationRecord;
    expect(record.requestContext.approximateInvokeCount).toBe(3);
    // One invocation, one request id, across the restart too.
    expect(requestIds).toHaveLength(3);
    expect(new Set(requestIds).size).toBe(1);
    expect(record.requestContext.requestId).toBe(requestIds[0]);
    expect(record.requestPayload).toMatchObject({ detail: { messageId: "m1" } });
    expect(record.responsePayload.errorMessage).toBe("run-state down");
    await second.bus.stop();
    second.deadLetterQueue.close();

    // Settled on the bus (nothing owed), and the dead letter is still in its queue.
    const third = await startBus(0.001, failing);
    third.bus.resume();
    expect(third.bus.pending()).toBe(0);
    expect(third.deadLetterQueue.messages().map((message) => message.body)).toEqual([
      second.deadLetterQueue.messages()[0]?.body,
    ]);
    await third.bus.stop();
    third.deadLetterQueue.close();
    expect(attempts).toBe(3);
  });

  it("counts an attempt that fails while the bus stops: three runs in all, as the record says", async () => {
    let attempts = 0;
    let release: () => void = () => undefined;
    const first = await startBus(0, async () => {
      attempts++;
      // The function is still running when the stop begins, then fails.
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      throw new Error("run-state down");
    });
    await first.bus.publishAsService({ Source: "moments.test", DetailType: "Happened", Detail: "{}" });
    await waitFor(() => attempts === 1, { description: "the first attempt" });
    const stopping = first.bus.stop();
    release();
    await stopping;
    first.deadLetterQueue.close();

    const second = await startBus(0, async () => {
      attempts++;
      throw new Error("run-state down");
    });
    second.bus.resume();
    await waitFor(() => second.deadLetterQueue.messages().length === 1, { description: "the dead letter" });
    await second.bus.idle();
    expect(attempts).toBe(3);
    const record = JSON.parse(second.deadLetterQueue.messages()[0]?.body ?? "{}") as InvocationRecord;
    expect(record.requestContext.approximateInvokeCount).toBe(3);
    await second.bus.stop();
    second.deadLetterQueue.close();
  });

  it("keeps for the next start an event whose dead letter could not be sent, and warns at a start that dead letters are held", async () => {
    const logs: Array<Record<string, unknown>> = [];
    const first = await startBus(
      0,
      async () => {
        throw new Error("run-state down");
      },
      { onLog: (entry) => logs.push(entry) },
    );
    // The queue is closed (the stack stopping): the send is refused, not lost unjournaled.
    first.deadLetterQueue.close();
    await first.bus.publishAsService({ Source: "moments.test", DetailType: "Happened", Detail: '{"n":1}' });
    await first.bus.idle();
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "delivery failed and its dead letter could not be sent; kept for the next start",
      }),
    );
    await first.bus.stop();

    const kept: Array<Array<{ body: string }>> = [];
    const second = await startBus(
      0,
      async () => {
        throw new Error("run-state down");
      },
      { onKept: (messages) => kept.push(messages) },
    );
    // Nothing held yet: no warning.
    expect(kept).toEqual([]);
    second.bus.resume();
    await waitFor(() => second.deadLetterQueue.messages().length === 1, { description: "the dead letter" });
    await second.bus.idle();
    await second.bus.stop();
    second.deadLetterQueue.close();

    // A third start holds that dead letter: told once, with it.
    const third = await startBus(0, async () => undefined, { onKept: (messages) => kept.push(messages) });
    expect(kept).toHaveLength(1);
    expect(kept[0]?.map((message) => JSON.parse(message.body).requestPayload.detail)).toEqual([{ n: 1 }]);
    await third.bus.stop();
    third.deadLetterQueue.close();
  });
});

describe("durable local Step Functions", () => {
  const machineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:durable";
  const definition = {
    StartAt: "First",
    States: {
      First: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "first", "Payload.$": "$" },
        ResultPath: null,
        Next: "Pause",
      },
      Pause: { Type: "Wait", SecondsPath: "$.pause", Next: "Second" },
      Second: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "second", "Payload.$": "$" },
        OutputPath: "$.Payload",
        End: true,
      },
    },
  };

  it("resumes a running execution after a restart, from the input its journal derives", async () => {
    const journalPath = join(dir, "executions.jsonl");
    const calls: string[] = [];
    const lambdas = (tag: string) => ({
      first: async () => {
        calls.push(`first@${tag}`);
        return {};
      },
      second: async (payload: unknown) => {
        calls.push(`second@${tag}`);
        return payload;
      },
    });
    const first = await startLocalStepFunctions({
      stateMachines: [{ arn: machineArn, definition }],
      lambdas: lambdas("first"),
      persistence: { journalPath, checkpoint: (state) => (state === "First" ? { state } : undefined) },
    });
    const client = new SFNClient({ endpoint: first.endpoint, region: "us-east-1", credentials });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: "run-1", input: '{"pause":3600}' }),
    );
    await waitFor(() => calls.includes("first@first"), { description: "the first task" });
    client.destroy();
    await first.stop();

    const seen: unknown[] = [];
    const second = await startLocalStepFunctions({
      stateMachines: [{ arn: machineArn, definition }],
      lambdas: lambdas("second"),
      persistence: {
        journalPath,
        resumeInput: (execution) => {
          seen.push(execution);
          return JSON.stringify({ pause: 0, resumed: true });
        },
      },
    });
    expect(second.running()).toBe(0);
    second.resume();
    expect(second.running()).toBe(1);
    const again = new SFNClient({ endpoint: second.endpoint, region: "us-east-1", credentials });
    await waitFor(
      async () => (await again.send(new DescribeExecutionCommand({ executionArn }))).status === "SUCCEEDED",
      { description: "the resumed execution to succeed" },
    );
    const described = await again.send(new DescribeExecutionCommand({ executionArn }));
    // Described with the input it was started with; run with the one derived for the resume.
    expect(described.input).toBe('{"pause":3600}');
    expect(JSON.parse(described.output ?? "")).toEqual({ pause: 0, resumed: true });
    expect(seen).toEqual([
      expect.objectContaining({
        executionArn,
        name: "run-1",
        input: '{"pause":3600}',
        checkpoints: [{ at: expect.any(Number), value: { state: "First" } }],
      }),
    ]);
    again.destroy();
    await second.stop();

    // Finished: nothing to resume at a third start.
    const third = await startLocalStepFunctions({
      stateMachines: [{ arn: machineArn, definition }],
      lambdas: lambdas("third"),
      persistence: { journalPath },
    });
    third.resume();
    expect(third.running()).toBe(0);
    await third.stop();
  });

  it("keeps the execution whose start compacts the journal", async () => {
    const journalPath = join(dir, "executions.jsonl");
    // A 1 MB threshold instead of JOURNAL_COMPACT_BYTES (32 MB): the same compaction, a few starts away.
    const compactBytes = 1024 * 1024;
    const options = {
      stateMachines: [{ arn: machineArn, definition }],
      lambdas: { first: async () => ({}), second: async () => ({}) },
      persistence: { journalPath, compactBytes },
    };
    const first = await startLocalStepFunctions(options);
    const client = new SFNClient({ endpoint: first.endpoint, region: "us-east-1", credentials });
    // Inputs near the 256 KB limit: the 5th start crosses the threshold, the 6th is appended after.
    const input = JSON.stringify({ pause: 3600, padding: "x".repeat(250 * 1024) });
    const count = Math.ceil(compactBytes / input.length) + 1;
    let written = 0;
    for (let i = 0; i < count; i++) {
      await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: `run-${i}`, input }));
      if (i === 0) written = statSync(journalPath).ino;
    }
    // Rewritten: a new file renamed over the one the first start went to.
    expect(statSync(journalPath).ino).not.toBe(written);
    client.destroy();
    // Killed: a second process opens the journal as the first left it.
    const second = await startLocalStepFunctions({ ...options, lambdas: {} });
    second.resume();
    expect(second.running()).toBe(count);
    await first.stop();
    await second.stop();
  });

  it("forgets the oldest finished executions beyond its bound, and keeps their names taken", async () => {
    const stepFunctions = await startLocalStepFunctions({
      stateMachines: [{ arn: machineArn, definition }],
      lambdas: { first: async () => ({}), second: async () => ({}) },
      maxFinishedExecutions: 2,
    });
    const client = new SFNClient({ endpoint: stepFunctions.endpoint, region: "us-east-1", credentials });
    const arns: string[] = [];
    for (const name of ["a", "b", "c"]) {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: machineArn, name, input: '{"pause":0}' }),
      );
      arns.push(executionArn ?? "");
      await stepFunctions.idle();
    }
    await expect(client.send(new DescribeExecutionCommand({ executionArn: arns[0] }))).rejects.toThrow(
      /Does Not Exist/,
    );
    expect((await client.send(new DescribeExecutionCommand({ executionArn: arns[2] }))).status).toBe(
      "SUCCEEDED",
    );
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: machineArn, name: "a", input: '{"pause":0}' }),
      ),
    ).rejects.toThrow(/Already Exists/);
    client.destroy();
    await stepFunctions.stop();
  });
});
