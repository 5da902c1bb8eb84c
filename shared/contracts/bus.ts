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

/**
 * SES bounce and complaint events, on the account's default bus (the only bus SES publishes to):
 * the CDK app's rule for the ses-feedback function uses this pattern.
 */
/** EventBridge detail-types of the SES sending events this app consumes (EventBridge's own names). */
export const SES_FEEDBACK_DETAIL_TYPES = [
  "Email Bounced",
  "Email Complaint Received",
  // Evidence for a step whose send is in doubt (tagged with its run and step).
  "Email Sent",
  "Email Rejected",
] as const;

/**
 * The default-bus rule's pattern: this deployment's configuration set only (SES tags every event
 * with it), so other applications' SES events in the same account never reach the function.
 */
export function sesFeedbackPattern(configurationSetName: string) {
  return {
    source: ["aws.ses"],
    "detail-type": [...SES_FEEDBACK_DETAIL_TYPES],
    detail: { mail: { tags: { "ses:configuration-set": [configurationSetName] } } },
  };
}

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

/** The detail-type Step Functions publishes on the default bus when an execution changes status. */
export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";

/** The execution statuses that end an execution other than by succeeding. */
/**
 * The run-state function's metric (Powertools, its `service` dimension) for work given up after
 * every re-drive of a failed end execution or gate (see execution-failed.ts): alarmed.
 */
export const REDRIVES_EXHAUSTED_METRIC = "ExecutionRedrivesExhausted";

export const EXECUTION_FAILURE_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/**
 * The default-bus rule's pattern for executions of our state machine that failed, timed out or were
 * aborted (Step Functions publishes every status change of every state machine in the account there):
 * the run-state function ends their runs unless the stop was our own.
 */
export function executionFailedPattern(stateMachineArn: string) {
  return {
    source: ["aws.states"],
    "detail-type": [EXECUTION_STATUS_CHANGE],
    detail: { stateMachineArn: [stateMachineArn], status: [...EXECUTION_FAILURE_STATUSES] },
  };
}
