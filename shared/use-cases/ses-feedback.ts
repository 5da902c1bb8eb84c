/**
 * SES sending events (configuration set -> default EventBridge bus -> the ses-feedback function).
 * Send and Reject events of a step's email are kept as the step's evidence (reconciliation of a send
 * in doubt), and settle the step at once if it is in doubt, with what all its evidence decides (a
 * Reject prevails over a Send, whatever their order: see step-evidence.ts); a Reject also corrects
 * a step recorded executed from SES's answer (or, before that record, waits on its claim for it),
 * and restores a record made in doubt that its message's Send, of another attempt, corrected.
 * An event for a step whose record is final for it already (the common case: a Send after the
 * step recorded its send) is not kept. Bounce and complaint events feed the suppression list: a permanent bounce or any complaint suppresses the
 * recipients in the workspace the email was sent for (its `workspace` message tag). Transient and
 * undetermined bounces suppress nobody: the mailbox exists, and SES itself retried already.
 */
import * as z from "zod/mini";
import { parseMailbox } from "../domain/email.js";
import { isId } from "../domain/primitives.js";
import { normaliseAddress, type SuppressionReason } from "../domain/suppression.js";
import type { Clock } from "../ports/clock.js";
import type { RunRepository, StepEvidence } from "../ports/runs.js";
import type { SuppressionList } from "../ports/suppressions.js";
import { othersMeanwhile, retractedMeanwhile, settleWithEvidence } from "./step-doubt.js";

/** The SES message tag that names the workspace (set on every send by the email performer). */
const WORKSPACE_TAG = "workspace";
/** The tags that name the run and step of a step's email (its To copy), for reconciliation. */
const RUN_TAG = "run";
const STEP_TAG = "step";
/**
 * The tag that names the attempt that sent the step's email (its claim's token): the evidence
 * speaks for that attempt's claim only (see step-evidence.ts). Absent on an email sent by a version
 * before it: the evidence then speaks for any attempt, as it did.
 */
const ATTEMPT_TAG = "attempt";

const recipientsSchema = z.array(z.object({ emailAddress: z.string() }));

/** What SES puts in the event (only the fields used; SES adds others, which are ignored). */
const sesEventSchema = z.object({
  source: z.literal("aws.ses"),
  "detail-type": z.string(),
  detail: z.object({
    mail: z.object({
      messageId: z.optional(z.string()),
      timestamp: z.optional(z.string()),
      tags: z.optional(z.record(z.string(), z.array(z.string()))),
    }),
    reject: z.optional(z.object({ reason: z.optional(z.string()) })),
    bounce: z.optional(
      z.object({
        bounceType: z.string(),
        bounceSubType: z.optional(z.string()),
        bouncedRecipients: recipientsSchema,
        timestamp: z.optional(z.string()),
      }),
    ),
    complaint: z.optional(
      z.object({
        complainedRecipients: recipientsSchema,
        complaintFeedbackType: z.optional(z.string()),
        complaintSubType: z.optional(z.nullable(z.string())),
        timestamp: z.optional(z.string()),
      }),
    ),
  }),
});

export interface SesFeedbackDeps {
  suppressions: Pick<SuppressionList, "suppress">;
  /** Where a step's Send or Reject evidence is kept, for a step in doubt to settle on. */
  runs: Pick<
    RunRepository,
    "isStepFinal" | "recordStepEvidence" | "getStepEvidence" | "listStepEvidence" | "settleStepInDoubt"
  >;
  clock: Clock;
}

export type SesFeedbackResult =
  | {
      outcome: "recorded";
      workspaceId: string;
      reason: SuppressionReason;
      suppressed: number;
      alreadySuppressed: number;
      /** Recipient entries that were not email addresses (counted, never logged). */
      unreadable: number;
    }
  | {
      outcome: "evidence";
      workspaceId: string;
      runId: string;
      stepId: string;
      kind: StepEvidence["kind"];
      /** True when the evidence settled a step in doubt, or corrected its record. */
      settled: boolean;
      /**
       * True when a Reject settled or corrected the step's record here: this event, or (after this
       * Send corrected a record) its attempt's Reject found by the re-read, whose own handler,
       * reading the step first, settled nothing. Each such correction is counted once
       * (`RejectCorrected`), whichever handler made it. Absent otherwise (every Send's log line
       * carries the result: no bytes for the usual case).
       */
      rejectSettled?: true;
      /** False when the step's record was final already: nothing could use the evidence, so it was not kept. */
      kept: boolean;
    }
  | { outcome: "ignored"; why: string };

/** A malformed SES event: thrown, so the invocation fails and lands in the dead-letter queue. */
export class MalformedSesEventError extends Error {
  override readonly name = "MalformedSesEventError";
}

function eventTime(timestamp: string | undefined, clock: Clock): string {
  const time = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(time) ? clock.now().toISOString() : new Date(time).toISOString();
}

/**
 * Records one SES event. Idempotent (a suppression, once stored, stays as it was), so EventBridge's
 * and Lambda's redeliveries are harmless; a storage failure is thrown for the invocation to retry.
 */
