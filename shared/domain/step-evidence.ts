/**
 * What SES's sending events prove about a step's email, and which proof prevails when several are
 * kept for the step (SES event publishing; see the README's "Exactly once"):
 * - `sent`: a Send event: the send request succeeded and SES will attempt the delivery;
 * - `rejected`: a Reject event: SES accepted the email, then found a virus and did not attempt the
 *   delivery. SES publishes it after its message's Send, and nothing after it makes the email go,
 *   so it prevails over a Send, whichever of the two arrives first.
 * The recorded outcome is decided from every piece kept, never from the event that happens to
 * arrive last, so any arrival order (EventBridge promises none) records the same.
 *
 * Each email names the attempt that sent it (the token its claim carries, as the `attempt` message
 * tag, which SES returns in the event's `mail.tags`). A step sent twice (the first answer lost, no
 * evidence within the wait, a second attempt took the claim over and sent again) gets evidence of
 * both sends, and a claim in doubt does not know its own messageId (the answer was lost): the
 * attempt tells them apart. A piece of an attempt speaks only for that attempt's claim or record;
 * a piece without one (an email sent by a version before the tag) speaks for any, as it always did.
 */
export const EVIDENCE_KINDS = ["sent", "rejected"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Strongest first: a rejection is SES's last word on a message. */
const PRECEDENCE: Record<EvidenceKind, number> = { rejected: 2, sent: 1 };

/**
 * Whether a piece of evidence of `evidenceAttempt` (undefined: untagged) speaks for the claim or
 * record of `attempt` (the token its claim carried; "" for a claim from before claims carried one).
 */
export function speaksFor(evidenceAttempt: string | undefined, attempt: string): boolean {
  return evidenceAttempt === undefined || evidenceAttempt === attempt;
}

/**
 * The piece of evidence that decides a step's outcome (undefined: none kept); with `attempt`, among
 * the pieces that speak for that attempt's claim only (see speaksFor).
 */
export function decidingEvidence<T extends { kind: EvidenceKind; attempt?: string }>(
  pieces: readonly T[],
  attempt?: string,
): T | undefined {
  let deciding: T | undefined;
  for (const piece of pieces) {
    if (attempt !== undefined && !speaksFor(piece.attempt, attempt)) continue;
    if (deciding === undefined || PRECEDENCE[piece.kind] > PRECEDENCE[deciding.kind]) deciding = piece;
  }
  return deciding;
}

/**
 * A Send of another attempt that none of that attempt's own evidence retracts (no Reject of it):
 * SES took that attempt's email. Asked only once the claim's own attempt has had its whole wait with
 * no evidence (so SES did not take its email): the step's email went out all the same, and sending
 * again would duplicate it. (Untagged pieces already speak for every attempt: see decidingEvidence.)
 */
export function acceptedElsewhere<T extends { kind: EvidenceKind; attempt?: string }>(
  pieces: readonly T[],
  attempt: string,
): T | undefined {
  const rejected = new Set(pieces.flatMap((piece) => (piece.kind === "rejected" ? [piece.attempt] : [])));
  return pieces.find(
    (piece) =>
      piece.kind === "sent" &&
      piece.attempt !== undefined &&
      piece.attempt !== attempt &&
      !rejected.has(piece.attempt),
  );
}

/**
 * The piece that settles a claim of `attempt` that nobody will retry (its run ended, or its wake-up
 * failed for good, while it was in doubt): that attempt's own deciding piece, else another
 * attempt's Send that no Reject of that attempt retracts (acceptedElsewhere). A record of the
 * step's email as not sent (skipped, failed `send_in_doubt`) would be final for that Send, kept
 * already, while SES took the step's email; the retry decides the same (see settleDoubt).
 */
export function settlingEvidence<T extends { kind: EvidenceKind; attempt?: string }>(
  pieces: readonly T[],
  attempt: string,
): T | undefined {
  return decidingEvidence(pieces, attempt) ?? acceptedElsewhere(pieces, attempt);
}
