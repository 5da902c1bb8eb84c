import type { ActionPerformers } from "../../shared/use-cases/actions/action.js";
import { attioPerformers } from "./providers/attio.js";
import type { WiringContext } from "./providers/context.js";
import { emailPerformers } from "./providers/email.js";
import { inAppPerformers } from "./providers/in-app.js";
import { slackPerformers } from "./providers/slack.js";
import { webhookPerformers } from "./providers/webhook.js";

export type { WiringContext } from "./providers/context.js";

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
