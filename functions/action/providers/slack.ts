import {
  DEFAULT_SLACK_API_BASE_URL,
  HttpSlackClient,
  type SlackClientOptions,
} from "../../../shared/adapters/slack-client.js";
import { Env } from "../../../shared/contracts/functions.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { slackPerformer } from "../../../shared/use-cases/actions/slack.js";
import type { WiringContext } from "./context.js";

type SlackLimits = Required<
  Pick<SlackClientOptions, "requestTimeoutMs" | "postTimeoutMs" | "maxRetryAfterMs">
>;

/**
 * Per-call limits by budget. A send_slack step is one round of lookups (side by side) and then one
 * post; each call may take its timeout, wait out one Retry-After and take its timeout again.
 * - `step`, the action function (30 s): lookups 3 + 3 + 3 = 9 s, post 6 + 3 + 6 = 15 s, so 24 s at
 *   worst, leaving ~6 s for reading the integration and recording the outcome. A longer Retry-After
 *   is left to the state machine's backoff (which cannot wait an exact Retry-After).
 * - `interactive`, a test send from the admin function (15 s, an admin waiting): lookups 3 s, post
 *   5 s, no second attempt: 8 s at worst.
 * The post's timeout is the longer one on purpose: past it, the message may or may not have been
 * posted, and the step is in doubt (looked up in the channel's history after a wait, with a bot
 * token; `outcome_unknown` with an incoming webhook).
 */
export const SLACK_LIMITS: Record<WiringContext["budget"], SlackLimits> = {
  step: { requestTimeoutMs: 3_000, postTimeoutMs: 6_000, maxRetryAfterMs: 3_000 },
  interactive: { requestTimeoutMs: 3_000, postTimeoutMs: 5_000, maxRetryAfterMs: 0 },
};

/** send_slack over Slack's Web API and incoming webhooks, within the caller's budget. */
export function slackPerformers(context: WiringContext): ActionPerformers {
  const slack = new HttpSlackClient({
    baseUrl: context.env[Env.slackApiBaseUrl] || DEFAULT_SLACK_API_BASE_URL,
    webhookBaseUrl: context.env[Env.slackWebhookBaseUrl] || undefined,
    ...SLACK_LIMITS[context.budget],
  });
  return { send_slack: slackPerformer({ integrations: context.integrations, slack }) };
}
