import * as z from "zod/mini";
import type { Action } from "./actions.js";
import { ValidationError } from "./errors.js";
import { nameSchema } from "./primitives.js";
import { isWebhookSigningSecret, type MaskedSecret, MIN_SECRET_LENGTH, maskSecret } from "./secrets.js";
import { parseOrThrow } from "./validation.js";

/**
 * An integration: how a workspace reaches an outside service. Secrets (Slack webhook URL or bot
 * token, Attio access token, webhook signing secret) are write-only in the API: responses show only
 * that one is set and its last 4 characters (`toIntegrationView`). Only the actions that use an
 * integration read its secrets (`StoredIntegration`).
 */
export const integrationKinds = ["slack", "attio", "webhook"] as const;
export type IntegrationKind = (typeof integrationKinds)[number];

/** What every integration has, whatever its kind: nothing secret. */
export interface Integration {
  id: string;
  workspaceId: string;
  kind: IntegrationKind;
  name: string;
  createdAt: string;
  updatedAt: string;
}

type Base = Omit<Integration, "kind">;

/** A Slack integration posts through exactly one of an incoming webhook or a bot token. */
export type SlackIntegration = Base & { kind: "slack" } & (
    | { webhookUrl: string; botToken?: undefined }
    | { botToken: string; webhookUrl?: undefined }
  );
export type AttioIntegration = Base & { kind: "attio"; accessToken: string };
export type WebhookIntegration = Base & { kind: "webhook"; signingSecret: string };

/** An integration with its secrets, as stored. Never put one in a response or a log line. */
export type StoredIntegration = SlackIntegration | AttioIntegration | WebhookIntegration;

// Secrets are opaque tokens: printable ASCII with no spaces (a pasted newline or space is a typo
// that would only fail later, at send time), and long enough that showing 4 characters is safe.
const PRINTABLE_NO_SPACE = /^[\x21-\x7e]+$/;
const secretString = (max: number) =>
  z
    .string()
    .check(
      z.minLength(MIN_SECRET_LENGTH),
      z.maxLength(max),
      z.regex(PRINTABLE_NO_SPACE, "must be printable ASCII without spaces"),
    );

/**
 * Incoming-webhook URLs are Slack's own hosts only (commercial and GovSlack). A webhook URL is posted
 * to by the send_slack action without the SSRF guard the generic webhook action needs, so it must
 * not be able to point anywhere else (a cloud metadata address, an internal service). Generic
 * targets belong in the send_webhook action.
 */
export const SLACK_WEBHOOK_URL = /^https:\/\/hooks\.slack(?:-gov)?\.com\/services\/[A-Za-z0-9_/-]+$/;

export const slackWebhookUrlSchema = secretString(500).check(
  z.regex(SLACK_WEBHOOK_URL, "must be a Slack incoming-webhook URL (https://hooks.slack.com/services/...)"),
);

/** A bot user OAuth token; user tokens (xoxp-) would act as a person, so they are refused. */
export const slackBotTokenSchema = secretString(255).check(
  z.regex(/^xoxb-[A-Za-z0-9-]+$/, "must be a Slack bot token (xoxb-...)"),
);

export const attioAccessTokenSchema = secretString(2000);

export const webhookSigningSecretSchema = z.string().check(
  z.maxLength(200),
  z.refine(isWebhookSigningSecret, {
    message: "must be whsec_ followed by the base64 of 24 to 64 random bytes (Standard Webhooks)",
  }),
);

type SlackSecrets = { webhookUrl?: string | undefined; botToken?: string | undefined };

const exactlyOneSlackSecret = z.refine<SlackSecrets>(
  (value) => (value.webhookUrl === undefined) !== (value.botToken === undefined),
  { message: "give exactly one of webhookUrl (incoming webhook) or botToken (xoxb-...)" },
);

const atMostOneSlackSecret = z.refine<SlackSecrets>(
  (value) => value.webhookUrl === undefined || value.botToken === undefined,
  { message: "give at most one of webhookUrl or botToken: a Slack integration uses one of them" },
);

export const createIntegrationSchema = z.discriminatedUnion("kind", [
  z
    .strictObject({
      kind: z.literal("slack"),
      name: nameSchema,
      webhookUrl: z.optional(slackWebhookUrlSchema),
      botToken: z.optional(slackBotTokenSchema),
    })
    .check(exactlyOneSlackSecret),
  z.strictObject({ kind: z.literal("attio"), name: nameSchema, accessToken: attioAccessTokenSchema }),
  z.strictObject({
    kind: z.literal("webhook"),
    name: nameSchema,
    /** Omitted: one is generated and returned once, in the create response. */
    signingSecret: z.optional(webhookSigningSecretSchema),
  }),
]);
export type CreateIntegrationInput = z.infer<typeof createIntegrationSchema>;

