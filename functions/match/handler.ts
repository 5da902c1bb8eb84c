import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoInsightsRepository } from "../../shared/adapters/dynamodb/insights-repository.js";
import { DynamoMessageLog } from "../../shared/adapters/dynamodb/message-log.js";
import { DynamoMomentRepository } from "../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoPendingStartRepository } from "../../shared/adapters/dynamodb/pending-start-repository.js";
import { DynamoProfileRepository } from "../../shared/adapters/dynamodb/profile-repository.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { MemoryIdleEventNames } from "../../shared/adapters/idle-event-names.js";
import { lazyEventBridgePublisher, lazyStepFunctionsController } from "../../shared/adapters/lazy-clients.js";
import { ObservedEventBuffer } from "../../shared/adapters/observed-event-buffer.js";
import { onShutdown } from "../../shared/adapters/shutdown.js";
import { readEnv, readEventWindowHours, readTimeScale } from "../../shared/config.js";
import { DetailType, type EventReceivedDetail } from "../../shared/contracts/bus.js";
import type { IdentifyReceivedDetail } from "../../shared/contracts/bus-details.js";
import { Env } from "../../shared/contracts/functions.js";
import { logMessages } from "../../shared/contracts/log-metrics.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { applyIdentify } from "../../shared/use-cases/apply-identify.js";
import { matchEvent } from "../../shared/use-cases/match-event.js";

const env = readEnv([Env.tableName, Env.stateMachineArn, Env.eventBusName]);
const obs = createObservability("match");
const db = documentClient(obs.tracer);
// Observed-event counters are added up per container and written every 10 s (see ObservedEventBuffer).
const recorder = new ObservedEventBuffer(new DynamoInsightsRepository(db, env.TABLE_NAME), systemClock);
// What the container still holds when Lambda shuts it down is written then (see shutdown.ts).
await onShutdown(
  "match",
  async () => {
    const unflushed = await recorder.flushAll();
    if (unflushed > 0)
      obs.logger.warn("Could not write observed-event counts at shutdown; lost", { unflushed });
  },
  obs.logger,
);
const deps = {
  moments: new DynamoMomentRepository(db, env.TABLE_NAME),
  profiles: new DynamoProfileRepository(db, env.TABLE_NAME),
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  // Step Functions and EventBridge are imported by their first call: an event no moment uses, the
  // most common, needs neither.
  workflows: lazyStepFunctionsController(env.STATE_MACHINE_ARN, obs.tracer),
  messages: new DynamoMessageLog(db, env.TABLE_NAME),
  pending: new DynamoPendingStartRepository(db, env.TABLE_NAME),
  recorder,
  idleEvents: new MemoryIdleEventNames(systemClock),
  clock: systemClock,
  timeScale: readTimeScale(process.env[Env.timeScale]),
  eventWindowHours: readEventWindowHours(process.env[Env.eventWindowHours]),
};

// Identify calls put their attribute changes back on the bus, where moments can start on them.
const identifyDeps = {
  ...deps,
  publisher: lazyEventBridgePublisher(env.EVENT_BUS_NAME, obs.tracer),
};

async function processRecord(record: SQSRecord) {
  // The queue receives the whole EventBridge event; our payload is its detail.
  const envelope = JSON.parse(record.body) as { "detail-type"?: string; detail: EventReceivedDetail };
  if (envelope["detail-type"] === DetailType.identifyReceived) {
    const detail = envelope.detail as unknown as IdentifyReceivedDetail;
    const changes = await applyIdentify(identifyDeps, detail);
    obs.logger.info("Identify applied", {
      workspaceId: detail.workspaceId,
      messageId: detail.messageId,
      changes,
    });
    obs.metrics.addMetric("IdentifyApplied", "Count", 1);
    return;
  }
  const detail = envelope.detail;
  const decisions = await matchEvent(deps, detail);
  // Also the EventMatched metric, counted from this line (shared/contracts/log-metrics.ts).
  obs.logger.info(logMessages.eventMatched, {
    workspaceId: detail.workspaceId,
    messageId: detail.messageId,
    event: detail.event,
    decisions,
  });
  const started = decisions.filter((d) => d.decision === "started").length;
  if (started > 0) obs.metrics.addMetric("RunStarted", "Count", started);
}

/**
 * One SQS batch. Records are independent; a record that fails is reported alone so only it is
 * redelivered (and after maxReceiveCount it lands in the dead-letter queue), never swallowed.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(obs.middlewares())
  .handler(async (event) => {
    const results = await Promise.allSettled(event.Records.map(processRecord));
    const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
    results.forEach((result, index) => {
      const record = event.Records[index];
      if (result.status === "rejected" && record) {
        obs.logger.error("Could not match event; it will be redelivered", {
          sqsMessageId: record.messageId,
          error: result.reason as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    });
    if (batchItemFailures.length > 0) obs.metrics.addMetric("MatchFailed", "Count", batchItemFailures.length);
    const unflushed = await recorder.flushDue();
    if (unflushed > 0)
      obs.logger.warn("Could not write observed-event counts; kept for the next batch", { unflushed });
    return { batchItemFailures };
  });
