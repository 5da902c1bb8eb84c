import middy from "@middy/core";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoRunRepository } from "../../shared/adapters/dynamodb/run-repository.js";
import { DynamoSuppressionList } from "../../shared/adapters/dynamodb/suppression-list.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";
import { recordSesFeedback } from "../../shared/use-cases/ses-feedback.js";

const env = readEnv([Env.tableName]);
const obs = createObservability("ses-feedback");
const db = documentClient(obs.tracer);
const deps = {
  suppressions: new DynamoSuppressionList(db, env.TABLE_NAME),
  runs: new DynamoRunRepository(db, env.TABLE_NAME),
  clock: systemClock,
};

/**
 * SES send, reject, bounce and complaint events from the default bus. Errors are thrown, never swallowed: Lambda
 * retries the asynchronous invocation, then sends it to the dead-letter queue (infra/constructs/
 * email-sending.ts). Logs carry counts and the workspace, never an address.
 */
export const handler = middy<EventBridgeEvent<string, unknown>, void, Error, Context>()
  .use(obs.middlewares())
  .handler(async (event) => {
    obs.logger.appendKeys({ eventId: event.id, detailType: event["detail-type"] });
    const result = await recordSesFeedback(deps, event);
    if (result.outcome === "ignored") {
      obs.logger.info("SES event ignored", { why: result.why });
      return;
    }
    if (result.outcome === "evidence") {
      obs.logger.info(
        result.kept ? "SES send evidence recorded" : "SES send evidence not kept: its step is recorded",
        result,
      );
      // SES's Reject changed a step's record (an execution corrected, or a claim in doubt settled),
      // by its own event or found by a Send's re-read: rare, and each one is an email the step's
      // stats and log no longer count as sent.
      if (result.rejectSettled) obs.metrics.addMetric("RejectCorrected", "Count", 1);
      return;
    }
    obs.logger.info("SES feedback recorded", result);
    obs.metrics.addMetric(
      result.reason === "bounced" ? "AddressBounced" : "AddressComplained",
      "Count",
      result.suppressed,
    );
  });