export async function recordSesFeedback(deps: SesFeedbackDeps, event: unknown): Promise<SesFeedbackResult> {
  const parsed = sesEventSchema.safeParse(event);
  if (!parsed.success) throw new MalformedSesEventError("The event is not an SES sending event");
  const { detail } = parsed.data;
  const workspaceId = detail.mail.tags?.[WORKSPACE_TAG]?.[0];
  if (workspaceId === undefined || !isId(workspaceId)) {
    return { outcome: "ignored", why: "no_workspace_tag" };
  }

  const type = parsed.data["detail-type"];
  if (type === "Email Sent" || type === "Email Rejected") {
    // Evidence of what SES took for a step: a step in doubt settles on it (see executeStep).
    const runId = detail.mail.tags?.[RUN_TAG]?.[0];
    const stepId = detail.mail.tags?.[STEP_TAG]?.[0];
    if (runId === undefined || stepId === undefined) return { outcome: "ignored", why: "no_step_tags" };
    const kind = type === "Email Sent" ? ("sent" as const) : ("rejected" as const);
    const attempt = detail.mail.tags?.[ATTEMPT_TAG]?.[0];
    const evidence: StepEvidence = {
      kind,
      at: eventTime(detail.mail.timestamp, deps.clock),
      ...(detail.mail.messageId ? { messageId: detail.mail.messageId } : {}),
      ...(attempt ? { attempt } : {}),
      ...(kind === "rejected" ? { reason: (detail.reject?.reason ?? "rejected by SES").slice(0, 200) } : {}),
    };
    // Most events are Sends that come after their step recorded its send: its record is final for
    // them, nothing will ever read the evidence, and not keeping it saves a write per email. A
    // final record never moves again, so this read cannot be overtaken; anything else keeps the
    // evidence as below. A Reject (rare) is kept and corrects an execution however it was recorded
    // (SES answered, or its Send settled it in doubt), or waits on the claim of the attempt about
    // to record SES's answer: the record tells what SES did, whether or not an answer was lost.
    if (await deps.runs.isStepFinal(workspaceId, runId, stepId, kind))
      return {
        outcome: "evidence",
        workspaceId,
        runId,
        stepId,
        kind,
        settled: false,
        kept: false,
      };
    await deps.runs.recordStepEvidence(workspaceId, runId, stepId, evidence);
    // Written before these reads, as the step's doubt is written before the step reads the
    // evidence: a step in doubt is settled by one side or the other, also when its run ended
    // meanwhile and its execution was stopped (a step recorded skipped then is corrected; see
    // step-doubt.ts). Settled with what all the evidence kept for it decides (a Reject prevails
    // over a Send: see step-evidence.ts), not with this event alone: any arrival order records the
    // same, and the conditional write lets the prevailing outcome win a concurrent settle. A Reject
    // prevails already, and settles with itself: its message's, not the first Reject kept (set
    // once), when SES rejected two sends of the step (the first's answer lost, a second attempt
    // sent again), so the second's execution is corrected too. Only the evidence of this email's
    // attempt is read, and only that attempt's claim or record is settled: a first send's Reject
    // that comes after a second attempt took the claim over (and sent again) leaves the second's
    // claim in doubt, for its own evidence to settle (see step-evidence.ts).
    const deciding =
      kind === "rejected"
        ? evidence
        : ((await deps.runs.getStepEvidence(workspaceId, runId, stepId, evidence.attempt)) ?? evidence);
    const settled = await settleWithEvidence(deps, { workspaceId, runId }, stepId, deciding);
    // A Send may have corrected a record of another attempt made in doubt (nobody sends the step
    // again: see settleStepInDoubt) while that Send's Reject came, its handler reading the record
    // before this write: read its attempt's evidence again (one read, only after a Send settled).
    const retracted =
      settled === "settled" &&
      deciding.kind === "sent" &&
      deciding.attempt !== undefined &&
      (await retractedMeanwhile(deps, { workspaceId, runId }, stepId, deciding));
    // A Reject that restored a record another attempt's Send had corrected leaves it to the claim's
    // own evidence, which may have come meanwhile (see othersMeanwhile).
    if (settled === "settled" && deciding.kind === "rejected")
      await othersMeanwhile(deps, { workspaceId, runId }, stepId, deciding);
    return {
      outcome: "evidence",
      workspaceId,
      runId,
      stepId,
      kind,
      settled: settled === "settled",
      ...((settled === "settled" && deciding.kind === "rejected") || retracted
        ? { rejectSettled: true as const }
        : {}),
      kept: true,
    };
  }

  let reason: SuppressionReason;
  let recipients: { emailAddress: string }[];
  let at: string;
  let note: string | undefined;
  if (parsed.data["detail-type"] === "Email Bounced") {
    if (!detail.bounce) throw new MalformedSesEventError("An Email Bounced event without its bounce");
    if (detail.bounce.bounceType !== "Permanent") {
      return { outcome: "ignored", why: `bounce_${detail.bounce.bounceType.toLowerCase()}` };
    }
    reason = "bounced";
    recipients = detail.bounce.bouncedRecipients;
    at = eventTime(detail.bounce.timestamp, deps.clock);
    note = detail.bounce.bounceSubType;
  } else if (parsed.data["detail-type"] === "Email Complaint Received") {
    if (!detail.complaint) throw new MalformedSesEventError("A complaint event without its complaint");
    reason = "complained";
    recipients = detail.complaint.complainedRecipients;
    at = eventTime(detail.complaint.timestamp, deps.clock);
    note = detail.complaint.complaintFeedbackType ?? detail.complaint.complaintSubType ?? undefined;
  } else {
    return { outcome: "ignored", why: "not_bounce_or_complaint" };
  }

  let suppressed = 0;
  let alreadySuppressed = 0;
  let unreadable = 0;
  for (const recipient of recipients) {
    // SES gives the bare address, but a display-name form costs nothing to accept.
    const address = normaliseAddress(parseMailbox(recipient.emailAddress)?.address ?? "");
    if (!address) {
      unreadable++;
      continue;
    }
    const result = await deps.suppressions.suppress(workspaceId, {
      address,
      reason,
      suppressedAt: at,
      ...(note ? { detail: note.slice(0, 100) } : {}),
    });
    if (result === "suppressed") suppressed++;
    else alreadySuppressed++;
  }
  return { outcome: "recorded", workspaceId, reason, suppressed, alreadySuppressed, unreadable };
}
