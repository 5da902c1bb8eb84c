import type { StoredIntegration } from "../domain/integration.js";
import type { Page, PageRequest } from "./email-templates.js";

/** Integrations with their secrets: only the admin use cases (to mask them) and actions read these. */
export interface IntegrationRepository {
  getIntegration(workspaceId: string, integrationId: string): Promise<StoredIntegration | undefined>;
  /** Oldest first (ids sort by creation time). A cursor from another listing is a ValidationError. */
  listIntegrations(workspaceId: string, page: PageRequest): Promise<Page<StoredIntegration>>;
  /** Creates an integration (ids are fresh, so this never replaces another). */
  putIntegration(integration: StoredIntegration): Promise<void>;
  /**
   * Replaces the integration if it still exists and was last updated at `expectedUpdatedAt` (no
   * lost updates between read and write); false otherwise.
   */
  replaceIntegration(next: StoredIntegration, expectedUpdatedAt: string): Promise<boolean>;
  /** False when there was nothing to delete. */
  deleteIntegration(workspaceId: string, integrationId: string): Promise<boolean>;
}

/** Enough for code that only looks integrations up (actions, moment validation) and for its fakes. */
export type IntegrationReader = Pick<IntegrationRepository, "getIntegration">;

export interface SlackChannel {
  id: string;
  name: string;
  /** Whether the bot is in the channel: it can post only where it is a member (or is invited). */
  isMember: boolean;
}

/** Slack's Web API as the config API uses it. Failures are UpstreamErrors naming Slack's error. */
export interface SlackApi {
  /**
   * Public and private channels the bot can see, following Slack's cursor up to a page cap;
   * `truncated` when more remained.
   */
  listChannels(botToken: string): Promise<{ channels: SlackChannel[]; truncated: boolean }>;
}

/** Which step a message was posted for: carried in its metadata, so the message can be found again. */
export interface SlackMarker {
  runId: string;
  stepId: string;
}

/** The metadata `event_type` our messages carry (with `event_payload: { runId, stepId }`). */
export const SLACK_MARKER_EVENT_TYPE = "moments_step";

/**
 * Where and what to post with a bot token: a channel id (or name) and mrkdwn text. With a `marker`,
 * the message carries it as metadata, and a post that may have been taken without a clear answer is
 * an AmbiguousDeliveryError (to be looked up with findMessage) rather than `outcome_unknown`.
 */
export interface SlackMessage {
  channel: string;
  text: string;
  marker?: SlackMarker;
}

/**
 * What looking for our message in a channel's history found: the message, none (so it was not
 * posted), or `unknown` when Slack would not say (a missing `channels:history` scope, say).
 */
export type SlackMessageLookup =
  | { status: "found"; channel: string; ts: string }
  | { status: "absent" }
  | { status: "unknown"; reason: string };

/** What looking a person up by email found: their member id, or Slack's reason there is none. */
export type SlackUserLookup = { found: true; userId: string } | { found: false; error: string };

/**
 * Slack as the send_slack action uses it. Failures are delivery errors: TransientDeliveryError when
 * Slack cannot have acted (unreachable, 429, 5xx; retrying is safe), PermanentDeliveryError when it
 * refused for good (reason `slack: <error>`) or when the post may have happened without an answer
 * (reason `outcome_unknown: ...`: Slack has no idempotency key, so that is never retried), except a
 * marked bot-token post, which is then an AmbiguousDeliveryError to look up with findMessage. No
 * message carries a token or a webhook URL.
 */
export interface SlackMessenger {
  /** chat.postMessage with a bot token: the channel it landed in and the message's `ts`. */
  postMessage(botToken: string, message: SlackMessage): Promise<{ channel: string; ts: string }>;
  /**
   * users.lookupByEmail (scope users:read.email). A read: any failure worth retrying is transient;
   * `users_not_found` and refusals (a missing scope) are answers, not errors.
   */
  lookupUserByEmail(botToken: string, email: string): Promise<SlackUserLookup>;
  /**
   * conversations.history of `channel` since `oldest`, with metadata, for the message carrying
   * `marker`. A read: failures worth retrying are transient; Slack's refusals are `unknown`.
   */
  findMessage(
    botToken: string,
    channel: string,
    marker: SlackMarker,
    oldest: Date,
  ): Promise<SlackMessageLookup>;
  /** Posts to an incoming webhook (its URL is the secret and fixes the channel). */
  postToWebhook(webhookUrl: string, message: { text: string }): Promise<void>;
}
