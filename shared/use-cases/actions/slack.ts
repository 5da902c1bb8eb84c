import type { StepOutcome } from "../../contracts/workflow.js";
import type { Action } from "../../domain/actions.js";
import { TransientDeliveryError } from "../../domain/delivery-errors.js";
import { isEmailAddress } from "../../domain/email.js";
import { SLACK_WEBHOOK_URL } from "../../domain/integration.js";
import type { IntegrationReader, SlackMessenger } from "../../ports/integrations.js";
import type { ActionContext, ActionPerformer } from "./action.js";

export interface SlackDeps {
  integrations: IntegrationReader;
  slack: SlackMessenger;
}

type SendSlack = Extract<Action, { type: "send_slack" }>;

/** Rendered text, with the addresses to mention left as parts of their own. */
type Part = string | { mention: string };

/**
 * Most distinct people one message looks up: lookups run side by side, within the action
 * function's time, and a message pinging more people than this is rare enough to fall back.
 */
export const MAX_MENTIONS = 10;

/** Prefixed to a test send's text: in a channel, a test is otherwise indistinguishable. */
const TEST_PREFIX = "[Test] ";

/**
 * send_slack: the text rendered for Slack (a value cannot ping `<!channel>` or forge a link), posted
 * through the integration's bot token (to the step's channel) or incoming webhook (its own channel).
 * `@{case_owner_email}` (or `@ada@acme.com`), an `@` written in the template before an email
 * address, becomes a real mention `<@U123>` through users.lookupByEmail with a bot token; with a
 * webhook, or when Slack knows no such person, it stays the plain address and the outcome records
 * how many fell back and why (never the addresses: outcomes are logged). Lookups are network calls,
 * so they happen in perform(), never in a preview.
 */
export function slackPerformer(deps: SlackDeps): ActionPerformer<SendSlack> {
  return async (ctx, action) => {
    const parts = renderParts(ctx, action.text);
    const channel =
      action.channel === undefined
        ? ""
        : ctx
            .render(action.channel)
            .replace(/\p{Cc}/gu, "")
            .trim();
    const integration = await deps.integrations.getIntegration(ctx.run.workspaceId, action.integrationId);
    if (integration?.kind !== "slack") {
      return {
        status: "failed",
        reason: `integration_missing: Slack integration "${action.integrationId}" no longer exists`,
      };
    }
    const preview = plainText(parts, () => undefined);
    if (preview.trim() === "") return { status: "skipped", reason: "no_text: the message rendered empty" };
    const mentions = distinctMentions(parts);
    const prefix = ctx.test ? TEST_PREFIX : "";
    const previewFields = {
      integration: integration.name,
      ...(mentions.length > 0 ? { mentions } : {}),
      text: prefix + preview,
    };

    if (integration.botToken !== undefined) {
      const botToken = integration.botToken;
      if (!channel) {
        return {
          status: "failed",
          reason: "channel_missing: a Slack bot token posts to a channel; set the step's channel",
        };
      }
      // A step's message carries its run and step as metadata, so a post in doubt can be found again
      // (a test send has no step to reconcile).
      const marker = ctx.test ? undefined : { runId: ctx.run.runId, stepId: ctx.stepId };
      return {
        preview: { via: "bot_token", channel, ...previewFields },
        ...(marker && {
          lookUp: async (since: Date): Promise<StepOutcome | undefined> => {
            const found = await deps.slack.findMessage(botToken, channel, marker, since);
            if (found.status === "absent") return undefined;
            if (found.status === "unknown") {
              return {
                status: "failed",
                reason: `outcome_unknown: the message may have been posted, and the channel's history could not tell (${found.reason}); not sent again`,
              };
            }
            return {
              status: "executed",
              detail: { via: "bot_token", channel: found.channel, ts: found.ts, reconciled: "history" },
            };
          },
        }),
        perform: async (): Promise<StepOutcome> => {
          const resolved = await lookUp(deps.slack, botToken, mentions);
          const text = prefix + plainText(parts, (email) => resolved.ids.get(email.toLowerCase()));
          const posted = await deps.slack.postMessage(botToken, { channel, text, ...(marker && { marker }) });
          return {
            status: "executed",
            detail: {
              via: "bot_token",
              channel: posted.channel,
              ts: posted.ts,
              ...fallbackDetail(resolved.fallbacks),
            },
          };
        },
      };
    }

    const webhookUrl = integration.webhookUrl;
    // Checked when the integration was saved; checked again because this URL is posted to without
    // the SSRF guard the generic webhook action has. Never quoted: the URL is the secret.
    if (!SLACK_WEBHOOK_URL.test(webhookUrl)) {
      return { status: "failed", reason: "integration_invalid: the Slack webhook URL is not Slack's" };
    }
    return {
      preview: { via: "incoming_webhook", ...previewFields },
      perform: async (): Promise<StepOutcome> => {
        await deps.slack.postToWebhook(webhookUrl, { text: prefix + preview });
        const fallbacks = new Map(mentions.map((email) => [email, "incoming_webhook"]));
        return { status: "executed", detail: { via: "incoming_webhook", ...fallbackDetail(fallbacks) } };
      },
    };
  };
}

