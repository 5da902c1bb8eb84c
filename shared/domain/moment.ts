import * as z from "zod/mini";
import { actionSchema } from "./actions.js";
import { conditionListSchema } from "./conditions.js";
import { type FieldProblem, ValidationError } from "./errors.js";
import {
  durationSchema,
  durationToSeconds,
  eventNameSchema,
  idSchema,
  MAX_DURATION_SECONDS,
  nameSchema,
} from "./primitives.js";
import { onMissingPolicies } from "./render.js";
import { parseOrThrow } from "./validation.js";

export type { Action } from "./actions.js";
export { runIsLive, startsMoment, stepsOfPhase, timeFramePosition } from "./moment-rules.js";

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
  /**
   * When the action fails for good (after retries of transient errors): `continue` with the next
   * step (the default, when absent), or `fail_run`: the run ends as failed and its exit steps run.
   */
  onFailure: z.optional(z.enum(["continue", "fail_run"])),
  /**
   * When a placeholder without a default has no value: render it `empty` (the default, when
   * absent), `skip` the step (recorded with the reason) or `fail` it (then `onFailure` applies).
   */
  onMissing: z.optional(z.enum(onMissingPolicies)),
});
export type Step = z.infer<typeof stepSchema>;

/**
 * When a moment may start runs: from `from` (inclusive) until `until` (exclusive), either open.
 * Outside it the moment starts nothing (decision `outside_time_frame`); runs already in progress go
 * on. A seasonal moment (a Black Friday cart abandon) needs no one to stop it by hand.
 */
export const timeFrameSchema = z
  .strictObject({
    from: z.optional(z.iso.datetime({ offset: true })),
    until: z.optional(z.iso.datetime({ offset: true })),
  })
  .check(
    z.superRefine((frame, ctx) => {
      if (
        frame.from !== undefined &&
        frame.until !== undefined &&
        Date.parse(frame.from) >= Date.parse(frame.until)
      )
        ctx.addIssue({
          code: "custom",
          message: "must be later than from",
          path: ["until"],
          input: frame.until,
        });
    }),
  );
export type TimeFrame = z.infer<typeof timeFrameSchema>;

/** Catalog key a moment was created from, or "custom". */
export const templateKeySchema = z
  .string()
  .check(z.regex(/^[a-z0-9_]{1,64}$/, "must be a catalog key or custom"));

