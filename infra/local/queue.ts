/**
 * In-process stand-in for an SQS queue with a redrive policy plus the Lambda event source mapping
 * that drains it (with ReportBatchItemFailures), so the very same SQS-triggered handler runs locally.
 *
 * Semantics kept from AWS: records look like real SQS records; a batch is whatever is waiting, up to
 * `batchSize`; only the items listed in `batchItemFailures` are redelivered, while a thrown error
 * (or a malformed failure list) redelivers the whole batch; a message that has been received
 * `maxReceiveCount` times and fails again moves to the dead-letter list. Redelivery waits
 * `retryDelayMs`, standing in for the visibility timeout. Up to `concurrency` batches run at once, as
 * Lambda scales an SQS event source's pollers (one batch at a time with the default of 1).
 *
 * With a `journal` (under `MOMENTS_DATA_DIR`) the queue is durable: a message is journaled before
 * `send` returns and forgotten only once it was processed or dead-lettered, so a restart (after
 * Ctrl-C or kill -9) delivers again whatever was not processed: at least once, as SQS. Dead letters
 * are journaled too, and listed again after a restart.
 *
 * Receives are journaled as well (one line per batch, before the handler sees it), so a restart
 * resumes each message's ApproximateReceiveCount as SQS keeps it. A receive whose handler never
 * finished because the process died counts, as in SQS, where the consumer's death just lets the
 * visibility timeout expire on a receive already made: a message that kills the process every time
 * it is handled is dead-lettered at the start after its `maxReceiveCount`-th receive instead of
 * crashing every restart for ever.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { errorMessage, type LocalRule } from "./event-bridge.js";
import { isRecord, type LogHook } from "./http.js";
import { JOURNAL_COMPACT_BYTES, openJournal } from "./journal.js";

export interface LocalQueueOptions {
  name: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: matches aws-lambda's SQSHandler, so `async` handlers that return nothing type-check.
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  /** Default 10, the event source mapping default for standard queues. */
  batchSize?: number;
  /** How many batches the handler may process at once (Lambda's concurrency); default 1. */
  concurrency?: number;
  /** Journal file: makes the queue durable across restarts (see above). In memory when absent. */
  journalPath?: string;
  /**
   * Bytes appended to the journal after which it is rewritten to what is live (default
   * JOURNAL_COMPACT_BYTES): a test reaches a compaction with a few small sends instead of 32 MB.
   */
  journalCompactBytes?: number;
  /** Called once per message moved to the dead-letter list. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Redrive policy; default 3. */
  maxReceiveCount?: number;
  /** Visibility timeout stand-in: how long a failed message stays invisible; default 200 ms. */
  retryDelayMs?: number;
  region?: string;
  accountId?: string;
  onLog?: (e: Record<string, unknown>) => void;
}

export interface DeadLetter {
  /** The queue's (SQS) message id. */
  messageId: string;
  body: string;
  receiveCount: number;
  /** Why its last receive failed. */
  reason: string;
  /** Epoch milliseconds. */
  deadLetteredAt: number;
  /**
   * The message attributes of a message a service sent straight to the dead-letter queue (EventBridge:
   * ERROR_CODE, ERROR_MESSAGE, RULE_ARN, TARGET_ARN); absent for one the redrive policy moved.
   */
  attributes?: Record<string, string>;
}

export interface LocalQueue {
  send(body: string): void;
  /** Starts delivering what a journal kept from a previous process (after the handler's world is up). */
  resume(): void;
  /** Resolves when every message has either been processed or dead-lettered. */
  idle(): Promise<void>;
  /** Messages not yet processed: waiting, being processed, or waiting to be redelivered. */
  pending(): number;
  deadLetters(): DeadLetter[];
  /**
   * Sends a message straight to the dead-letter queue, as EventBridge does when it cannot deliver an
   * event to this queue (the rule target's dead-letter queue is this one's, as in the CDK app).
   * Journaled before it returns; throws once the queue stopped, so the caller keeps the event.
   */
  sendToDeadLetterQueue(body: string, reason: string, attributes: Record<string, string>): DeadLetter;
  stop(): Promise<void>;
}

