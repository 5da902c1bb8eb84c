import * as z from "zod/mini";
import { type Action, actionSchema } from "./actions.js";
import { conditionListSchema } from "./conditions.js";
import { durationSchema, eventNameSchema, nameSchema } from "./primitives.js";

export { type Action, actionSchema, sendEmailActionSchema } from "./actions.js";

export const goals = ["activate", "convert", "grow", "recover", "other"] as const;
export type Goal = (typeof goals)[number];
export const momentStatuses = ["draft", "running", "stopped", "archived"] as const;
export type MomentStatus = (typeof momentStatuses)[number];
export const stepPhases = ["entry", "completion", "exit"] as const;
export type StepPhase = (typeof stepPhases)[number];

/** An event property that splits runs: one run per (account, key value) instead of one per account. */
const propertyNameSchema = z.string().check(z.regex(/^[^.\s]{1,128}$/, "must be an event property name"));

/**
 * The start rule: the event (and filters) that starts a run. With `unless`, it is an abandonment
 * rule: the run starts `within` after the *last* start event, unless the `unless` event came first.
 */
export const startRuleSchema = z.strictObject({
  event: eventNameSchema,
  where: z.optional(conditionListSchema),
  unless: z.optional(z.strictObject({ event: eventNameSchema, within: durationSchema })),
  key: z.optional(propertyNameSchema),
});
export type StartRule = z.infer<typeof startRuleSchema>;

/** An end rule: an event (with filters) or a timeout that ends the run with an outcome. */
export const endRuleSchema = z
  .strictObject({
    outcome: z.enum(["success", "failed"]),
    event: z.optional(eventNameSchema),
    where: z.optional(conditionListSchema),
    after: z.optional(durationSchema),
  })
  .check(
    z.superRefine((rule, ctx) => {
      if ((rule.event === undefined) === (rule.after === undefined)) {
        ctx.addIssue({
          code: "custom",
          message: "an end rule has either an event or an after (timeout)",
          path: [],
        });
      }
      if (rule.where && rule.event === undefined) {
        ctx.addIssue({ code: "custom", message: "where filters need an event", path: ["where"] });
      }
    }),
  );
export type EndRule = z.infer<typeof endRuleSchema>;

/** When may an account enter again: never, once its previous run ended, or after a cooldown. */
export const reentrySchema = z.discriminatedUnion("policy", [
  z.strictObject({ policy: z.literal("once") }),
  z.strictObject({ policy: z.literal("after_exit") }),
  z.strictObject({ policy: z.literal("cooldown"), cooldown: durationSchema }),
]);
export type Reentry = z.infer<typeof reentrySchema>;

export const stepSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, - or _")),
  name: z.optional(nameSchema),
  /** entry steps run after the start; completion steps after a success end; exit steps after a failed end. */
  phase: z._default(z.enum(stepPhases), "entry"),
  delay: z._default(durationSchema, { amount: 0, unit: "minutes" }),
  action: actionSchema,
});
export type Step = z.infer<typeof stepSchema>;

/** Catalog key a moment was created from, or "custom". */
export const templateKeySchema = z
  .string()
  .check(z.regex(/^[a-z0-9_]{1,64}$/, "must be a catalog key or custom"));

const momentFields = {
  name: nameSchema,
  description: z._default(z.string().check(z.maxLength(2000)), ""),
  goal: z.enum(goals),
  template: z._default(templateKeySchema, "custom"),
  sourceIds: z._default(
    z.array(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an id"))).check(z.maxLength(20)),
    [],
  ),
  /** When false, accounts still enter and end, but steps are recorded as skipped. */
  actionsEnabled: z._default(z.boolean(), true),
  /** Percentage of qualifying accounts that enter (deterministic per account). */
  samplingRate: z._default(z.number().check(z.minimum(0), z.maximum(100)), 100),
  start: startRuleSchema,
  end: z._default(z.array(endRuleSchema).check(z.maxLength(20)), []),
  reentry: z._default(reentrySchema, { policy: "once" }),
  steps: z._default(z.array(stepSchema).check(z.maxLength(50)), []),
};

function uniqueStepIds(moment: { steps: Step[] }, ctx: { addIssue(issue: z.core.$ZodRawIssue): void }) {
  const seen = new Set<string>();
  moment.steps.forEach((step, index) => {
    if (seen.has(step.id)) {
      ctx.addIssue({
        code: "custom",
        message: `duplicate step id "${step.id}"`,
        path: ["steps", index, "id"],
        input: step.id,
      });
    }
    seen.add(step.id);
  });
}

export const momentInputSchema = z.strictObject(momentFields).check(z.superRefine(uniqueStepIds));
export type MomentInput = z.infer<typeof momentInputSchema>;

export interface Moment extends MomentInput {
  id: string;
  workspaceId: string;
  status: MomentStatus;
  /** Incremented on every change; `If-Match` on updates compares against it. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const statusChangeSchema = z.strictObject({ status: z.enum(momentStatuses) });

/**
 * Allowed status transitions. Draft -> running needs a source; archived moments go back to draft to
 * be edited again.
 */
const transitions: Record<MomentStatus, readonly MomentStatus[]> = {
  draft: ["running"],
  running: ["stopped", "archived"],
  stopped: ["running", "archived"],
  archived: ["draft"],
};

export function allowedTransitions(from: MomentStatus): readonly MomentStatus[] {
  return transitions[from];
}

export type TransitionCheck = { ok: true } | { ok: false; reason: string };

export function checkTransition(
  moment: Pick<Moment, "status" | "sourceIds">,
  to: MomentStatus,
): TransitionCheck {
  const allowed = transitions[moment.status];
  if (!allowed.includes(to)) {
    return {
      ok: false,
      reason: `A ${moment.status} moment cannot become ${to}; allowed: ${allowed.join(", ") || "none"}`,
    };
  }
  if (to === "running" && moment.sourceIds.length === 0) {
    return { ok: false, reason: "A moment needs at least one source in sourceIds to run" };
  }
  return { ok: true };
}

/** Only moments that are not live (or were retired) may be deleted. */
export function canDelete(moment: Pick<Moment, "status">): boolean {
  return moment.status === "draft" || moment.status === "archived";
}

/** Once a moment has run, its audience is fixed: changing sources would re-target live runs. */
export function sourcesLocked(moment: Pick<Moment, "status">): boolean {
  return moment.status === "running" || moment.status === "stopped";
}

/** Steps of one phase, in their order. */
export function stepsOfPhase(moment: Pick<Moment, "steps">, phase: StepPhase): Step[] {
  return moment.steps.filter((step) => step.phase === phase);
}

/** Does a received event start this moment? (Event name and source; filters are the engine's.) */
export function startsMoment(
  moment: Pick<Moment, "status" | "start" | "sourceIds">,
  event: { event: string; sourceId: string },
): boolean {
  return (
    moment.status === "running" &&
    moment.start.event === event.event &&
    moment.sourceIds.includes(event.sourceId)
  );
}

export type { Action as MomentAction };
