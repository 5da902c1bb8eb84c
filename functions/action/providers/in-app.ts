import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { DynamoInboxRepository } from "../../../shared/adapters/dynamodb/inbox-repository.js";
import { DynamoMessageLog } from "../../../shared/adapters/dynamodb/message-log.js";
import { EventBridgePublisher } from "../../../shared/adapters/event-bridge-publisher.js";
import { CACHED_MIDDLEWARE, sdkClient } from "../../../shared/adapters/sdk-client.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { inAppPerformers as inApp } from "../../../shared/use-cases/actions/in-app.js";
import { updateAttributePerformer } from "../../../shared/use-cases/actions/update-attribute.js";
import type { WiringContext } from "./context.js";

/** The actions that stay inside Moments: the in-app inbox and attribute updates. */
export function inAppPerformers(context: WiringContext): ActionPerformers {
  const eventBridge = sdkClient(new EventBridgeClient(CACHED_MIDDLEWARE), context.tracer);
  return {
    ...inApp({ inbox: new DynamoInboxRepository(context.db, context.tableName), clock: context.clock }),
    update_attribute: updateAttributePerformer({
      profiles: context.profiles,
      publisher: new EventBridgePublisher(eventBridge, context.eventBusName),
      messages: new DynamoMessageLog(context.db, context.tableName),
      clock: context.clock,
    }),
  };
}
