import type { ProviderWirings } from "./performers.js";

/**
 * The action function's providers, each imported by its first action: a cold start reads none of
 * them, and an execution environment that only posts to Slack never loads the SES client and its XML
 * protocol (each provider is a chunk of its own, infra/bundling.ts). The admin function's test sends
 * take them all at once instead (./providers/index.ts).
 */
export const lazyProviders: ProviderWirings = {
  email: () => import("./providers/email.js").then((m) => m.emailPerformers),
  inApp: () => import("./providers/in-app.js").then((m) => m.inAppPerformers),
  slack: () => import("./providers/slack.js").then((m) => m.slackPerformers),
  attio: () => import("./providers/attio.js").then((m) => m.attioPerformers),
  webhook: () => import("./providers/webhook.js").then((m) => m.webhookPerformers),
};
