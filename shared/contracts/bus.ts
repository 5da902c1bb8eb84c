/**
 * The event bus contract: what the ingestion function puts on the bus and which rule patterns route
 * it. The CDK app declares these rules; the local EventBridge applies the very same patterns.
 */
export const EVENT_SOURCE = "moments.ingestion";

export const DetailType = {
  /** A product event an app sent to POST /v1/events (or in a batch), authenticated and validated. */
  eventReceived: "Event Received",
  /** Traits an app sent to POST /v1/identify (or in a batch): they update profiles, start nothing directly. */
  identifyReceived: "Identify Received",
  /** An account or user attribute changed (identify, or an update_attribute step): moments can start on it. */
  attributeChanged: "Attribute Changed",
} as const;

/** The event name moments use to start on an attribute change; its properties are { attribute, scope, from, to }. */
export const ATTRIBUTE_CHANGED_EVENT = "attribute_changed";

export interface BusRuleDefinition {
  /** Construct id in the CDK app and rule name locally. */
  readonly id: string;
  readonly description: string;
  readonly pattern: Readonly<Record<string, unknown>>;
}

export const busRules = {
  matchEvents: {
    id: "MatchReceivedEvents",
    description: "Every received product event goes to the rule-matching queue",
    pattern: {
      source: [EVENT_SOURCE],
      "detail-type": [DetailType.eventReceived, DetailType.identifyReceived, DetailType.attributeChanged],
    },
  },
} as const satisfies Record<string, BusRuleDefinition>;

/** The `detail` of an Event Received bus event. */
export interface EventReceivedDetail {
  workspaceId: string;
  sourceId: string;
  messageId: string;
  event: string;
  accountId: string;
  userId?: string;
  /** When the event happened (client clock, ISO 8601). */
  timestamp: string;
  /** When the ingestion endpoint accepted it (server clock, ISO 8601). */
  receivedAt: string;
  properties: Record<string, unknown>;
  traits?: Record<string, unknown>;
}
