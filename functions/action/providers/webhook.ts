import { GuardedHttpClient } from "../../../shared/adapters/guarded-http-client.js";
import { Env } from "../../../shared/contracts/functions.js";
import { networkPolicy } from "../../../shared/domain/network-policy.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { webhookPerformer } from "../../../shared/use-cases/actions/webhook.js";
import type { WiringContext } from "./context.js";

/**
 * send_webhook through the SSRF-guarded client. Loopback targets are allowed only when the
 * environment opts in with exactly "true" (the local stack does; the CDK app never sets it, since
 * loopback inside Lambda is the runtime API).
 */
export function webhookPerformers(context: WiringContext): ActionPerformers {
  const http = new GuardedHttpClient({
    policy: networkPolicy({ allowLoopback: context.env[Env.webhookAllowLoopback] === "true" }),
    // A test send (admin function, 15 s, an admin waiting) gets a shorter exchange.
    ...(context.budget === "interactive" ? { timeoutMs: 8_000 } : {}),
  });
  return {
    send_webhook: webhookPerformer({
      integrations: context.integrations,
      http,
      now: () => context.clock.now(),
      ...(context.budget === "interactive" ? { maxInlineRetryAfterMs: 0 } : {}),
    }),
  };
}
