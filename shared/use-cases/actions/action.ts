import type { ActionTaskPayload, StepOutcome } from "../../contracts/workflow.js";
import type { Action } from "../../domain/actions.js";
import type { RenderData, Renderer } from "../../domain/render.js";

export type Run = ActionTaskPayload["run"];

/** What an action performer gets for one step: the run, its data, and a renderer with its policy. */
export interface ActionContext {
  run: Run;
  stepId: string;
  /**
   * Stable per run and step, the same on every attempt: the key providers dedupe on (the
   * `webhook-id` header, an outbox message id).
   */
  idempotencyKey: string;
  /**
   * The token of the attempt that holds the step's claim (absent: a test send, a lookup): an email
   * carries it as its `attempt` tag, so SES's events of two sends of the step tell them apart.
   */
  attempt?: string;
  /** The account's and user's traits and the trigger event's properties, read once per step. */
  data: RenderData;
  /** Renders a field with the step's `onMissing` policy (throws MissingValueError to skip or fail). */
  render: Renderer;
  /** A test send from the config API: performed for real, but counted nowhere (marked where it can be). */
  test: boolean;
  now: Date;
}

/**
 * An action, rendered and checked but not yet performed. `preview` is what a dry-run test send
 * shows an admin: the rendered request, never a secret. `perform` does the side effect once and
 * throws TransientDeliveryError (retry later) or PermanentDeliveryError (failed for good).
 */
export interface PreparedAction {
  preview: Record<string, unknown>;
  perform(): Promise<StepOutcome>;
  /**
   * Looks up whether an earlier attempt's request, claimed at `since`, was taken (where the provider
   * allows it): its outcome when found, or a failed `outcome_unknown` one when the provider would
   * not say; undefined when it was certainly not taken, so performing it again is safe. Absent:
   * no lookup exists for this action.
   */
  lookUp?(since: Date): Promise<StepOutcome | undefined>;
}

/**
 * Prepares one action: renders every field first (so an `onMissing: skip|fail` placeholder stops
 * the step before any side effect), then returns what to perform, or an outcome when there is
 * nothing to perform (no recipient, suppressed address...).
 */
export type ActionPerformer<A extends Action = Action> = (
  ctx: ActionContext,
  action: A,
) => Promise<PreparedAction | StepOutcome>;

export type ActionPerformers = { [T in Action["type"]]?: ActionPerformer<Extract<Action, { type: T }>> };

export function isPrepared(value: PreparedAction | StepOutcome): value is PreparedAction {
  return "perform" in value;
}
