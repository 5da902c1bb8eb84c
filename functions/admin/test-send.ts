/**
 * The admin function's test sends: the action function's own performers, with the SES and EventBridge
 * clients they need. Imported by the admin handler on the first test send only.
 */

import type { Tracer } from "@aws-lambda-powertools/tracer";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { sesClient } from "../../shared/adapters/ses-client.js";
import type { ActionPerformers } from "../../shared/use-cases/actions/action.js";
import { performersFor, type WiringContext } from "../action/performers.js";

export function testSendPerformers(
  clients: Pick<WiringContext, "db" | "integrations" | "profiles">,
  tracer: Tracer | undefined,
): ActionPerformers {
  const ses = sesClient(tracer);
  const eventBridge = new EventBridgeClient({});
  tracer?.captureAWSv3Client(eventBridge);
  return performersFor({ ...clients, ses, eventBridge }, "interactive");
}
