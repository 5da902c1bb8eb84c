/**
 * The admin function's test sends: the action function's own performers. Imported by the admin
 * handler on the first test send only, with every provider (a provider builds the SES or
 * EventBridge client it needs on its first action).
 */

import type { Tracer } from "@aws-lambda-powertools/tracer";
import type { ActionPerformers } from "../../shared/use-cases/actions/action.js";
import { performersFor, type WiringContext } from "../action/performers.js";
import { providers } from "../action/providers/index.js";

export function testSendPerformers(
  clients: Pick<WiringContext, "db" | "integrations" | "profiles">,
  tracer: Tracer | undefined,
): ActionPerformers {
  return performersFor({ ...clients, tracer }, "interactive", providers);
}
