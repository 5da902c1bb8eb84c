/**
 * Identify calls and what they change: which traits a merge actually changed, the `attribute_changed` events those changes
 * become, and the names under which conditions read an account's activity.
 */
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { ATTRIBUTE_CHANGED_EVENT } from "../contracts/bus.js";
import type {
  AttributeChangedDetail,
  AttributeScope,
  DetailHeader,
  TraitMap,
} from "../contracts/bus-details.js";

/** One trait whose stored value a merge changed. `from` is null when it had no value before. */
export interface TraitChange {
  attribute: string;
  from: unknown;
  to: unknown;
}

/**
 * Which of the merged traits changed value. `before` holds the stored values of the merged traits
 * (a trait absent from it had none: what ProfileRepository's merges return), `after` the values just
 * merged. Values compare deeply (objects by content, regardless of key order); no value and null are
 * the same, so setting an absent trait to null is no change. Ordered as `after`.
 */
export function diffTraits(before: TraitMap, after: TraitMap): TraitChange[] {
  const changes: TraitChange[] = [];
  for (const [attribute, to] of Object.entries(after)) {
    const from = Object.hasOwn(before, attribute) ? (before[attribute] ?? null) : null;
    if (isDeepStrictEqual(from, to ?? null)) continue;
    changes.push({ attribute, from, to: to ?? null });
  }
  return changes;
}

/**
 * The messageId of the `attribute_changed` event for one changed trait: a hash of its cause, so a
 * redelivered identify (or a retried step) emits the very same messages, which the matcher dedupes.
 */
export function attributeChangedMessageId(causeMessageId: string, scope: AttributeScope, attribute: string) {
  const hash = createHash("sha256")
    .update(JSON.stringify([causeMessageId, scope, attribute]))
    .digest("hex");
  return `attr-${hash.slice(0, 40)}`;
}

/**
 * The `attribute_changed` details for the changes of one merge. `cause` is the identify or event (or
 * a run's trigger, for an update_attribute step) whose merge changed them: its workspace, source,
 * account, user and times carry over, so the change is matched like an event of that account.
 */
export function attributeChangedDetails(
  cause: DetailHeader,
  scope: AttributeScope,
  changes: readonly TraitChange[],
): AttributeChangedDetail[] {
  return changes.map((change) => ({
    workspaceId: cause.workspaceId,
    sourceId: cause.sourceId,
    messageId: attributeChangedMessageId(cause.messageId, scope, change.attribute),
    event: ATTRIBUTE_CHANGED_EVENT,
    accountId: cause.accountId,
    ...(cause.userId ? { userId: cause.userId } : {}),
    timestamp: cause.timestamp,
    receivedAt: cause.receivedAt,
    properties: { attribute: change.attribute, scope, from: change.from, to: change.to },
    causedBy: cause.messageId,
  }));
}

/**
 * The key of an event's counter in `account.event_counts`, as conditions write it. Condition fields
 * are dotted paths whose segments hold no dot and no whitespace, so those characters (and `%`
 * itself, to stay unambiguous) are percent-encoded as UTF-8: `trial_ending_soon` stays as is,
 * `Order Completed` is `Order%20Completed` (`account.event_counts.Order%20Completed`), `cart.updated`
 * is `cart%2Eupdated`. Distinct names keep distinct counters. A condition segment holds at most 128
 * characters, so a counter whose key is longer is kept but cannot be named in a condition.
 */
export function eventCountKey(eventName: string): string {
  return eventName.replace(/[%.\s]/gu, (char) =>
    Array.from(
      new TextEncoder().encode(char),
      (byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    ).join(""),
  );
}

/** The parts of an account profile conditions read beyond its traits. */
export interface AccountActivity {
  traits: TraitMap;
  /** When the account's latest event happened (ISO 8601). */
  lastSeenAt?: string;
  /** Events seen per name, keyed by eventCountKey. */
  eventCounts?: Record<string, number>;
}

/**
 * What `account.*` means in a condition: the account's traits, plus `last_seen_at` and
 * `event_counts.<eventCountKey(name)>` kept by the engine (which win over traits of the same name:
 * an app cannot fake activity).
 */
export function accountAttributes(profile: AccountActivity | undefined): Record<string, unknown> {
  if (!profile) return {};
  return {
    ...profile.traits,
    ...(profile.lastSeenAt ? { last_seen_at: profile.lastSeenAt } : {}),
    event_counts: { ...profile.eventCounts },
  };
}
