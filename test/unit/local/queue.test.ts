import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalQueue, type LocalQueue } from "../../../infra/local/queue.js";
import { waitFor } from "../../support/wait-for.js";

describe("local SQS queue with event source mapping", () => {
  let queue: LocalQueue | undefined;

  afterEach(async () => {
    await queue?.stop();
    queue = undefined;
  });

  it("delivers records shaped like SQS records, batching what is waiting", async () => {
    const batches: SQSRecord[][] = [];
    queue = createLocalQueue({
      name: "moments-jobs",
      region: "eu-west-1",
      accountId: "123456789012",
      batchSize: 2,
      handler: async (event: SQSEvent) => {
        batches.push(event.Records);
      },
    });
    queue.send("one");
    queue.send("two");
    queue.send("three");
    await queue.idle();

    expect(batches.map((batch) => batch.map((record) => record.body))).toEqual([["one", "two"], ["three"]]);
    const record = batches[0]?.[0];
    expect(record).toMatchObject({
      body: "one",
      // md5("one")
      md5OfBody: "f97c5d29941bfb1b2fdab0874906ab82",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:moments-jobs",
      awsRegion: "eu-west-1",
      attributes: { ApproximateReceiveCount: "1" },
    });
    expect(record?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record?.receiptHandle).toBeTypeOf("string");
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(queue.deadLetters()).toEqual([]);
  });

  it("redelivers only the reported batch item failures, then dead-letters after maxReceiveCount", async () => {
    const received: Array<{ body: string; receiveCount: string }> = [];
    queue = createLocalQueue({
      name: "partial",
      retryDelayMs: 5,
      maxReceiveCount: 3,
      handler: async (event): Promise<SQSBatchResponse> => {
        for (const record of event.Records) {
          received.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
        }
        return {
          batchItemFailures: event.Records.filter((record) => record.body.startsWith("bad")).map(
            (record) => ({
              itemIdentifier: record.messageId,
            }),
          ),
        };
      },
    });
    queue.send("good-1");
    queue.send("bad-1");
    queue.send("good-2");
    await queue.idle();

    expect(received.filter((r) => r.body.startsWith("good")).map((r) => r.receiveCount)).toEqual(["1", "1"]);
    expect(received.filter((r) => r.body === "bad-1").map((r) => r.receiveCount)).toEqual(["1", "2", "3"]);
    expect(queue.deadLetters().map((letter) => letter.body)).toEqual(["bad-1"]);
  });

  it("redelivers the whole batch when the handler throws, and recovers", async () => {
    let calls = 0;
    const processed: string[] = [];
    queue = createLocalQueue({
      name: "throwing",
      retryDelayMs: 5,
      handler: async (event) => {
        calls++;
        if (calls === 1) throw new Error("database unavailable");
        processed.push(
          ...event.Records.map((record) => `${record.body}@${record.attributes.ApproximateReceiveCount}`),
        );
      },
    });
    queue.send("a");
    queue.send("b");
    await queue.idle();
    expect(processed).toEqual(["a@2", "b@2"]);
    expect(queue.deadLetters()).toEqual([]);
  });

  it("treats an unknown itemIdentifier as a failure of the whole batch", async () => {
    const seen: string[] = [];
    queue = createLocalQueue({
      name: "bogus-ids",
      retryDelayMs: 1,
      maxReceiveCount: 2,
      handler: async (event) => {
        seen.push(...event.Records.map((record) => record.body));
        return { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] };
      },
    });
    queue.send("x");
    queue.send("y");
    await queue.idle();
    expect(seen).toEqual(["x", "y", "x", "y"]);
    expect(queue.deadLetters().map((letter) => letter.body)).toEqual(["x", "y"]);
  });

  it("stop() cancels pending redeliveries", async () => {
    let calls = 0;
    queue = createLocalQueue({
      name: "stopping",
      retryDelayMs: 60_000,
      handler: async () => {
        calls++;
        throw new Error("nope");
      },
    });
    queue.send("m");
    await waitFor(() => calls === 1, { description: "the first receive" });
    // The 60 s redelivery timer must not keep the worker alive or fire later.
    await queue.stop();
    await queue.idle();
    expect(calls).toBe(1);
    expect(() => queue?.send("late")).toThrow(/stopped/);
  });
});
