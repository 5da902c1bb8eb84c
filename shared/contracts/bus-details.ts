/**
 * The detail shapes issue 4 adds to the bus, beside `EventReceivedDetail` (shared/contracts/bus.ts),
 * and which detail-type each one travels under. The publisher and the matcher both read this file.
 */
import { ATTRIBUTE_CHANGED_EVENT, DetailType, type EventReceivedDetail } from "./bus.js";

/** Traits by name: account traits describe the organization, user traits the person. */
export type TraitMap = Record<string, unknown>;

/**
 * An `Event Received` detail as ingestion now writes it: a track event may carry the person's traits
 * (`userTraits`, merged into the user's profile, so only with a `userId`) beside the account's
 * (`traits`, kept as account traits for back-compat).
 */
export interface TrackReceivedDetail extends EventReceivedDetail {
  userTraits?: TraitMap;
}

/** What every detail shares: who sent it, its idempotency key, whose it is and when. */
export interface DetailHeader {
  workspaceId: string;
  sourceId: string;
  /** The client's idempotency key (or one generated at ingestion). */
  messageId: string;
  accountId: string;
  userId?: string;
  /** When it happened (client clock, ISO 8601, UTC). */
  timestamp: string;
  /** When ingestion accepted it (server clock, ISO 8601). */
  receivedAt: string;
}

/**
 * The `detail` of an `Identify Received` bus event (an identify or group call, alone or in a batch).
 * It updates profiles and starts nothing by itself; each trait whose value changes becomes an
 * `Attribute Changed` event. It has no `event` field: that is what tells it from an event detail.
 * `accountId` is absent for a person whose account is not known yet (a Segment identify before its
 * group call): their traits are kept, and no attribute change is emitted (nothing runs without an
 * account).
 */
export interface IdentifyReceivedDetail extends Omit<DetailHeader, "accountId"> {
  accountId?: string;
  /** Account (organization) traits, merged shallowly into the account's profile. */
  traits?: TraitMap;
  /** User (person) traits, merged shallowly into the profile of `userId`. */
  userTraits?: TraitMap;
}

export type AttributeScope = "account" | "user";

/** The properties of an `attribute_changed` event. `from` is null when the trait had no value. */
export interface AttributeChange {
  attribute: string;
  scope: AttributeScope;
  from: unknown;
  to: unknown;
}

/**
 * The `detail` of an `Attribute Changed` bus event: an event named `attribute_changed` whose
 * properties say which trait changed, so moments start on it like on any event
 * (`start: { event: "attribute_changed", where: [{ field: "event.attribute", ... }] }`).
 * `messageId` is derived from the cause (see attributeChangedMessageId) so a redelivered cause emits
 * the same messages again, which dedupe downstream.
 */
export interface AttributeChangedDetail extends EventReceivedDetail {
  event: typeof ATTRIBUTE_CHANGED_EVENT;
  properties: AttributeChange & Record<string, unknown>;
  /** The messageId of the identify, event or run step whose merge changed the attribute. */
  causedBy: string;
}

/** Anything the ingestion function or the engine puts on the bus. */
export type BusDetail = EventReceivedDetail | IdentifyReceivedDetail | AttributeChangedDetail;

export type BusDetailType = (typeof DetailType)[keyof typeof DetailType];

/**
 * Which detail-type a detail travels under. Structural, because `EventReceivedDetail` is a frozen
 * contract: an identify has no `event`; an attribute change is the reserved `attribute_changed` event
 * (ingestion refuses that name from apps, so only the engine can emit one).
 */
export function busDetailType(detail: BusDetail): BusDetailType {
  if (!("event" in detail)) return DetailType.identifyReceived;
  return detail.event === ATTRIBUTE_CHANGED_EVENT ? DetailType.attributeChanged : DetailType.eventReceived;
}