/**
 * An `@` written in the template (not after a word character: `support@{domain}` is an address, not
 * a mention) followed by a placeholder or a literal address. Placeholders are matched whole first,
 * so an address inside one (`{owner|@ada@acme.com}`) is the placeholder's business.
 */
const TOKEN = new RegExp(
  [
    String.raw`(?<![\w.%+'-])@(\{[^{}]*\})`,
    String.raw`\{[^{}]*\}`,
    String.raw`(?<![\w.%+'-])@([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)`,
  ].join("|"),
  "g",
);

/**
 * Renders the text in Slack mode, keeping mention candidates apart. The whole text is rendered once
 * first so an `onMissing: skip|fail` policy names every missing placeholder at once.
 */
function renderParts(ctx: ActionContext, template: string): Part[] {
  ctx.render(template, "slack");
  const parts: Part[] = [];
  let pending = "";
  const flush = () => {
    if (pending) parts.push(ctx.render(pending, "slack"));
    pending = "";
  };
  let last = 0;
  for (const match of template.matchAll(TOKEN)) {
    const [whole, placeholder, literal] = match;
    if (placeholder === undefined && literal === undefined) continue;
    pending += template.slice(last, match.index);
    last = match.index + whole.length;
    const address = placeholder !== undefined ? ctx.render(placeholder).trim() : (literal ?? "");
    if (isEmailAddress(address)) {
      flush();
      parts.push({ mention: address });
    } else {
      // Not an address after all: the `@` and the value, as any other text.
      pending += `@${placeholder ?? literal}`;
    }
  }
  pending += template.slice(last);
  flush();
  return parts;
}

/** Slack's control characters escaped, as the renderer's `slack` mode does. */
function escapeSlack(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The message text: a resolved mention as `<@U123>`, any other as the plain `@address`. */
function plainText(parts: Part[], userId: (email: string) => string | undefined): string {
  return parts
    .map((part) => {
      if (typeof part === "string") return part;
      const id = userId(part.mention);
      return id ? `<@${id}>` : `@${escapeSlack(part.mention)}`;
    })
    .join("");
}

/** Addresses to mention, each once (Slack matches emails case-insensitively). */
function distinctMentions(parts: Part[]): string[] {
  const seen = new Map<string, string>();
  for (const part of parts) {
    if (typeof part !== "string" && !seen.has(part.mention.toLowerCase())) {
      seen.set(part.mention.toLowerCase(), part.mention);
    }
  }
  return [...seen.values()];
}

interface Resolved {
  /** Member ids by lower-cased address. */
  ids: Map<string, string>;
  /** Addresses left plain, with why. */
  fallbacks: Map<string, string>;
}

/**
 * Looks the addresses up side by side. A transient failure throws (nothing was posted yet, so the
 * step is safely retried); Slack's refusals (users_not_found, a missing users:read.email scope)
 * fall back to the plain address.
 */
async function lookUp(slack: SlackMessenger, botToken: string, mentions: string[]): Promise<Resolved> {
  const ids = new Map<string, string>();
  const fallbacks = new Map<string, string>();
  const results = await Promise.allSettled(
    mentions.slice(0, MAX_MENTIONS).map(async (email) => ({
      email,
      found: await slack.lookupUserByEmail(botToken, email),
    })),
  );
  for (const result of results) {
    if (result.status === "rejected") {
      throw result.reason instanceof Error
        ? result.reason
        : new TransientDeliveryError("slack: users.lookupByEmail failed");
    }
    const { email, found } = result.value;
    if (found.found) ids.set(email.toLowerCase(), found.userId);
    else fallbacks.set(email, found.error);
  }
  for (const email of mentions.slice(MAX_MENTIONS)) fallbacks.set(email, "too_many_mentions");
  return { ids, fallbacks };
}

/**
 * `mentionFallbacks`: how many addresses were left plain; `mentionFallbackReasons`: Slack's reasons,
 * once each. A count, not the addresses: the action function logs every outcome, and a log line
 * never names a person's address (the message in the channel shows who it was).
 */
function fallbackDetail(fallbacks: Map<string, string>): Record<string, string> {
  if (fallbacks.size === 0) return {};
  return {
    mentionFallbacks: String(fallbacks.size),
    mentionFallbackReasons: [...new Set(fallbacks.values())].join(","),
  };
}
