/**
 * Lambda's asynchronous invocation, as the local bus's Lambda targets get it. On AWS an EventBridge
 * rule hands its event to Lambda, which runs the function; if the function returns an error Lambda
 * runs it again after a minute, then after two more (as many retries as the function's
 * MaximumRetryAttempts allows), and then sends an invocation record to the function's on-failure
 * destination, here an SQS queue with an alarm on it. Locally the bus makes the attempts (journaled
 * with them: a restart resumes the count), the waits are Lambda's times the stack's time scale, and
 * the record lands in a local dead-letter queue the stack exposes (`LocalStack.invocationDeadLetters`)
 * and warns about as the alarm would fire. The numbers come from shared/contracts/async-invocation.ts,
 * which the CDK app deploys.
 *
 * Not emulated: EventBridge failing to hand the event to Lambda (throttling, service errors; the
 * rule target's retry policy and dead-letter queue), as the local handover cannot fail; and the
 * event's maximum age (six hours), which the attempts' few minutes never reach while the stack runs.
 */
import { randomUUID } from "node:crypto";
import { asyncRetryWaitsMs, type LambdaRuleTarget } from "../../shared/contracts/async-invocation.js";
import type { DeliveryFailure, LocalBusEvent, LocalRule } from "./event-bridge.js";
import { openJournal } from "./journal.js";

/** One message of a local dead-letter queue. */
export interface DeadLetterMessage {
  messageId: string;
  /** The SQS message body: for a Lambda on-failure destination, the invocation record as JSON. */
  body: string;
  /** Epoch milliseconds. */
  sentTimestamp: number;
}

/**
 * A dead-letter queue nothing consumes, as the CDK app's: what is sent stays (journaled with a data
 * dir, so it survives a restart, as SQS keeps messages 14 days).
 */
export interface LocalDeadLetterQueue {
  name: string;
  arn: string;
  send(body: string): DeadLetterMessage;
  messages(): DeadLetterMessage[];
  close(): void;
}

export interface LocalDeadLetterQueueOptions {
  name: string;
  region: string;
  accountId: string;
  journalPath?: string;
  /** Hears every message sent (the stack warns, as the queue's alarm would fire). */
  onMessage?: (message: DeadLetterMessage) => void;
  /**
   * Hears, once at creation, the messages the journal kept from a previous process, when there are
   * any: the queue's alarm is still firing (the stack warns again at each start until they are gone).
   */
  onKept?: (messages: DeadLetterMessage[]) => void;
}

type DeadLetterJournalRecord = { t: "send"; id: string; body: string; at: number };

export function createLocalDeadLetterQueue(options: LocalDeadLetterQueueOptions): LocalDeadLetterQueue {
  const opened = options.journalPath ? openJournal<DeadLetterJournalRecord>(options.journalPath) : undefined;
  const messages: DeadLetterMessage[] = (opened?.records ?? []).map((record) => ({
    messageId: record.id,
    body: record.body,
    sentTimestamp: record.at,
  }));
  let closed = false;
  if (messages.length > 0) options.onKept?.(messages.map((message) => ({ ...message })));
  return {
    name: options.name,
    arn: `arn:aws:sqs:${options.region}:${options.accountId}:${options.name}`,
    send(body) {
      // A closed queue cannot journal the message: refused, so the bus keeps the delivery (in its own
      // journal) rather than forgetting an event nothing holds.
      if (closed) throw new Error(`Local queue ${options.name} is closed`);
      const message = { messageId: randomUUID(), body, sentTimestamp: Date.now() };
      // Journaled before it counts as sent: the bus forgets the delivery only after this returns.
      opened?.journal.append({ t: "send", id: message.messageId, body, at: message.sentTimestamp });
      messages.push(message);
      options.onMessage?.({ ...message });
      return { ...message };
    },
    messages: () => messages.map((message) => ({ ...message })),
    close() {
      if (closed) return;
      closed = true;
      opened?.journal.close();
    },
  };
}

/** The record Lambda sends an on-failure destination for an asynchronous invocation. */
export interface InvocationRecord {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: "RetriesExhausted" | "EventAgeExceeded";
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: 200; executedVersion: "$LATEST"; functionError: "Unhandled" };
  /** What the Node.js runtime answers for an error the handler threw. */
  responsePayload: { errorType: string; errorMessage: string; trace: string[] };
}

/** Lambda's record of an invocation every attempt of which failed, `error` being the last one's. */
export function invocationRecord(options: {
  /** The invocation's request id, every attempt's context.awsRequestId. */
  requestId: string;
  functionArn: string;
  event: unknown;
  error: unknown;
  attempts: number;
  now?: Date;
}): InvocationRecord {
  const error = options.error;
  const isError = error instanceof Error;
  return {
    version: "1.0",
    timestamp: (options.now ?? new Date()).toISOString(),
    requestContext: {
      requestId: options.requestId,
      // Lambda names the version that ran: the unqualified function's is $LATEST.
      functionArn: `${options.functionArn}:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: options.attempts,
    },
    requestPayload: options.event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: {
      errorType: isError ? error.name : "Error",
      errorMessage: isError ? error.message : String(error),
      trace: isError && typeof error.stack === "string" ? error.stack.split("\n") : [],
    },
  };
}

/**
 * A rule's Lambda target as AWS runs it: `invoke` runs the function, which is attempted as often as
 * the contract's asynchronous invocation config allows, Lambda's waits scaled by `timeScale`, then
 * its invocation record goes to `deadLetterQueue`.
 */
export function lambdaTarget(options: {
  contract: LambdaRuleTarget;
  functionArn: string;
  /** Runs the function, `requestId` its context's awsRequestId: one per invocation, as on AWS, whatever the attempt. */
  invoke: (event: LocalBusEvent, requestId: string) => Promise<unknown>;
  timeScale: number;
  deadLetterQueue: LocalDeadLetterQueue;
}): Pick<LocalRule, "target" | "retryDelaysMs" | "deadLetter"> {
  const { contract, functionArn, invoke, deadLetterQueue } = options;
  return {
    // An asynchronous invocation's result goes nowhere (no on-success destination is configured).
    // The bus's delivery is Lambda's asynchronous invocation: its id is the request id of every attempt.
    target: async (event, delivery) => {
      await invoke(event, delivery.id);
    },
    retryDelaysMs: asyncRetryWaitsMs(contract.asyncInvoke.retryAttempts, options.timeScale),
    deadLetter: (failure: DeliveryFailure) => {
      deadLetterQueue.send(
        JSON.stringify(
          invocationRecord({
            requestId: failure.deliveryId,
            functionArn,
            event: failure.event,
            error: failure.error,
            attempts: failure.attempts,
          }),
        ),
      );
    },
  };
}
