import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { busRules } from "../../shared/contracts/bus.js";

/**
 * Lambda's rule for SQS event sources: visibility timeout at least six times the function timeout,
 * so a batch whose invocation is throttled and retried does not become visible to a second poller.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Deliveries of one message before it is moved to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** Most concurrent match invocations the event source starts: bounds the matcher's load on the table. */
export const MATCH_MAX_CONCURRENCY = 5;
/** Messages per match invocation without a batching window (Lambda's most for one receive). */
export const MATCH_BATCH_SIZE = 10;
/** Messages per match invocation with a batching window: bounded so one batch finishes well in the timeout. */
export const MATCH_BATCH_SIZE_WITH_WINDOW = 100;

export interface EventRoutingProps {
  /** Timeout of the function that consumes the match queue. */
  readonly consumerTimeout: Duration;
}

/**
 * The custom event bus and the one rule of `shared/contracts/bus.ts`: received events go to the
 * match queue, which the match function consumes.
 *
 * One dead-letter queue serves both failure paths: events EventBridge could not deliver to the
 * queue, and messages the match function failed on five times. Both carry the same body (the bus
 * event), so an operator redrives the whole DLQ into the match queue in one move task (give the
 * match queue as destination: messages that EventBridge put there have no SQS source queue).
 */
export class EventRouting extends Construct {
  readonly bus: events.EventBus;
  readonly matchRule: events.Rule;
  readonly matchQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);

    this.bus = new events.EventBus(this, "Bus", {
      description: "Moments: product events received by the ingestion API",
    });

    this.deadLetterQueue = new sqs.Queue(this, "MatchDeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to notice, fix and redrive.
      retentionPeriod: Duration.days(14),
    });

    this.matchQueue = new sqs.Queue(this, "MatchQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const rule = busRules.matchEvents;
    this.matchRule = new events.Rule(this, rule.id, {
      eventBus: this.bus,
      description: rule.description,
      eventPattern: toEventPattern(rule.pattern),
      targets: [new targets.SqsQueue(this.matchQueue, { deadLetterQueue: this.deadLetterQueue })],
    });
  }

  /**
   * Makes `fn` the consumer of the match queue, reporting per-message failures. Batches of up to 10
   * (one ReceiveMessage's most) and, by default, no batching window: at the traffic most deployments
   * see (1M events a month is 0.4 a second, spread over the five pollers that maxConcurrency keeps)
   * a window would hold nearly every event for its full length to batch almost nothing, and every
   * in-app prompt waits for the matcher. `npm run bench -- --only=cost` prints what a window saves at
   * a given rate; `-c matchBatchingWindow=<seconds>` sets one (then batches of up to 100).
   */
  consumeMatchQueue(fn: lambda.IFunction, batchingWindowSeconds = 0): void {
    fn.addEventSource(
      new SqsEventSource(this.matchQueue, {
        batchSize: batchingWindowSeconds > 0 ? MATCH_BATCH_SIZE_WITH_WINDOW : MATCH_BATCH_SIZE,
        ...(batchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(batchingWindowSeconds) } : {}),
        reportBatchItemFailures: true,
        maxConcurrency: MATCH_MAX_CONCURRENCY,
      }),
    );
  }
}

/**
 * The contract writes patterns as EventBridge does (`detail-type`); the CDK type spells that key
 * `detailType` and renders it back. Every other key is the same in both.
 */
export function toEventPattern(pattern: Readonly<Record<string, unknown>>): events.EventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [key === "detail-type" ? "detailType" : key, value]),
  ) as events.EventPattern;
}
