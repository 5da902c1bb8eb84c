/**
 * Logging, metrics and tracing, one set per function, from Powertools. Logs are structured JSON with
 * the Lambda context and our correlation keys (workspaceId, messageId, runId) appended per request.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import type { MiddlewareObj } from "@middy/core";

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
  /** The middy middlewares, in order: trace, context into logs, flush metrics. */
  middlewares(): MiddlewareObj[];
}

export function createObservability(functionName: string): Observability {
  const logger = new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? `moments-${functionName}`,
  });
  // Metrics' own warnings go through our logger, so they obey the log level like everything else.
  const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "Moments", logger });
  // Traces are kept 30 days and readable by anyone with X-Ray access: they carry timings and AWS calls, never
  // data. No handler response (new admin and write keys, signing secrets, traits) and no outgoing HTTP request
  // (Slack webhook URLs and webhook targets carry tokens in their path or query) is recorded.
  const tracer = new Tracer({ captureHTTPsRequests: false });
  return {
    logger,
    metrics,
    tracer,
    middlewares: () => [
      captureLambdaHandler(tracer, { captureResponse: false }),
      injectLambdaContext(logger, { resetKeys: true }),
      logMetrics(metrics, { captureColdStartMetric: true }),
    ],
  };
}
