/**
 * The suppression list: addresses a workspace must not email any more, checked at send time (not
 * when a run starts), so an unsubscribe, bounce or complaint stops the very next email.
 */
import { isEmailAddress } from "./email.js";

export const suppressionReasons = ["unsubscribed", "bounced", "complained"] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

export interface Suppression {
  /** Normalised (see normaliseAddress). */
  address: string;
  reason: SuppressionReason;
  suppressedAt: string;
  /** What the reason rests on, for an admin: the SES bounce sub-type or complaint feedback type. */
  detail?: string;
}

/**
 * The form an address is stored and looked up in: trimmed, domain lower-cased. The local part keeps
 * its case: RFC 5321 lets a mail server tell `Ada@` from `ada@`, so folding it could suppress a
 * different mailbox. Undefined when it is not an address.
 */
export function normaliseAddress(address: string): string | undefined {
  const trimmed = address.trim();
  if (!isEmailAddress(trimmed)) return undefined;
  const at = trimmed.lastIndexOf("@");
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** The reason a step records when its recipient is suppressed (no address: reasons are logged). */
export function suppressedReason(suppression: Pick<Suppression, "reason">): string {
  return `suppressed: ${suppression.reason}`;
}
