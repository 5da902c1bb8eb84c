import { DEFAULT_SLACK_API_BASE_URL, HttpSlackClient } from "../../../shared/adapters/slack-client.js";
import { Env } from "../../../shared/contracts/functions.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { slackPerformer } from "../../../shared/use-cases/actions/slack.js";
import type { WiringContext } from "./context.js";

/**
 * send_slack over Slack's Web API and incoming webhooks. Within the action function's 30 s: lookups
 * (4 s each, side by side) and the post (8 s) with at most one 5 s Retry-After wait each; a longer
 * Retry-After is left to the state machine's backoff. A test send (admin function, 15 s) gets about
 * half of that and no inline wait.
 */
export function slackPerformers(context: WiringContext): ActionPerformers {
  const slack = new HttpSlackClient({
    baseUrl: context.env[Env.slackApiBaseUrl] || DEFAULT_SLACK_API_BASE_URL,
    webhookBaseUrl: context.env[Env.slackWebhookBaseUrl] || undefined,
    ...(context.budget === "step"
      ? { requestTimeoutMs: 4_000, postTimeoutMs: 8_000, maxRetryAfterMs: 5_000 }
      : { requestTimeoutMs: 3_000, postTimeoutMs: 5_000, maxRetryAfterMs: 0 }),
  });
  return { send_slack: slackPerformer({ integrations: context.integrations, slack }) };
}
