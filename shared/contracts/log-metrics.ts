/**
 * Metrics counted from log lines the functions write anyway, by CloudWatch Logs metric filters,
 * instead of an EMF line of their own.
 *
 * An EMF line is a log line too (about 200-260 bytes with its `_aws` envelope), billed like any other:
 * a per-event counter that repeats an INFO line already written per event (one "Event matched" per
 * matched event, one "Message accepted" per ingested message) doubled the log lines of the two
 * functions every event passes through, 43 % of our log bytes. A metric filter publishes the same
 * metric (same namespace, name and `service` dimension as the EMF line did) from the INFO line at no
 * log cost; filters themselves are free, the metric is billed as before.
 *
 * One source of truth: the functions log with these messages (`message`), and the CDK app creates one
 * metric filter per entry on the function's log group (infra/constructs/log-metrics.ts). The INFO
 * lines must stay at INFO: a deployment that raises the log level above INFO loses these metrics with
 * the lines (rare events' metrics, errors and warnings are EMF as before).
 */
import type { FunctionId } from "./functions.js";

export const logMessages = {
  /** The matcher's one line per event (its decisions). */
  eventMatched: "Event matched",
  /** Ingestion's one line per single message (accepted, or rejected with `rejected: <code>`). */
  messageAccepted: "Message accepted",
  /** Ingestion's one line per batch request (`accepted`: how many of its items). */
  batchAccepted: "Batch accepted",
} as const;

export interface LogMetric {
  /** The function whose log group the filter reads. */
  functionId: FunctionId;
  metricName: string;
  /** The line's `message`. */
  message: string;
  /** A top-level field the line must NOT carry (e.g. a rejected message's `rejected`). */
  without?: string;
  /** A top-level numeric field whose value is the count (default: 1 per line); lines where it is 0 are skipped. */
  valueField?: string;
}

export const logMetrics: readonly LogMetric[] = [
  { functionId: "match", metricName: "EventMatched", message: logMessages.eventMatched },
  {
    functionId: "ingest",
    metricName: "ItemAccepted",
    message: logMessages.messageAccepted,
    without: "rejected",
  },
  {
    functionId: "ingest",
    metricName: "ItemAccepted",
    message: logMessages.batchAccepted,
    valueField: "accepted",
  },
];
