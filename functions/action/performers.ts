import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { systemClock } from "../../shared/ports/clock.js";
import type { ActionPerformers } from "../../shared/use-cases/actions/action.js";
import { attioPerformers } from "./providers/attio.js";
import type { WiringContext } from "./providers/context.js";
import { emailPerformers } from "./providers/email.js";
import { inAppPerformers } from "./providers/in-app.js";
import { slackPerformers } from "./providers/slack.js";
import { webhookPerformers } from "./providers/webhook.js";

export type { WiringContext } from "./providers/context.js";

type Clients = Pick<WiringContext, "db" | "ses" | "eventBridge" | "integrations" | "profiles">;

/**
 * The performers of a function holding these clients (the action function, and the admin function
 * for test sends), configured from its environment, read once at cold start.
 */
export function performersFor(clients: Clients, budget: WiringContext["budget"]): ActionPerformers {
  const env = readEnv([Env.tableName, Env.eventBusName, Env.publicApiUrl]);
  return createPerformers({
    ...clients,
    tableName: env.TABLE_NAME,
    eventBusName: env.EVENT_BUS_NAME,
    sesConfigurationSet: process.env[Env.sesConfigurationSet] || undefined,
    publicApiUrl: env.MOMENTS_PUBLIC_API_URL,
    clock: systemClock,
    env: process.env,
    budget,
  });
}

/** Every action type's performer, each wired to its provider (one file per provider). */
export function createPerformers(context: WiringContext): ActionPerformers {
  return {
    ...emailPerformers(context),
    ...inAppPerformers(context),
    ...slackPerformers(context),
    ...attioPerformers(context),
    ...webhookPerformers(context),
  };
}
