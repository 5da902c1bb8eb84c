import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CfnOutput, Duration, Lazy, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct, Node } from "constructs";
import { Env, type FunctionId, functionIds, functionTimeoutSeconds } from "../shared/contracts/functions.js";
import { ingestionWrittenKeys } from "../shared/contracts/table.js";
import { CONSOLE_ASSETS_SUBDIR, copyConsoleAssets } from "./console/build.js";
import { Alarms } from "./constructs/alarms.js";
import { DataTable, TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS } from "./constructs/data-table.js";
import { EmailSending } from "./constructs/email-sending.js";
import { EventRouting } from "./constructs/event-routing.js";
import { FirstAdminKey } from "./constructs/first-admin-key.js";
import { HttpApi } from "./constructs/http-api.js";
import {
  DEFAULT_SYSTEM_LOG_LEVEL,
  MomentsFunction,
  type MomentsFunctionProps,
  type SystemLogLevelName,
  systemLogLevels,
} from "./constructs/moments-function.js";
import { RunWorkflow } from "./constructs/run-workflow.js";
import { TableProtection } from "./constructs/table-protection.js";
import { WIDGET_ASSET_DIR, writeWidget } from "./widget-build.js";

export const DEFAULT_STACK_NAME = "Moments";

export interface MomentsStackProps extends StackProps {
  /** MOMENTS_TIME_SCALE: multiplies every step delay ("1" = real time). */
  readonly timeScale: string;
  /** MOMENTS_EVENT_WINDOW_HOURS: events older than this start nothing ("72"). */
  readonly eventWindowHours: string;
  /** DynamoDB deletion protection on the table. */
  readonly deletionProtection: boolean;
  /**
   * Reserved concurrency of the action and of the run-state function each (0: none). Step Functions invokes
   * them as fast as runs become due, so a burst (a big segment entering at once, a delay ending for thousands
   * of runs) would otherwise take the account's whole Lambda concurrency and throttle ingestion. Throttled
   * steps are retried by the state machine; throttled ingestion is a 5xx to the sender.
   */
  readonly workflowConcurrency: number;
  /**
   * The account's quota of open Standard executions in the region (Step Functions' default 1,000,000):
   * the OpenExecutions alarm fires at 80 % of it. Set it after a quota increase.
   */
  readonly openExecutionQuota?: number;
  /**
   * The public base URL of the API (a custom domain mapped to it, e.g. https://moments.example.com):
   * unsubscribe links are built from it, so they outlive the API (whose generated URL a recreated stack
   * changes). Default: the API's own URL.
   */
  readonly publicBaseUrl?: string;
  /**
   * X-Ray tracing: "active" (functions traced actively with the Powertools Tracer, executions traced) or
   * "off" (nothing traced, the Tracer never loaded: a lighter cold start and no X-Ray bill). @default "active"
   */
  readonly tracing?: "active" | "off";
  /**
   * Lambda's system log level for every function: "WARN" drops the START/REPORT lines of each invocation
   * (duration and memory stay in CloudWatch metrics), "INFO" keeps them. @default "WARN"
   */
  readonly systemLogLevel?: SystemLogLevelName;
  /**
   * The match queue's batching window in seconds (0-300): how long Lambda may hold a message to fill a
   * batch. Every matched event waits up to this long. @default 0
   */
  readonly matchBatchingWindowSeconds?: number;
}

/** Timeout per function (shared/contracts/functions.ts, which the local runtime enforces too). */
export const functionTimeouts = Object.fromEntries(
  functionIds.map((id) => [id, Duration.seconds(functionTimeoutSeconds[id])]),
) as Record<FunctionId, Duration>;

/** The built console sits beside the console function's bundle, in its code root (/var/task). */
const CONSOLE_ASSETS_DIR_ON_LAMBDA = `/var/task/${CONSOLE_ASSETS_SUBDIR}`;

