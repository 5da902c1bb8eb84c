import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import type { WiringContext } from "./context.js";

/** The webhook action's performer, wired to its adapter (stub: replaced when the action is implemented). */
export function webhookPerformers(_context: WiringContext): ActionPerformers {
  return {};
}