/** PATCH bodies: the name or a secret. The kind never changes (create another integration). */
export const integrationPatchSchemas = {
  slack: z
    .strictObject({
      name: z.optional(nameSchema),
      webhookUrl: z.optional(slackWebhookUrlSchema),
      botToken: z.optional(slackBotTokenSchema),
    })
    .check(atMostOneSlackSecret),
  attio: z.strictObject({ name: z.optional(nameSchema), accessToken: z.optional(attioAccessTokenSchema) }),
  webhook: z.strictObject({
    name: z.optional(nameSchema),
    signingSecret: z.optional(webhookSigningSecretSchema),
  }),
} as const;

/** The stored integration a create body describes; `signingSecret` fills a webhook without one. */
export function newIntegration(
  input: CreateIntegrationInput,
  meta: Base,
  generatedSigningSecret: () => string,
): StoredIntegration {
  switch (input.kind) {
    case "slack":
      if (input.botToken !== undefined)
        return { ...meta, kind: "slack", name: input.name, botToken: input.botToken };
      if (input.webhookUrl !== undefined)
        return { ...meta, kind: "slack", name: input.name, webhookUrl: input.webhookUrl };
      // The schema already refused this; kept so the type needs no assertion.
      throw new ValidationError([{ path: "", message: "give exactly one of webhookUrl or botToken" }]);
    case "attio":
      return { ...meta, kind: "attio", name: input.name, accessToken: input.accessToken };
    case "webhook":
      return {
        ...meta,
        kind: "webhook",
        name: input.name,
        signingSecret: input.signingSecret ?? generatedSigningSecret(),
      };
  }
}

/**
 * Applies a PATCH body (validated for the integration's kind). A Slack integration switches mode
 * when given the other secret: the one it had is dropped, so it always holds exactly one.
 */
export function applyIntegrationPatch(
  current: StoredIntegration,
  body: unknown,
  updatedAt: string,
): StoredIntegration {
  switch (current.kind) {
    case "slack": {
      const patch = parseOrThrow(integrationPatchSchemas.slack, body);
      const base = { ...baseOf(current), name: patch.name ?? current.name, updatedAt };
      if (patch.botToken !== undefined) return { ...base, kind: "slack", botToken: patch.botToken };
      if (patch.webhookUrl !== undefined) return { ...base, kind: "slack", webhookUrl: patch.webhookUrl };
      return current.botToken !== undefined
        ? { ...base, kind: "slack", botToken: current.botToken }
        : { ...base, kind: "slack", webhookUrl: current.webhookUrl };
    }
    case "attio": {
      const patch = parseOrThrow(integrationPatchSchemas.attio, body);
      return {
        ...current,
        name: patch.name ?? current.name,
        accessToken: patch.accessToken ?? current.accessToken,
        updatedAt,
      };
    }
    case "webhook": {
      const patch = parseOrThrow(integrationPatchSchemas.webhook, body);
      return {
        ...current,
        name: patch.name ?? current.name,
        signingSecret: patch.signingSecret ?? current.signingSecret,
        updatedAt,
      };
    }
  }
}

function baseOf(integration: StoredIntegration): Base {
  const { id, workspaceId, name, createdAt, updatedAt } = integration;
  return { id, workspaceId, name, createdAt, updatedAt };
}

export type IntegrationView = Omit<Integration, "workspaceId"> &
  (
    | { kind: "slack"; webhookUrl: MaskedSecret; botToken: MaskedSecret }
    | { kind: "attio"; accessToken: MaskedSecret }
    | { kind: "webhook"; signingSecret: MaskedSecret }
  );

/** What the API shows of an integration: built field by field, so a secret can never slip through. */
export function toIntegrationView(integration: StoredIntegration): IntegrationView {
  const { id, name, createdAt, updatedAt } = integration;
  switch (integration.kind) {
    case "slack":
      return {
        id,
        kind: "slack",
        name,
        webhookUrl: maskSecret(integration.webhookUrl),
        botToken: maskSecret(integration.botToken),
        createdAt,
        updatedAt,
      };
    case "attio":
      return {
        id,
        kind: "attio",
        name,
        accessToken: maskSecret(integration.accessToken),
        createdAt,
        updatedAt,
      };
    case "webhook":
      return {
        id,
        kind: "webhook",
        name,
        signingSecret: maskSecret(integration.signingSecret),
        createdAt,
        updatedAt,
      };
  }
}

/** The integration a step's action uses, if any. */
export function integrationIdOf(action: Action): string | undefined {
  return "integrationId" in action ? action.integrationId : undefined;
}
