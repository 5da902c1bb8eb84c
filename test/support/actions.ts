import type { StepOutcome } from "../../shared/contracts/workflow.js";
import type { Action } from "../../shared/domain/actions.js";
import type { OnMissing } from "../../shared/domain/render.js";
import {
  type ActionPerformer,
  type ActionPerformers,
  isPrepared,
  type PreparedAction,
  type Run,
} from "../../shared/use-cases/actions/action.js";
import { actionContext, type StepDeps } from "../../shared/use-cases/execute-step.js";

type ContextDeps = Pick<StepDeps, "profiles" | "clock">;

/** Prepares an action as executeStep does (profile read, renderer with the policy), without performing it. */
export async function prepareAction<A extends Action>(
  performer: ActionPerformer<A>,
  deps: ContextDeps,
  run: Run,
  action: A,
  stepId = "s1",
  options: { onMissing?: OnMissing; test?: boolean } = {},
): Promise<PreparedAction | StepOutcome> {
  const onMissing = options.onMissing === "empty" ? undefined : options.onMissing;
  const ctx = await actionContext(
    deps,
    run,
    { id: stepId, ...(onMissing ? { onMissing } : {}) },
    options.test ?? false,
  );
  return performer(ctx, action);
}

/** Prepares and performs an action as executeStep does (without the claim and the step record). */
export async function performAction<A extends Action>(
  performer: ActionPerformer<A>,
  deps: ContextDeps,
  run: Run,
  action: A,
  stepId = "s1",
  options: { onMissing?: OnMissing; test?: boolean } = {},
): Promise<StepOutcome> {
  const prepared = await prepareAction(performer, deps, run, action, stepId, options);
  return isPrepared(prepared) ? prepared.perform() : prepared;
}

/** Performers as plain `(run, action, stepId) => outcome` functions, for tests of one action. */
export function callable(
  performers: ActionPerformers,
  deps: ContextDeps,
): {
  [T in Action["type"]]?: (
    run: Run,
    action: Extract<Action, { type: T }>,
    stepId: string,
  ) => Promise<StepOutcome>;
} {
  const out: Record<string, unknown> = {};
  for (const [type, performer] of Object.entries(performers)) {
    out[type] = (run: Run, action: Action, stepId: string) =>
      performAction(performer as ActionPerformer, deps, run, action, stepId);
  }
  return out;
}
