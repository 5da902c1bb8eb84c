/**
 * Every provider's wiring, imported at once: for the admin function's test sends, themselves loaded
 * on the first test send (one chunk, rather than one per provider). The action function imports
 * each provider on its first action instead (../lazy-providers.ts).
 */
import type { ProviderWirings } from "../performers.js";
import { attioPerformers } from "./attio.js";
import { emailPerformers } from "./email.js";
import { inAppPerformers } from "./in-app.js";
import { slackPerformers } from "./slack.js";
import { webhookPerformers } from "./webhook.js";

export const providers: ProviderWirings = {
  email: async () => emailPerformers,
  inApp: async () => inAppPerformers,
  slack: async () => slackPerformers,
  attio: async () => attioPerformers,
  webhook: async () => webhookPerformers,
};