/** The functions Step Functions invokes: capped so their bursts leave concurrency for ingestion. */
const WORKFLOW_FUNCTIONS: ReadonlySet<FunctionId> = new Set(["action", "run-state"]);
export const DEFAULT_WORKFLOW_CONCURRENCY = 50;
/** Step Functions' default quota of open Standard executions per account and region. */
export const DEFAULT_OPEN_EXECUTION_QUOTA = 1_000_000;

/** Ingest is a small, hot path (authenticate, validate, PutEvents): half the default memory. */
const INGEST_MEMORY_MB = 256;

/**
 * The whole Moments deployment: HTTP API -> ingest -> event bus -> match queue -> match ->
 * run workflow (action, run-state), with the single table and SES configuration set they share.
 */
/** Where Lambda unpacks a function's asset. */
const LAMBDA_TASK_ROOT = "/var/task";

export class MomentsStack extends Stack {
  readonly dataTable: DataTable;
  readonly eventRouting: EventRouting;
  readonly email: EmailSending;
  readonly workflow: RunWorkflow;
  readonly httpApi: HttpApi;
  readonly functions: Record<FunctionId, MomentsFunction>;
  readonly alarms: Alarms;
  readonly firstAdminKey: FirstAdminKey;
  readonly tableProtection: TableProtection;

