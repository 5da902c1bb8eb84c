/**
 * Every Lambda function of the app, with the environment variables it reads. The CDK app creates
 * one NodejsFunction per entry and must set exactly these variables; the local runtime sets the same
 * ones. Each function validates its environment once, at cold start (see shared/config.ts).
 */
export const functionIds = [
  "health",
  "ingest",
  "inbox",
  "admin",
  "match",
  "action",
  "run-state",
  "bootstrap",
  "ses-feedback",
  "console",
] as const;
export type FunctionId = (typeof functionIds)[number];

export const Env = {
  tableName: "TABLE_NAME",
  eventBusName: "EVENT_BUS_NAME",
  stateMachineArn: "STATE_MACHINE_ARN",
  /** Multiplies every step delay (1 = real time). */
  timeScale: "MOMENTS_TIME_SCALE",
  /** Events older than this many hours are recorded but start nothing (default 72). */
  eventWindowHours: "MOMENTS_EVENT_WINDOW_HOURS",
  /** SES configuration set for sends (optional): where bounce/complaint events go. */
  sesConfigurationSet: "SES_CONFIGURATION_SET",
  /** Slack Web API base URL (optional; default https://slack.com/api): tests and proxies redirect it. */
  slackApiBaseUrl: "SLACK_API_BASE_URL",
  /**
   * Origin that Slack incoming-webhook URLs (https://hooks.slack.com/services/...) are sent to
   * (optional; default: the URL's own origin). Tests and egress proxies redirect it; the path is kept.
   */
  slackWebhookBaseUrl: "SLACK_WEBHOOK_BASE_URL",
  /** Attio REST API base URL (optional; default https://api.attio.com). */
  attioApiBaseUrl: "ATTIO_API_BASE_URL",
  /**
   * "true" lets send_webhook reach loopback addresses (127.0.0.0/8, ::1): local development only.
   * Never set on AWS, where loopback is the Lambda runtime API. Private, link-local and metadata
   * addresses stay refused either way.
   */
  webhookAllowLoopback: "MOMENTS_WEBHOOK_ALLOW_LOOPBACK",
  /** Folder holding the built in-app widget (widget.js, widget.mjs), read at cold start. */
  widgetDir: "MOMENTS_WIDGET_DIR",
  /** The API's public base URL: unsubscribe links in emails point at it. */
  publicApiUrl: "MOMENTS_PUBLIC_API_URL",
  /** The built console (index.html and assets/, see infra/console/build.ts) the console function serves. */
  consoleAssetsDir: "MOMENTS_CONSOLE_ASSETS_DIR",
} as const;
export type EnvName = (typeof Env)[keyof typeof Env];

export interface FunctionDefinition {
  /** Source entry, relative to the project root. */
  entry: string;
  description: string;
  env: readonly EnvName[];
}

export const functions: Record<FunctionId, FunctionDefinition> = {
  health: { entry: "functions/health/handler.ts", description: "GET /health", env: [] },
  ingest: {
    entry: "functions/ingest/handler.ts",
    description: "POST /v1/events: authenticate, validate, put on the bus",
    env: [Env.tableName, Env.eventBusName],
  },
  inbox: {
    entry: "functions/inbox/handler.ts",
    description:
      "The app's in-app inbox and feedback answers (write key + user token), and the widget script",
    env: [Env.tableName, Env.widgetDir],
  },
  admin: {
    entry: "functions/admin/handler.ts",
    description: "Config API under /v1/admin",
    // The state machine: stopping or archiving a moment stops its runs' executions. The bus, the SES
    // configuration set and the API URL: test sends perform a step as the action function does.
    env: [Env.tableName, Env.stateMachineArn, Env.eventBusName, Env.sesConfigurationSet, Env.publicApiUrl],
  },
  match: {
    entry: "functions/match/handler.ts",
    description: "Matches received events to running moments: starts and ends runs, applies identify calls",
    // The bus: identify calls put their attribute changes back on it.
    env: [Env.tableName, Env.stateMachineArn, Env.timeScale, Env.eventBusName, Env.eventWindowHours],
  },
  action: {
    entry: "functions/action/handler.ts",
    description:
      "Runs each wake-up of a run: its steps (email, in-app, Slack, Attio, webhooks, attribute updates), completion, timeout, abandonment gates",
    // The bus: an update_attribute step puts its attribute_changed event on it. The API URL: the
    // unsubscribe link of every email. The provider base URLs and the loopback opt-in are optional
    // overrides read when set (tests, proxies, local development), never set by the CDK app. The time
    // scale: how long a step in doubt waits for its provider's evidence, and a gate's run's delays.
    // The state machine: a timeout starts the run's end execution, an abandonment gate its run.
    env: [
      Env.tableName,
      Env.stateMachineArn,
      Env.sesConfigurationSet,
      Env.eventBusName,
      Env.publicApiUrl,
      Env.timeScale,
    ],
  },
  bootstrap: {
    entry: "functions/bootstrap/handler.ts",
    description: "Deploy-time custom resource: the first admin key, kept in Secrets Manager",
    env: [Env.tableName],
  },
  "run-state": {
    entry: "functions/run-state/handler.ts",
    description:
      "Records what a run's workflow reports off the usual path (a step failed, an unrecorded outcome, fail_run)",
    // fail_run ends the run and starts its end execution; executions started before wake-ups also
    // end runs on their timeout and open gates here (a run, with the moment's delays: the time scale).
    env: [Env.tableName, Env.stateMachineArn, Env.timeScale],
  },
  console: {
    entry: "functions/console/handler.ts",
    description: "The console's page and assets, and its sign-in (admin key for a session cookie)",
    env: [Env.tableName, Env.consoleAssetsDir],
  },
  "ses-feedback": {
    entry: "functions/ses-feedback/handler.ts",
    description: "Suppresses addresses that SES reports as permanently bounced or complained about",
    env: [Env.tableName],
  },
};

/**
 * Timeout per function, in seconds: the CDK app sets it (infra/moments-stack.ts) and the local
 * runtime enforces it (infra/local/functions-thread.ts), with the context's remaining time counting
 * down from it. HTTP functions stay well under API Gateway's 30 s integration limit; the match
 * timeout also sets the match queue's visibility timeout (six times it).
 */
export const functionTimeoutSeconds: Record<FunctionId, number> = {
  health: 5,
  ingest: 10,
  inbox: 10,
  admin: 15,
  match: 30,
  action: 30,
  "run-state": 15,
  bootstrap: 30,
  "ses-feedback": 15,
  console: 10,
};

/**
 * Lambda's payload quota for a synchronous invocation (an HTTP API's): "6 MB each for request and
 * response" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), counted on the
 * JSON that crosses, the event (a binary body in it base64-encoded, a third larger) and the function's
 * answer. In bytes, as Lambda enforces them: the request "must be smaller than 6291456 bytes"
 * (Invoke's RequestEntityTooLargeException, HTTP 413:
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), and an answer is refused past
 * 6,291,556 ("Response payload size exceeded maximum allowed payload size (6291556 bytes)").
 * The local HTTP API applies both (infra/local/lambda-context.ts) in front of API Gateway's own
 * 10 MB body limit (API_GATEWAY_MAX_BODY_BYTES in routes.ts), so between 6 and 10 MB Lambda's wins.
 */
export const LAMBDA_SYNC_REQUEST_MAX_BYTES = 6_291_456;
export const LAMBDA_SYNC_RESPONSE_MAX_BYTES = 6_291_556;
