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
