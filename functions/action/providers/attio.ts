import {
  ATTIO_API_BASE_URL,
  type AttioClientOptions,
  HttpAttioClient,
} from "../../../shared/adapters/attio-client.js";
import { Env } from "../../../shared/contracts/functions.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { attioTaskPerformer } from "../../../shared/use-cases/actions/attio-task.js";
import type { WiringContext } from "./context.js";

type AttioLimits = Required<
  Pick<AttioClientOptions, "requestTimeoutMs" | "maxRetryAfterMs" | "lookupTimeoutMs" | "lookupPages">
>;

/**
 * Per-call limits by budget. A create_attio_task step is one request, which may take its timeout,
 * wait out one Retry-After and take its timeout again; a step in doubt first looks its task up
 * (a few pages, each within its own timeout, no inline wait), then may create it.
 * - `step`, the action function (30 s): 2 x 2 s of lookup, then 8 + 5 + 8 = 21 s, 25 s at worst.
 *   The create's timeout is generous on purpose: past it, the task may or may not exist, and the
 *   step is in doubt (a wait, then a lookup).
 * - `interactive`, a test send from the admin function (15 s, an admin waiting): 6 s, no second
 *   attempt (a test send is never looked up).
 */
export const ATTIO_LIMITS: Record<WiringContext["budget"], AttioLimits> = {
  step: { requestTimeoutMs: 8_000, maxRetryAfterMs: 5_000, lookupTimeoutMs: 2_000, lookupPages: 2 },
  interactive: { requestTimeoutMs: 6_000, maxRetryAfterMs: 0, lookupTimeoutMs: 2_000, lookupPages: 0 },
};

/** create_attio_task, against Attio's API or the base URL the environment points it at. */
export function attioPerformers(context: WiringContext): ActionPerformers {
  return {
    create_attio_task: attioTaskPerformer({
      integrations: context.integrations,
      attio: new HttpAttioClient({
        baseUrl: context.env[Env.attioApiBaseUrl] || ATTIO_API_BASE_URL,
        ...ATTIO_LIMITS[context.budget],
      }),
    }),
  };
}