type JournalRecord =
  /** `n` and `first`: receive count and first receive time, carried by compaction (absent: 0, none). */
  | { t: "send"; id: string; body: string; at: number; n?: number; first?: number }
  /** One receive of each of these messages (a batch handed to the handler). */
  | { t: "recv"; ids: string[]; at: number }
  | { t: "done"; id: string }
  | {
      t: "dead";
      id: string;
      body: string;
      receiveCount: number;
      reason: string;
      at: number;
      attrs?: Record<string, string>;
    };

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
  const concurrency = options.concurrency ?? 1;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const queueArn = `arn:aws:sqs:${region}:${accountId}:${options.name}`;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`Queue ${options.name}: batchSize must be an integer from 1 to 10000`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new Error(`Queue ${options.name}: concurrency must be an integer from 1 to 1000`);
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
    throw new Error(`Queue ${options.name}: maxReceiveCount must be a positive integer`);
  }

  const ready: StoredMessage[] = [];
  /** Every message not yet processed nor dead-lettered, by id (ready, in a batch, or delayed). */
  const live = new Map<string, StoredMessage>();
  const dead: DeadLetter[] = [];
  const delayTimers = new Set<NodeJS.Timeout>();
  const batches = new Set<Promise<void>>();
  let pumpHandle: NodeJS.Immediate | undefined;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const md5 = (body: string) => createHash("md5").update(body, "utf8").digest("hex");

  // Replay: what was sent and neither processed nor dead-lettered is delivered again (at least once).
  const opened = options.journalPath ? openJournal<JournalRecord>(options.journalPath) : undefined;
  const journal = opened?.journal;
  const compactBytes = options.journalCompactBytes ?? JOURNAL_COMPACT_BYTES;
  if (opened) {
    for (const record of opened.records) {
      if (record.t === "send") {
        live.set(record.id, {
          messageId: record.id,
          body: record.body,
          md5OfBody: md5(record.body),
          sentTimestamp: record.at,
          receiveCount: record.n ?? 0,
          ...(record.first === undefined ? {} : { firstReceiveTimestamp: record.first }),
        });
      } else if (record.t === "recv") {
        for (const id of record.ids) {
          const message = live.get(id);
          if (message === undefined) continue;
          message.receiveCount++;
          message.firstReceiveTimestamp ??= record.at;
        }
      } else if (record.t === "done") {
        live.delete(record.id);
      } else if (record.t === "dead") {
        live.delete(record.id);
        dead.push({
          messageId: record.id,
          body: record.body,
          receiveCount: record.receiveCount,
          reason: record.reason,
          deadLetteredAt: record.at,
          ...(record.attrs ? { attributes: record.attrs } : {}),
        });
      }
    }
  }
  const snapshot = function* (): Generator<JournalRecord> {
    for (const letter of dead) {
      yield {
        t: "dead",
        id: letter.messageId,
        body: letter.body,
        receiveCount: letter.receiveCount,
        reason: letter.reason,
        at: letter.deadLetteredAt,
        ...(letter.attributes ? { attrs: letter.attributes } : {}),
      };
    }
    for (const message of live.values()) {
      yield {
        t: "send",
        id: message.messageId,
        body: message.body,
        at: message.sentTimestamp,
        ...(message.receiveCount > 0 ? { n: message.receiveCount } : {}),
        ...(message.firstReceiveTimestamp === undefined ? {} : { first: message.firstReceiveTimestamp }),
      };
    }
  };
  journal?.rewrite(snapshot());
  let journalClosed = false;
  const journalAppend = (record: JournalRecord): void => {
    if (journal === undefined || journalClosed) return;
    journal.append(record);
    if (journal.appendedBytes > compactBytes) journal.rewrite(snapshot());
  };
  const deadLetter = (message: StoredMessage, reason: string): void => {
    const letter: DeadLetter = {
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      reason,
      deadLetteredAt: Date.now(),
    };
    live.delete(message.messageId);
    dead.push(letter);
    journalAppend({
      t: "dead",
      id: letter.messageId,
      body: letter.body,
      receiveCount: letter.receiveCount,
      reason,
      at: letter.deadLetteredAt,
    });
    log({
      level: "warn",
      service: "local-sqs",
      queue: options.name,
      message: "moved to dead-letter queue",
      messageId: message.messageId,
      receiveCount: message.receiveCount,
      reason,
    });
    options.onDeadLetter?.(letter);
  };
  for (const message of [...live.values()]) {
    // Its last receive was never answered (the process died in its handler) and the next one would
    // exceed the redrive policy: SQS moves it to the dead-letter queue instead of delivering it.
    if (message.receiveCount >= maxReceiveCount) {
      deadLetter(message, "the process ended while its handler had it (the visibility timeout expired)");
    } else {
      ready.push(message);
    }
  }
  if (ready.length > 0) {
    log({
      level: "info",
      service: "local-sqs",
      queue: options.name,
      message: `${ready.length} message(s) kept from the previous run will be delivered again`,
    });
  }
  let resumed = journal === undefined;

  const isIdle = () =>
    ready.length === 0 && batches.size === 0 && delayTimers.size === 0 && pumpHandle === undefined;

  const wakeIdleWaiters = (): void => {
    if (!isIdle() && !stopped) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  const schedulePump = (): void => {
    if (stopped || !resumed || pumpHandle !== undefined || batches.size >= concurrency) return;
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

  const redeliverOrDeadLetter = (message: StoredMessage, reason: string): void => {
    if (message.receiveCount >= maxReceiveCount) {
      deadLetter(message, reason);
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
    // Before the handler sees it: a receive counts even if the process dies in the handler.
    journalAppend({ t: "recv", ids: batch.map((message) => message.messageId), at: now });
    let failed: Set<string>;
    let reason = "the handler reported it failed (batchItemFailures)";
    try {
      const result = await options.handler({ Records: batch.map(toRecord) });
      failed = failedIds(result, batch);
    } catch (error) {
      reason = `the handler threw: ${errorMessage(error)}`;
      log({
        level: "warn",
        service: "local-sqs",
        queue: options.name,
        message: "handler threw; whole batch will be redelivered",
        error: errorMessage(error),
      });
      failed = new Set(batch.map((message) => message.messageId));
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) {
        live.delete(message.messageId);
        journalAppend({ t: "done", id: message.messageId });
      }
    }
    // After stop() nothing is redelivered: the timers would outlive the queue (a journal keeps them).
    if (stopped) return;
    for (const message of batch) {
      if (failed.has(message.messageId)) redeliverOrDeadLetter(message, reason);
    }
  };

  const pump = (): void => {
    while (!stopped && resumed && batches.size < concurrency && ready.length > 0) {
      const batch = ready.splice(0, batchSize);
      const running: Promise<void> = runBatch(batch)
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
          batches.delete(running);
          if (ready.length > 0) schedulePump();
          wakeIdleWaiters();
        });
      batches.add(running);
    }
    wakeIdleWaiters();
  };

  return {
    send: (body) => {
      if (stopped) throw new Error(`Queue ${options.name} is stopped`);
      if (typeof body !== "string" || body.length === 0) {
        throw new Error(`Queue ${options.name}: message body must be a non-empty string`);
      }
      const message: StoredMessage = {
        messageId: randomUUID(),
        body,
        md5OfBody: md5(body),
        sentTimestamp: Date.now(),
        receiveCount: 0,
      };
      // Live before journaled: a compaction this very append triggers rewrites the live messages.
      live.set(message.messageId, message);
      try {
        journalAppend({ t: "send", id: message.messageId, body, at: message.sentTimestamp });
      } catch (error) {
        live.delete(message.messageId);
        throw error;
      }
      ready.push(message);
      schedulePump();
    },
    resume: () => {
      resumed = true;
      schedulePump();
    },
    idle: () =>
      isIdle() || stopped ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    pending: () => live.size,
    deadLetters: () => dead.map((letter) => ({ ...letter })),
    sendToDeadLetterQueue: (body, reason, attributes) => {
      if (stopped) throw new Error(`Queue ${options.name} is stopped`);
      const letter: DeadLetter = {
        messageId: randomUUID(),
        body,
        receiveCount: 0,
        reason,
        deadLetteredAt: Date.now(),
        attributes: { ...attributes },
      };
      journalAppend({
        t: "dead",
        id: letter.messageId,
        body,
        receiveCount: 0,
        reason,
        at: letter.deadLetteredAt,
        attrs: letter.attributes ?? {},
      });
      dead.push(letter);
      options.onDeadLetter?.({ ...letter });
      return { ...letter };
    },
    stop: async () => {
      stopped = true;
      if (pumpHandle !== undefined) clearImmediate(pumpHandle);
      pumpHandle = undefined;
      for (const timer of delayTimers) clearTimeout(timer);
      delayTimers.clear();
      // The handler calls in progress are ours to finish; messages not yet received are discarded
      // (or, with a journal, kept for the next start).
      await Promise.allSettled([...batches]);
      journalClosed = true;
      journal?.close();
      wakeIdleWaiters();
    },
  };
}

/**
 * A rule's dead letter into `queue`'s dead-letter queue, as EventBridge sends an event it could not
 * deliver to an SQS target whose rule target has that queue as its DeadLetterConfig: the bare event
 * as the body, with ERROR_CODE, ERROR_MESSAGE, RULE_ARN and TARGET_ARN message attributes. EventBridge's
 * ERROR_CODE is its own category of the failure; locally it is the thrown error's name.
 */
export function eventBridgeDeadLetter(
  queue: Pick<LocalQueue, "sendToDeadLetterQueue">,
  arns: { ruleArn: string; targetArn: string },
): NonNullable<LocalRule["deadLetter"]> {
  return ({ event, attempts, error }) => {
    const message = errorMessage(error);
    queue.sendToDeadLetterQueue(
      JSON.stringify(event),
      `EventBridge could not deliver it to the queue (${attempts} attempts): ${message}`,
      {
        ERROR_CODE: error instanceof Error ? error.name : "Error",
        ERROR_MESSAGE: message,
        RULE_ARN: arns.ruleArn,
        TARGET_ARN: arns.targetArn,
      },
    );
  };
}
