import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import type { WiringContext } from "./context.js";

/** The slack action's performer, wired to its adapter (stub: replaced when the action is implemented). */
export function slackPerformers(_context: WiringContext): ActionPerformers {
  return {};
}
