/**
 * In-process stand-in for an SQS queue with a redrive policy plus the Lambda event source mapping
 * that drains it (with ReportBatchItemFailures), so the very same SQS-triggered handler runs locally.
 *
 * Semantics kept from AWS: records look like real SQS records; a batch is whatever is waiting, up to
 * `batchSize`; only the items listed in `batchItemFailures` are redelivered, while a thrown error
 * (or a malformed failure list) redelivers the whole batch; a message that has been received
 * `maxReceiveCount` times and fails again moves to the dead-letter list. Redelivery waits
 * `retryDelayMs`, standing in for the visibility timeout. Batches run one at a time.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { isRecord, type LogHook } from "./http.js";

export interface LocalQueueOptions {
  name: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: matches aws-lambda's SQSHandler, so `async` handlers that return nothing type-check.
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  /** Default 10, the event source mapping default for standard queues. */
  batchSize?: number;
  /** Redrive policy; default 3. */
  maxReceiveCount?: number;
  /** Visibility timeout stand-in: how long a failed message stays invisible; default 200 ms. */
  retryDelayMs?: number;
  region?: string;
  accountId?: string;
  onLog?: (e: Record<string, unknown>) => void;
}

export interface LocalQueue {
  send(body: string): void;
  /** Resolves when every message has either been processed or dead-lettered. */
  idle(): Promise<void>;
  deadLetters(): string[];
  stop(): Promise<void>;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
}

export function createLocalQueue(options: LocalQueueOptions): LocalQueue {
  const log: LogHook = options.onLog ?? (() => {});
  const batchSize = options.batchSize ?? 10;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const queueArn = `arn:aws:sqs:${region}:${accountId}:${options.name}`;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`Queue ${options.name}: batchSize must be an integer from 1 to 10000`);
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
    throw new Error(`Queue ${options.name}: maxReceiveCount must be a positive integer`);
  }

  const ready: StoredMessage[] = [];
  const dead: string[] = [];
  const delayTimers = new Set<NodeJS.Timeout>();
  let pumpHandle: NodeJS.Immediate | undefined;
  let currentBatch: Promise<void> | undefined;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const isIdle = () =>
    ready.length === 0 && currentBatch === undefined && delayTimers.size === 0 && pumpHandle === undefined;

  const wakeIdleWaiters = (): void => {
    if (!isIdle() && !stopped) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  const schedulePump = (): void => {
    if (stopped || pumpHandle !== undefined || currentBatch !== undefined) return;
    // setImmediate rather than running now: messages sent in the same tick end up in one batch,
    // like messages that are all waiting when the poller receives.
    pumpHandle = setImmediate(() => {
      pumpHandle = undefined;
      pump();
    });
  };

  const toRecord = (message: StoredMessage): SQSRecord => ({
    messageId: message.messageId,
    // A fresh handle per receive, as SQS issues one.
    receiptHandle: randomBytes(48).toString("base64"),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: accountId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    },
    messageAttributes: {},
    md5OfBody: message.md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  });

  /**
   * Which messages of the batch failed, following Lambda's rules for ReportBatchItemFailures: no
   * response or an empty list is success; an identifier that is empty or not in the batch (or a
   * list that is not a list) fails the whole batch.
   */
  const failedIds = (result: unknown, batch: StoredMessage[]): Set<string> => {
    const all = new Set(batch.map((message) => message.messageId));
    if (!isRecord(result) || result.batchItemFailures === undefined || result.batchItemFailures === null) {
      return new Set();
    }
    const failures = result.batchItemFailures;
    if (!Array.isArray(failures)) return all;
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = isRecord(failure) ? failure.itemIdentifier : undefined;
      if (typeof id !== "string" || !all.has(id)) {
        log({
          level: "warn",
          service: "local-sqs",
          queue: options.name,
          message: "invalid itemIdentifier",
          id,
        });
        return all;
      }
      failed.add(id);
    }
    return failed;
  };

  const redeliverOrDeadLetter = (message: StoredMessage): void => {
    if (message.receiveCount >= maxReceiveCount) {
      dead.push(message.body);
      log({
        level: "warn",
        service: "local-sqs",
        queue: options.name,
        message: "moved to dead-letter queue",
        messageId: message.messageId,
        receiveCount: message.receiveCount,
      });
      return;
    }
    const timer = setTimeout(() => {
      delayTimers.delete(timer);
      ready.push(message);
      schedulePump();
    }, retryDelayMs);
    delayTimers.add(timer);
  };

  const runBatch = async (batch: StoredMessage[]): Promise<void> => {
    const now = Date.now();
    for (const message of batch) {
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
    }
    let failed: Set<string>;
    try {
      const result = await options.handler({ Records: batch.map(toRecord) });
      failed = failedIds(result, batch);
    } catch (error) {
      log({
        level: "warn",
        service: "local-sqs",
        queue: options.name,
        message: "handler threw; whole batch will be redelivered",
        error: error instanceof Error ? error.message : String(error),
      });
      failed = new Set(batch.map((message) => message.messageId));
    }
    // After stop() nothing is redelivered: the timers would outlive the queue.
    if (stopped) return;
    for (const message of batch) {
      if (failed.has(message.messageId)) redeliverOrDeadLetter(message);
    }
  };

  const pump = (): void => {
    if (stopped || currentBatch !== undefined || ready.length === 0) {
      wakeIdleWaiters();
      return;
    }
    const batch = ready.splice(0, batchSize);
    currentBatch = runBatch(batch)
      .catch((error: unknown) => {
        // Only our own bookkeeping can land here (runBatch catches handler errors); keep the queue alive.
        log({
          level: "error",
          service: "local-sqs",
          queue: options.name,
          message: "batch crashed",
          error: String(error),
        });
      })
      .finally(() => {
        currentBatch = undefined;
        if (ready.length > 0) schedulePump();
        wakeIdleWaiters();
      });
  };

  return {
    send: (body) => {
      if (stopped) throw new Error(`Queue ${options.name} is stopped`);
      if (typeof body !== "string" || body.length === 0) {
        throw new Error(`Queue ${options.name}: message body must be a non-empty string`);
      }
      ready.push({
        messageId: randomUUID(),
        body,
        md5OfBody: createHash("md5").update(body, "utf8").digest("hex"),
        sentTimestamp: Date.now(),
        receiveCount: 0,
      });
      schedulePump();
    },
    idle: () =>
      isIdle() || stopped ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    deadLetters: () => [...dead],
    stop: async () => {
      stopped = true;
      if (pumpHandle !== undefined) clearImmediate(pumpHandle);
      pumpHandle = undefined;
      for (const timer of delayTimers) clearTimeout(timer);
      delayTimers.clear();
      // The handler call in progress is ours to finish; messages not yet received are discarded.
      await currentBatch;
      wakeIdleWaiters();
    },
  };
}