export const momentFields = {
  name: nameSchema,
  description: z._default(z.string().check(z.maxLength(2000)), ""),
  goal: z.enum(goals),
  template: z._default(templateKeySchema, "custom"),
  sourceIds: z._default(z.array(idSchema).check(z.maxLength(20)), []),
  /** When false, accounts still enter and end, but steps are recorded as skipped. */
  actionsEnabled: z._default(z.boolean(), true),
  /** Percentage of qualifying accounts that enter (deterministic per account). */
  samplingRate: z._default(z.number().check(z.minimum(0), z.maximum(100)), 100),
  start: startRuleSchema,
  end: z._default(z.array(endRuleSchema).check(z.maxLength(20)), []),
  reentry: z._default(reentrySchema, { policy: "once" }),
  steps: z._default(z.array(stepSchema).check(z.maxLength(50)), []),
  timeFrame: z.optional(timeFrameSchema),
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

/**
 * A moment is stored as one DynamoDB item (and pinned whole into each run's item), and an item holds at most
 * 400 KB. Refused here, naming the largest field, with room left for keys, status and run bookkeeping.
 */
export const MAX_MOMENT_BYTES = 350 * 1024;

function fitsOneItem(moment: MomentInputShape, ctx: IssueSink) {
  const utf8 = new TextEncoder();
  const size = utf8.encode(JSON.stringify(moment)).length;
  if (size <= MAX_MOMENT_BYTES) return;
  const [largest] = Object.entries(moment)
    .map(([field, value]) => [field, utf8.encode(JSON.stringify(value) ?? "").length] as const)
    .sort((a, b) => b[1] - a[1]);
  ctx.addIssue({
    code: "custom",
    message:
      `the moment is ${Math.ceil(size / 1024)} KB, over the ${MAX_MOMENT_BYTES / 1024} KB a moment may take ` +
      "(DynamoDB stores it as one item of at most 400 KB); shorten this field",
    path: [largest?.[0] ?? ""],
    input: moment,
  });
}

/**
 * The steps of one phase run in one Standard execution, which lives at most one year: their delays added up
 * must fit (each delay alone is already under a year).
 */
function phasesFitOneExecution(moment: MomentInputShape, ctx: IssueSink) {
  const totals = new Map<string, number>();
  moment.steps.forEach((step, index) => {
    const total = (totals.get(step.phase) ?? 0) + durationToSeconds(step.delay);
    totals.set(step.phase, total);
    if (total > MAX_DURATION_SECONDS && total - durationToSeconds(step.delay) <= MAX_DURATION_SECONDS) {
      ctx.addIssue({
        code: "custom",
        message:
          `the ${step.phase} steps' delays add up to more than a year by this step ` +
          "(one Step Functions Standard execution runs a phase and lives at most one year)",
        path: ["steps", index, "delay"],
        input: step.delay,
      });
    }
  });
}

type MomentInputShape = { steps: Step[] } & Record<string, unknown>;
type IssueSink = { addIssue(issue: z.core.$ZodRawIssue): void };

export const momentInputSchema = z
  .strictObject(momentFields)
  .check(z.superRefine(uniqueStepIds), z.superRefine(phasesFitOneExecution), z.superRefine(fitsOneItem));
export type MomentInput = z.infer<typeof momentInputSchema>;

/** The fields an admin sets (everything but id, workspace, status, version and timestamps). */
export const momentInputFields = Object.keys(momentFields) as readonly (keyof MomentInput)[];

export interface Moment extends MomentInput {
  id: string;
  workspaceId: string;
  status: MomentStatus;
  /**
   * Incremented on every change (edits and status changes); `If-Match` on updates compares against
   * it. A run pins the version (and the steps) it started with, so edits never change a run under way.
   */
  version: number;
  /**
   * When the moment last became running. Runs that started before it belong to an earlier running
   * period that was stopped; a restart must not bring them back to life.
   */
  runningSince?: string;
  createdAt: string;
  updatedAt: string;
}

/** The admin-set fields of a stored moment, as a body for the input schema. */
export function momentInputOf(moment: Moment): MomentInput {
  const input: Record<string, unknown> = {};
  for (const field of momentInputFields) if (moment[field] !== undefined) input[field] = moment[field];
  return input as unknown as MomentInput;
}

/** Fields that PATCH cannot set, and why (a 400 naming them beats a generic "unrecognized key"). */
const notPatchable: Record<string, string> = {
  status: "is changed with POST /v1/admin/moments/{id}/status",
  id: "cannot be changed",
  workspaceId: "cannot be changed",
  version: "is managed by the server; send it as If-Match",
  runningSince: "is managed by the server",
  createdAt: "is managed by the server",
  updatedAt: "is managed by the server",
};

/**
 * Applies a PATCH body to a moment: top-level fields replace the stored ones (so `steps` is replaced
 * wholesale), `null` removes one (`"timeFrame": null`: no time frame; a field with a default gets
 * it back), and the merged result is validated with the full schema.
 */
export function mergeMomentPatch(moment: Moment, body: unknown): MomentInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError([{ path: "", message: "must be a JSON object with the fields to change" }]);
  }
  const problems: FieldProblem[] = Object.keys(body)
    .filter((field) => field in notPatchable)
    .map((field) => ({ path: field, message: notPatchable[field] ?? "cannot be changed" }));
  if (problems.length > 0) throw new ValidationError(problems);
  const merged: Record<string, unknown> = { ...momentInputOf(moment), ...body };
  for (const [field, value] of Object.entries(body)) if (value === null) delete merged[field];
  return parseOrThrow(momentInputSchema, merged);
}

/** Did an edit change the audience? (Order does not matter; sources are a set.) */
export function sourcesChanged(before: readonly string[], after: readonly string[]): boolean {
  const a = new Set(before);
  const b = new Set(after);
  return a.size !== b.size || [...a].some((id) => !b.has(id));
}

/** The name of a duplicate: " (copy)" appended, the original shortened if needed to stay valid. */
export function duplicateName(name: string): string {
  const suffix = " (copy)";
  return `${name.slice(0, 200 - suffix.length).trimEnd()}${suffix}`;
}

