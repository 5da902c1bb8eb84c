/**
 * In-memory fakes for the email-template and integration ports, with the semantics of their
 * DynamoDB adapters (conditional create, replace only at the expected updatedAt, delete reports
 * whether something was there, pages oldest first with an opaque cursor). Each exposes its state.
 */
import type { EmailTemplate } from "../../shared/domain/email-template.js";
import { ValidationError } from "../../shared/domain/errors.js";
import type {
  AttioIntegration,
  SlackIntegration,
  StoredIntegration,
  WebhookIntegration,
} from "../../shared/domain/integration.js";
import type { Moment } from "../../shared/domain/moment.js";
import type { EmailTemplateStore, Page, PageRequest } from "../../shared/ports/email-templates.js";
import type { IntegrationRepository, SlackApi, SlackChannel } from "../../shared/ports/integrations.js";

const key = (workspaceId: string, id: string) => JSON.stringify([workspaceId, id]);

/** Items of one workspace keyed by id, paged by id like a DynamoDB query on the sort key. */
class FakeCollection<T extends { id: string; workspaceId: string; updatedAt: string }> {
  readonly items = new Map<string, T>();

  create(item: T) {
    const k = key(item.workspaceId, item.id);
    if (this.items.has(k)) throw new Error(`${item.id} already exists`);
    this.items.set(k, structuredClone(item));
  }

  get(workspaceId: string, id: string): T | undefined {
    const item = this.items.get(key(workspaceId, id));
    return item && structuredClone(item);
  }

  page(workspaceId: string, request: PageRequest): Page<T> {
    let after = "";
    if (request.cursor !== undefined) {
      // Opaque like the adapter's (base64url JSON), and bound to the workspace it came from.
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(request.cursor, "base64url").toString("utf8"));
      } catch {
        decoded = undefined;
      }
      if (!Array.isArray(decoded) || decoded[0] !== workspaceId || typeof decoded[1] !== "string") {
        throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
      }
      after = decoded[1];
    }
    const all = [...this.items.values()]
      .filter((item) => item.workspaceId === workspaceId && item.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const items = all.slice(0, request.limit).map((item) => structuredClone(item));
    const last = items.at(-1);
    const cursor = last && Buffer.from(JSON.stringify([workspaceId, last.id])).toString("base64url");
    return { items, ...(all.length > request.limit && cursor ? { nextCursor: cursor } : {}) };
  }

  replace(next: T, expectedUpdatedAt: string): boolean {
    const k = key(next.workspaceId, next.id);
    const stored = this.items.get(k);
    if (!stored || stored.updatedAt !== expectedUpdatedAt) return false;
    this.items.set(k, structuredClone(next));
    return true;
  }

  delete(workspaceId: string, id: string): boolean {
    return this.items.delete(key(workspaceId, id));
  }
}

export class FakeEmailTemplateStore implements EmailTemplateStore {
  readonly collection = new FakeCollection<EmailTemplate>();

  async putEmailTemplate(template: EmailTemplate) {
    this.collection.create(template);
  }
  async getEmailTemplate(workspaceId: string, templateId: string) {
    return this.collection.get(workspaceId, templateId);
  }
  async listEmailTemplates(workspaceId: string, page: PageRequest) {
    return this.collection.page(workspaceId, page);
  }
  async replaceEmailTemplate(next: EmailTemplate, expectedUpdatedAt: string) {
    return this.collection.replace(next, expectedUpdatedAt);
  }
  async deleteEmailTemplate(workspaceId: string, templateId: string) {
    return this.collection.delete(workspaceId, templateId);
  }
}

export class FakeIntegrationRepository implements IntegrationRepository {
  readonly collection = new FakeCollection<StoredIntegration>();

  async getIntegration(workspaceId: string, integrationId: string) {
    return this.collection.get(workspaceId, integrationId);
  }
  async listIntegrations(workspaceId: string, page: PageRequest) {
    return this.collection.page(workspaceId, page);
  }
  async putIntegration(integration: StoredIntegration) {
    this.collection.create(integration);
  }
  async replaceIntegration(next: StoredIntegration, expectedUpdatedAt: string) {
    return this.collection.replace(next, expectedUpdatedAt);
  }
  async deleteIntegration(workspaceId: string, integrationId: string) {
    return this.collection.delete(workspaceId, integrationId);
  }

  /** Test helper: the stored record, secrets included. */
  stored(workspaceId: string, integrationId: string) {
    return this.collection.items.get(key(workspaceId, integrationId));
  }
}

/** Just the moment listing the delete checks read. */
export class FakeMomentList {
  readonly moments: Moment[] = [];
  async listMoments(workspaceId: string) {
    return this.moments.filter((m) => m.workspaceId === workspaceId).map((m) => structuredClone(m));
  }
}

/** Slack as the port sees it: channels per bot token; other tokens fail like Slack would. */
export class FakeSlackApi implements SlackApi {
  readonly channelsByToken = new Map<string, SlackChannel[]>();
  readonly calls: string[] = [];
  failWith: Error | undefined;
  truncated = false;

  async listChannels(botToken: string) {
    this.calls.push(botToken);
    if (this.failWith) throw this.failWith;
    return { channels: structuredClone(this.channelsByToken.get(botToken) ?? []), truncated: this.truncated };
  }
}

type Meta = Pick<StoredIntegration, "id" | "workspaceId" | "name" | "createdAt" | "updatedAt">;

function meta(overrides: Partial<Meta>, id: string, name: string): Meta {
  return {
    id,
    workspaceId: "ws_1",
    name,
    createdAt: "2026-11-01T00:00:00.000Z",
    updatedAt: "2026-11-01T00:00:00.000Z",
    ...overrides,
  };
}

// Builders of valid stored integrations; override what a test is about.

export function aSlackBotIntegration(
  overrides: Partial<Meta> & { botToken?: string } = {},
): SlackIntegration {
  const { botToken = "xoxb-1111-2222-abcdefghijkl", ...rest } = overrides;
  return { ...meta(rest, "int_slack_bot", "Slack (bot)"), kind: "slack", botToken };
}

export function aSlackWebhookIntegration(
  overrides: Partial<Meta> & { webhookUrl?: string } = {},
): SlackIntegration {
  const { webhookUrl = "https://hooks.slack.com/services/T0001/B0001/hookSecretWXYZ", ...rest } = overrides;
  return { ...meta(rest, "int_slack_hook", "Slack (webhook)"), kind: "slack", webhookUrl };
}

export function anAttioIntegration(
  overrides: Partial<Meta> & { accessToken?: string } = {},
): AttioIntegration {
  const { accessToken = "attio-access-token-0123456789", ...rest } = overrides;
  return { ...meta(rest, "int_attio", "Attio"), kind: "attio", accessToken };
}

export function aWebhookIntegration(
  overrides: Partial<Meta> & { signingSecret?: string } = {},
): WebhookIntegration {
  const { signingSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`, ...rest } = overrides;
  return { ...meta(rest, "int_webhook", "Webhooks"), kind: "webhook", signingSecret };
}
