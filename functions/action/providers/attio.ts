import { ATTIO_API_BASE_URL, HttpAttioClient } from "../../../shared/adapters/attio-client.js";
import { Env } from "../../../shared/contracts/functions.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { attioTaskPerformer } from "../../../shared/use-cases/actions/attio-task.js";
import type { WiringContext } from "./context.js";

/** create_attio_task, against Attio's API or the base URL the environment points it at. */
export function attioPerformers(context: WiringContext): ActionPerformers {
  return {
    create_attio_task: attioTaskPerformer({
      integrations: context.integrations,
      attio: new HttpAttioClient({
        baseUrl: context.env[Env.attioApiBaseUrl] || ATTIO_API_BASE_URL,
        // A test send (admin function, 15 s, an admin waiting) gets a shorter request and no inline wait.
        ...(context.budget === "interactive" ? { requestTimeoutMs: 6_000, maxRetryAfterMs: 0 } : {}),
      }),
    }),
  };
}