/**
 * Parses an `If-Match` header holding a moment version: `3`, `"3"` (the ETag form we send) or
 * `W/"3"`; a comma-separated list matches if any entry does. undefined when the header is absent.
 * `*` is refused: it would overwrite whatever is current, which is exactly the lost update it guards.
 */
export function parseIfMatch(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const versions = header.split(",").map((entry) => {
    const match = /^\s*(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))\s*$/.exec(entry);
    const digits = match?.[1] ?? match?.[2];
    return digits === undefined ? undefined : Number(digits);
  });
  if (versions.some((v) => v === undefined)) {
    throw new ValidationError([
      { path: "If-Match", message: 'must be the moment\'s version, as in its ETag (e.g. "3")' },
    ]);
  }
  return versions as number[];
}

/** The ETag of a moment: its version, quoted. */
export function momentEtag(moment: Pick<Moment, "version">): string {
  return `"${moment.version}"`;
}

export const statusChangeSchema = z.strictObject({ status: z.enum(momentStatuses) });

/** A status change an admin may make, what to call it, and what it does. */
export interface StatusTransition {
  status: MomentStatus;
  /** The verb a button says ("Stop"). */
  label: string;
  /** What happens, in a sentence an admin reads before confirming. */
  effect: string;
  /** It ends the runs in progress (their remaining steps never run): confirm it as destructive. */
  endsRuns: boolean;
}

/**
 * Allowed status transitions, the one table the API enforces and the console offers. Draft ->
 * running needs a source; archived moments go back to draft to be edited again.
 */
const transitions: Record<MomentStatus, readonly StatusTransition[]> = {
  draft: [
    {
      status: "running",
      label: "Start",
      effect: "Accounts that send the start event from now on enter the moment and run its steps.",
      endsRuns: false,
    },
  ],
  running: [
    {
      status: "stopped",
      label: "Stop",
      effect:
        "No account enters any more, and runs in progress end now with outcome stopped: their remaining steps do not run. It can be resumed.",
      endsRuns: true,
    },
    {
      status: "archived",
      label: "Archive",
      effect:
        "Stops it for good: runs in progress end now with outcome stopped, and it is retired (an archived moment can be deleted or returned to draft).",
      endsRuns: true,
    },
  ],
  stopped: [
    {
      status: "running",
      label: "Resume",
      effect:
        "Accounts that send the start event enter again from now on; runs that were stopped do not resume.",
      endsRuns: false,
    },
    {
      status: "archived",
      label: "Archive",
      effect: "Retires it; an archived moment can be deleted or returned to draft.",
      endsRuns: false,
    },
  ],
  archived: [
    {
      status: "draft",
      label: "Return to draft",
      effect: "Makes it a draft again, to edit (its sources too) and start when ready.",
      endsRuns: false,
    },
  ],
};

export function allowedTransitions(from: MomentStatus): readonly MomentStatus[] {
  return transitions[from].map((t) => t.status);
}

/**
 * The status changes a moment offers now, each with what it does; `blockedBy` says why one that
 * the table allows cannot be made yet (a draft without a source cannot start).
 */
export function statusTransitionsOf(
  moment: Pick<Moment, "status" | "sourceIds">,
): (StatusTransition & { blockedBy?: string })[] {
  return transitions[moment.status].map((t) => {
    const check = checkTransition(moment, t.status);
    return check.ok ? { ...t } : { ...t, blockedBy: check.reason };
  });
}

export type TransitionCheck = { ok: true } | { ok: false; reason: string };

/** "A draft moment", "An archived moment": a moment of a status, for messages. */
export function aMomentIn(status: MomentStatus): string {
  return `${/^[aeiou]/.test(status) ? "An" : "A"} ${status} moment`;
}

export function checkTransition(
  moment: Pick<Moment, "status" | "sourceIds">,
  to: MomentStatus,
): TransitionCheck {
  const allowed = allowedTransitions(moment.status);
  if (!allowed.includes(to)) {
    return {
      ok: false,
      reason: `${aMomentIn(moment.status)} cannot become ${to}; allowed: ${allowed.join(", ") || "none"}`,
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
