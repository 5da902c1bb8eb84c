/**
 * What SES's sending events prove about a step's email, and which proof prevails when several are
 * kept for the step (SES event publishing; see the README's "Exactly once"):
 * - `sent`: a Send event: the send request succeeded and SES will attempt the delivery;
 * - `rejected`: a Reject event: SES accepted the email, then found a virus and did not attempt the
 *   delivery. SES publishes it after its message's Send, and nothing after it makes the email go,
 *   so it prevails over a Send, whichever of the two arrives first.
 * The recorded outcome is decided from every piece kept, never from the event that happens to
 * arrive last, so any arrival order (EventBridge promises none) records the same.
 */
export const EVIDENCE_KINDS = ["sent", "rejected"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Strongest first: a rejection is SES's last word on a message. */
const PRECEDENCE: Record<EvidenceKind, number> = { rejected: 2, sent: 1 };

/** The piece of evidence that decides a step's outcome (undefined: none kept). */
export function decidingEvidence<T extends { kind: EvidenceKind }>(pieces: readonly T[]): T | undefined {
  let deciding: T | undefined;
  for (const piece of pieces)
    if (deciding === undefined || PRECEDENCE[piece.kind] > PRECEDENCE[deciding.kind]) deciding = piece;
  return deciding;
}
