import {
  ATTIO_API_BASE_URL,
  type AttioClientOptions,
  HttpAttioClient,
} from "../../../shared/adapters/attio-client.js";
import { Env } from "../../../shared/contracts/functions.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { attioTaskPerformer } from "../../../shared/use-cases/actions/attio-task.js";
import type { WiringContext } from "./context.js";

type AttioLimits = Required<Pick<AttioClientOptions, "requestTimeoutMs" | "maxRetryAfterMs">>;

/**
 * Per-call limits by budget. A create_attio_task step is one request, which may take its timeout,
 * wait out one Retry-After and take its timeout again.
 * - `step`, the action function (30 s): 8 + 5 + 8 = 21 s at worst. The timeout is generous on
 *   purpose: past it, the task may or may not exist, and the step fails as `outcome_unknown`.
 * - `interactive`, a test send from the admin function (15 s, an admin waiting): 6 s, no second
 *   attempt.
 */
export const ATTIO_LIMITS: Record<WiringContext["budget"], AttioLimits> = {
  step: { requestTimeoutMs: 8_000, maxRetryAfterMs: 5_000 },
  interactive: { requestTimeoutMs: 6_000, maxRetryAfterMs: 0 },
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
