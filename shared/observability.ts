/**
 * Logging, metrics and tracing, one set per function, from Powertools. Logs are structured JSON with
 * the Lambda context and our correlation keys (workspaceId, messageId, runId) appended per request.
 *
 * Tracing is the deployer's choice (`cdk deploy -c tracing=off`, README "Deploy settings"): the stack then
 * sets POWERTOOLS_TRACE_ENABLED=false and this module never loads the Powertools Tracer, whose X-Ray SDK
 * (aws-xray-sdk-core, semver, cls-hooked) is the largest single cost of a cold import after the AWS SDK.
 * When tracing is on, the Tracer is loaded once at init (top-level await) and used exactly as before.
 */
import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Tracer } from "@aws-lambda-powertools/tracer";
import type { MiddlewareObj } from "@middy/core";

/** Powertools' own switch (default on); the stack sets it to "false" when tracing is off. */
export const tracingEnabled = process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== "false";

const tracing = tracingEnabled
  ? await Promise.all([
      import("@aws-lambda-powertools/tracer"),
      import("@aws-lambda-powertools/tracer/middleware"),
    ]).then(([{ Tracer }, { captureLambdaHandler }]) => ({ Tracer, captureLambdaHandler }))
  : undefined;

/**
 * Powertools' JSON lines without the fields that are the same on every line of a log group: the
 * function's ARN, name and memory size, and the log sampling rate (about 200 bytes a line, a third of
 * an ingest or match line, billed as CloudWatch Logs ingestion). The log group names the function.
 * `cold_start` is written on a cold start's lines only (`filter cold_start` finds them).
 */
class CompactLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        // Only on a cold start's lines: `"cold_start":false` was 19 bytes on every other line.
        ...(attributes.lambdaContext?.coldStart ? { cold_start: true } : {}),
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  /** The Tracer, or undefined when tracing is off: pass it on to clients (`documentClient(obs.tracer)`). */
  tracer: Tracer | undefined;
  /** The middy middlewares, in order: trace (when on), context into logs, flush metrics. */
  middlewares(): MiddlewareObj[];
}

export function createObservability(functionName: string): Observability {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? `moments-${functionName}`;
  const logger = new Logger({ serviceName, logFormatter: new CompactLogFormatter() });
  // Metrics' own warnings go through our logger, so they obey the log level like everything else. The
  // service name is given, not left to the environment, so that the local stack (one process for every
  // function) tells the functions' metrics apart as Lambda does.
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "Moments",
    serviceName,
    logger,
  });
  // Traces are kept 30 days and readable by anyone with X-Ray access: they carry timings and AWS calls, never
  // data. No handler response (new admin and write keys, signing secrets, traits) and no outgoing HTTP request
  // (Slack webhook URLs and webhook targets carry tokens in their path or query) is recorded.
  const tracer = tracing ? new tracing.Tracer({ captureHTTPsRequests: false }) : undefined;
  return {
    logger,
    metrics,
    tracer,
    middlewares: () => [
      ...(tracing && tracer ? [tracing.captureLambdaHandler(tracer, { captureResponse: false })] : []),
      injectLambdaContext(logger, { resetKeys: true }),
      flushMetrics(metrics),
    ],
  };
}

/**
 * Powertools' logMetrics middleware, without its warning: it logs "No application metrics to publish"
 * at WARN on every invocation that added none (most run-state and ses-feedback calls), which on AWS
 * is a paid, alarming-looking log line per invocation that says nothing. The cold-start metric is
 * still emitted (on its own, as logMetrics does), and an invocation's metrics are flushed after it,
 * also when it throws.
 */
export function flushMetrics(
  metrics: Metrics,
): MiddlewareObj<unknown, unknown, Error, { functionName: string }> {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
    } else {
      // What publishStoredMetrics would have reset: nothing of this invocation reaches the next.
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return {
    before: async (request) => {
      metrics.captureColdStartMetric(request.context.functionName);
    },
    after: flush,
    onError: flush,
  };
}
