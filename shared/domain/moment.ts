import * as z from "zod/mini";
import { durationSchema, eventNameSchema, idSchema, nameSchema } from "./primitives.js";

export const goals = ["activate", "convert", "grow", "recover", "other"] as const;
export const momentStatuses = ["draft", "running", "stopped", "archived"] as const;
export type MomentStatus = (typeof momentStatuses)[number];

export const sendEmailActionSchema = z.strictObject({
  type: z.literal("send_email"),
  templateId: idSchema,
  /** Recipient; placeholders allowed. Defaults to the profile's `{email}`. */
  to: z.optional(z.string().check(z.minLength(1), z.maxLength(320))),
});

export const actionSchema = z.discriminatedUnion("type", [sendEmailActionSchema]);
export type Action = z.infer<typeof actionSchema>;

export const stepSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, - or _")),
  delay: z._default(durationSchema, { amount: 0, unit: "minutes" }),
  action: actionSchema,
});
export type Step = z.infer<typeof stepSchema>;

export const momentInputSchema = z
  .strictObject({
    name: nameSchema,
    description: z._default(z.string().check(z.maxLength(2000)), ""),
    goal: z.enum(goals),
    sourceIds: z._default(z.array(idSchema).check(z.maxLength(20)), []),
    start: z.strictObject({ event: eventNameSchema }),
    steps: z._default(z.array(stepSchema).check(z.maxLength(50)), []),
  })
  .check(
    z.superRefine((moment, ctx) => {
      const seen = new Set<string>();
      moment.steps.forEach((step, index) => {
        if (seen.has(step.id)) {
          ctx.addIssue({
            code: "custom",
            message: `duplicate step id "${step.id}"`,
            path: ["steps", index, "id"],
          });
        }
        seen.add(step.id);
      });
    }),
  );
export type MomentInput = z.infer<typeof momentInputSchema>;

export interface Moment extends MomentInput {
  id: string;
  workspaceId: string;
  status: MomentStatus;
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

/** Does a received event start this moment? (Start rule of the walking skeleton: name + source.) */
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