  constructor(scope: Construct, id: string, props: MomentsStackProps) {
    super(scope, id, props);

    this.dataTable = new DataTable(this, "Data");
    const tableName = this.dataTable.table.tableName;
    this.email = new EmailSending(this, "Email");
    this.eventRouting = new EventRouting(this, "Events", { consumerTimeout: functionTimeouts.match });

    const tracing = (props.tracing ?? "active") === "active";
    const fn = (
      functionId: FunctionId,
      environment: MomentsFunctionProps["environment"],
      memorySize?: number,
      extra: Pick<MomentsFunctionProps, "afterBundling"> = {},
    ) =>
      new MomentsFunction(this, `Fn-${functionId}`, {
        functionId,
        environment,
        timeout: functionTimeouts[functionId],
        ...(memorySize === undefined ? {} : { memorySize }),
        tracing,
        ...(props.systemLogLevel === undefined ? {} : { systemLogLevel: props.systemLogLevel }),
        ...extra,
        ...(WORKFLOW_FUNCTIONS.has(functionId) && props.workflowConcurrency > 0
          ? { reservedConcurrentExecutions: props.workflowConcurrency }
          : {}),
      });

    // Named, so its ARN is known before it exists: the admin function stops its executions.
    const stateMachineName = `${this.stackName}-run`;
    const stateMachineArn = RunWorkflow.arnOf(this, stateMachineName);

    // The HTTP functions and their API first: the action function's unsubscribe links need its URL.
    const ingest = fn(
      "ingest",
      { [Env.tableName]: tableName, [Env.eventBusName]: this.eventRouting.bus.eventBusName },
      INGEST_MEMORY_MB,
    );
    this.dataTable.grant(ingest.role, ["dynamodb:GetItem"]);
    // Identity links and the sources' debuggers; nothing else.
    this.dataTable.grantOnItems(
      ingest.role,
      ["dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
      ingestionWrittenKeys,
    );
    this.eventRouting.bus.grantPutEventsTo(ingest.role);

    const admin = fn("admin", {
      [Env.tableName]: tableName,
      [Env.stateMachineArn]: stateMachineArn,
      [Env.eventBusName]: this.eventRouting.bus.eventBusName,
      [Env.sesConfigurationSet]: this.email.configurationSet.configurationSetName,
      // Resolved at synth: the API integrates this function, but its URL depends only on the API id.
      [Env.publicApiUrl]: props.publicBaseUrl ?? Lazy.string({ produce: () => this.httpApi.url }),
    });
    this.dataTable.grant(admin.role, [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS], { gsi1: true });
    // Test sends perform a step for real: email through SES, attribute changes onto the bus.
    this.email.grantSend(admin.role);
    this.eventRouting.bus.grantPutEventsTo(admin.role);

    const health = fn("health", {});

    const bootstrap = fn("bootstrap", { [Env.tableName]: tableName });
    // UpdateItem: the operator workspace's active-key set, when the resource runs on existing data.
    this.dataTable.grant(bootstrap.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    this.firstAdminKey = new FirstAdminKey(this, "FirstAdminKey", {
      function: bootstrap.function,
      workspaceId: "default",
    });

    // The app's inbox and feedback answers: reads lists (Query), answers in a transaction. It also
    // serves the widget script, built here (infra/widget-build.ts), copied into its asset after
    // bundling and read at cold start.
    const widgetDir = mkdtempSync(path.join(tmpdir(), "moments-widget-"));
    writeWidget(widgetDir);
    const inbox = fn(
      "inbox",
      { [Env.tableName]: tableName, [Env.widgetDir]: `${LAMBDA_TASK_ROOT}/${WIDGET_ASSET_DIR}` },
      undefined,
      {
        afterBundling: (outputDir) => [
          `mkdir -p "${outputDir}/${WIDGET_ASSET_DIR}"`,
          `cp "${widgetDir}"/* "${outputDir}/${WIDGET_ASSET_DIR}/"`,
        ],
      },
    );
    this.dataTable.grant(inbox.role, [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]);

    // The console's page and assets (built into its code, beside the bundle) and its sessions.
    const consoleFn = new MomentsFunction(this, "Fn-console", {
      functionId: "console",
      environment: { [Env.tableName]: tableName, [Env.consoleAssetsDir]: CONSOLE_ASSETS_DIR_ON_LAMBDA },
      timeout: functionTimeouts.console,
      tracing,
      ...(props.systemLogLevel === undefined ? {} : { systemLogLevel: props.systemLogLevel }),
      afterBundling: copyConsoleAssets,
    });
    // Sessions: GetItem to check one (and its admin key), PutItem to open, DeleteItem to end it.
    this.dataTable.grant(consoleFn.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]);

    this.httpApi = new HttpApi(this, "Http", {
      handlers: {
        health: health.function,
        ingest: ingest.function,
        inbox: inbox.function,
        admin: admin.function,
        console: consoleFn.function,
      },
    });

    // The workflow's task functions come next: the state machine needs their ARNs, and match
    // needs the state machine's. The action function links to the API (unsubscribe links).
    // It runs every wake-up of an execution: steps, a run's completion and timeout, abandonment gates
    // (a timeout starts the run's end execution, a gate its run: it starts executions too).
    const action = fn("action", {
      [Env.tableName]: tableName,
      [Env.stateMachineArn]: stateMachineArn,
      [Env.sesConfigurationSet]: this.email.configurationSet.configurationSetName,
      [Env.eventBusName]: this.eventRouting.bus.eventBusName,
      [Env.publicApiUrl]: props.publicBaseUrl ?? this.httpApi.url,
      [Env.timeScale]: props.timeScale,
    });
    // update_attribute steps put attribute_changed events on the bus.
    this.eventRouting.bus.grantPutEventsTo(action.role);
    // BatchWriteItem: an abandonment gate records its decision in the decision log. Query: a run it
    // ends (completion, timeout) lists its steps left in doubt, as run-state does.
    this.dataTable.grant(action.role, [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ]);
    this.email.grantSend(action.role);

    // run-state (which the state machine invokes) starts executions too.
    const runState = fn("run-state", {
      [Env.tableName]: tableName,
      [Env.stateMachineArn]: stateMachineArn,
      [Env.timeScale]: props.timeScale,
    });
    // Transactions need each contained operation's permission (runs end in a TransactWriteItems).
    // BatchWriteItem: an abandonment gate records its decision in the decision log. Query: a run that
    // ends lists its steps left in doubt.
    this.dataTable.grant(runState.role, [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "dynamodb:PutItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ]);

    this.workflow = new RunWorkflow(this, "RunWorkflow", {
      actionFunction: action.function,
      runStateFunction: runState.function,
      stateMachineName,
      tracing,
    });
    this.workflow.grantStartExecutionByArn(runState.role);
    this.workflow.grantStartExecutionByArn(action.role);
    // An execution that fails, times out or is aborted outside the engine ends its run (run-state).
    const failedExecutions = this.workflow.endRunsOfFailedExecutions(runState.function, runState.role);
    // Stopping or archiving a moment stops its runs' executions.
    this.workflow.grantStopExecution(admin.role);

    const match = fn("match", {
      [Env.tableName]: tableName,
      [Env.stateMachineArn]: stateMachineArn,
      [Env.timeScale]: props.timeScale,
      [Env.eventBusName]: this.eventRouting.bus.eventBusName,
      [Env.eventWindowHours]: props.eventWindowHours,
    });
    // BatchWriteItem: the decision log; transactions need each contained operation's permission.
    this.dataTable.grant(
      match.role,
      [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
      ],
      { gsi1: true },
    );
    this.eventRouting.bus.grantPutEventsTo(match.role);
    this.workflow.grantStartExecution(match.role);
    // An end event stops the run's entry execution.
    this.workflow.grantStopExecution(match.role);
    this.eventRouting.consumeMatchQueue(match.function, props.matchBatchingWindowSeconds ?? 0);

    // SES bounces and complaints (default bus) suppress addresses: a conditional put per recipient.
    // Send and Reject events are a step's evidence (a put) and settle a step in doubt (a read of the
    // step and its run, then a transaction updating the step and its stats shard).
    const sesFeedback = fn("ses-feedback", { [Env.tableName]: tableName });
    this.dataTable.grant(sesFeedback.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    this.email.consumeFeedback(sesFeedback.function);

    this.functions = {
      console: consoleFn,
      health,
      ingest,
      inbox,
      admin,
      match,
      action,
      "run-state": runState,
      bootstrap,
      "ses-feedback": sesFeedback,
    };

    new CfnOutput(this, "ApiUrl", { value: this.httpApi.url, description: "Base URL of the Moments API" });
    new CfnOutput(this, "ConsoleUrl", {
      value: `${this.httpApi.url}console`,
      description: "The Moments console (sign in with an admin key)",
    });
    new CfnOutput(this, "TableName", { value: tableName, description: "The single DynamoDB table" });
    new CfnOutput(this, "EventBusName", {
      value: this.eventRouting.bus.eventBusName,
      description: "Event bus that received product events are put on",
    });
    new CfnOutput(this, "StateMachineArn", {
      value: this.workflow.stateMachine.stateMachineArn,
      description: "State machine that runs each account through a moment",
    });

    this.alarms = new Alarms(this, "Alarms", {
      deadLetterQueue: this.eventRouting.deadLetterQueue,
      stateMachine: this.workflow.stateMachine,
      feedbackDeadLetterQueue: this.email.feedbackDeadLetterQueue,
      failedExecutionsDeadLetterQueue: failedExecutions.deadLetterQueue,
      openExecutionQuota: props.openExecutionQuota ?? DEFAULT_OPEN_EXECUTION_QUOTA,
    });
    // Last: after every other resource (see TableProtection), so a failed first deploy rolls back cleanly.
    this.tableProtection = new TableProtection(this, "TableProtection", {
      function: bootstrap.function,
      table: this.dataTable.table,
      enabled: props.deletionProtection,
    });
    this.tableProtection.dependOnEverythingIn(this);
    new CfnOutput(this, "DeadLetterQueueUrl", {
      value: this.eventRouting.deadLetterQueue.queueUrl,
      description: "Events that failed matching after every retry; redrive them to the match queue",
    });
    new CfnOutput(this, "AdminKeySecretArn", {
      value: this.firstAdminKey.secret.secretArn,
      description:
        "The first admin key: aws secretsmanager get-secret-value --secret-id <this> (field adminKey)",
    });
    new CfnOutput(this, "MatchQueueArn", {
      value: this.eventRouting.matchQueue.queueArn,
      description: "Destination to name when redriving the dead-letter queue",
    });
  }
}

/**
 * Stack name and props from CDK context (`cdk deploy -c stackName=... -c timeScale=0.01
 * -c deletionProtection=false -c tracing=off`), with the defaults a first deployment wants.
 */
export function momentsStackConfig(node: Node): { stackName: string; props: MomentsStackProps } {
  const stackName = contextString(node, "stackName") ?? DEFAULT_STACK_NAME;
  const timeScale = contextString(node, "timeScale") ?? "1";
  const scale = Number(timeScale);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`Context timeScale must be a positive number, got "${timeScale}"`);
  }
  const eventWindowHours = contextString(node, "eventWindowHours") ?? "72";
  if (!(Number(eventWindowHours) > 0)) {
    throw new Error(`Context eventWindowHours must be a positive number, got "${eventWindowHours}"`);
  }
  const deletionProtection = contextString(node, "deletionProtection") ?? "true";
  if (deletionProtection !== "true" && deletionProtection !== "false") {
    throw new Error(`Context deletionProtection must be true or false, got "${deletionProtection}"`);
  }
  const workflowConcurrency = Number(
    contextString(node, "workflowConcurrency") ?? DEFAULT_WORKFLOW_CONCURRENCY,
  );
  if (!Number.isInteger(workflowConcurrency) || workflowConcurrency < 0) {
    throw new Error("Context workflowConcurrency must be a whole number (0: no reservation)");
  }
  const openExecutionQuota = Number(
    contextString(node, "openExecutionQuota") ?? DEFAULT_OPEN_EXECUTION_QUOTA,
  );
  if (!Number.isInteger(openExecutionQuota) || openExecutionQuota < 1) {
    throw new Error("Context openExecutionQuota must be a positive whole number (the account's quota)");
  }
  const tracing = contextString(node, "tracing") ?? "active";
  if (tracing !== "active" && tracing !== "off") {
    throw new Error(`Context tracing must be active or off, got "${tracing}"`);
  }
  const systemLogLevel = contextString(node, "systemLogLevel") ?? DEFAULT_SYSTEM_LOG_LEVEL;
  if (!(systemLogLevels as readonly string[]).includes(systemLogLevel)) {
    throw new Error(
      `Context systemLogLevel must be one of ${systemLogLevels.join(", ")}, got "${systemLogLevel}"`,
    );
  }
  const matchBatchingWindow = Number(contextString(node, "matchBatchingWindow") ?? 0);
  if (!Number.isInteger(matchBatchingWindow) || matchBatchingWindow < 0 || matchBatchingWindow > 300) {
    throw new Error("Context matchBatchingWindow must be a whole number of seconds from 0 to 300");
  }
  const publicBaseUrl = contextString(node, "publicBaseUrl");
  if (publicBaseUrl !== undefined && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicBaseUrl)) {
    throw new Error(`Context publicBaseUrl must be an https URL without query, got "${publicBaseUrl}"`);
  }
  return {
    stackName,
    props: {
      stackName,
      description: "Moments: customer-lifecycle automation (events in, automated playbooks out)",
      timeScale,
      eventWindowHours,
      deletionProtection: deletionProtection === "true",
      workflowConcurrency,
      ...(openExecutionQuota === DEFAULT_OPEN_EXECUTION_QUOTA ? {} : { openExecutionQuota }),
      ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }),
      ...(tracing === "active" ? {} : { tracing }),
      ...(systemLogLevel === DEFAULT_SYSTEM_LOG_LEVEL
        ? {}
        : { systemLogLevel: systemLogLevel as SystemLogLevelName }),
      ...(matchBatchingWindow === 0 ? {} : { matchBatchingWindowSeconds: matchBatchingWindow }),
    },
  };
}

/** Context values arrive as strings from `-c`, or as JSON values from cdk.json. */
function contextString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return undefined;
  return String(value);
}
