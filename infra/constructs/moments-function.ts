import { execSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type EnvName, type FunctionId, functions } from "../../shared/contracts/functions.js";
import { type LogMetric, logMetrics } from "../../shared/contracts/log-metrics.js";
import { bundleFunction, handlerFile } from "../bundling.js";

/** Project root: entries in the functions contract are relative to it. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const POWERTOOLS_METRICS_NAMESPACE = "Moments";
export const POWERTOOLS_LOG_LEVEL = "INFO";

/**
 * Lambda's own (system) log lines that reach CloudWatch Logs: at INFO, a platform.start and a
 * platform.report line for every invocation (about 600 B together, the REPORT line carrying duration,
 * billed duration, memory and init duration); at WARN only warnings and errors of the platform (an init
 * failure, a timeout, an out-of-memory exit). The same figures stay in CloudWatch metrics (Duration,
 * Errors, Throttles, ConcurrentExecutions) and, per invocation, in X-Ray when tracing is on.
 * `cdk deploy -c systemLogLevel=INFO` brings the lines back.
 */
export const systemLogLevels = ["WARN", "INFO", "DEBUG"] as const;
export type SystemLogLevelName = (typeof systemLogLevels)[number];
export const DEFAULT_SYSTEM_LOG_LEVEL: SystemLogLevelName = "WARN";

/**
 * The Powertools variables every function gets on top of its contract variables. With tracing off,
 * POWERTOOLS_TRACE_ENABLED=false also keeps shared/observability.ts from loading the Tracer at all.
 */
export function powertoolsEnvironment(id: FunctionId, tracing = true): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: `moments-${id}`,
    POWERTOOLS_METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL,
    ...(tracing ? {} : { POWERTOOLS_TRACE_ENABLED: "false" }),
  };
}

export const functionDefaults = {
  runtime: lambda.Runtime.NODEJS_22_X,
  architecture: lambda.Architecture.ARM_64,
  memorySize: 512,
  timeout: Duration.seconds(30),
  logRetention: logs.RetentionDays.ONE_MONTH,
} as const;

export interface MomentsFunctionProps {
  /** Which function of `shared/contracts/functions.ts` this is. */
  readonly functionId: FunctionId;
  /** A value for each variable the contract lists for this function, and no others. */
  readonly environment: Readonly<Partial<Record<EnvName, string>>>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /**
   * Shell commands run after esbuild, to add files beside the bundle (`outputDir` is the code
   * root, /var/task on Lambda); run on this machine, in the project root.
   */
  readonly afterBundling?: (outputDir: string) => string[];
  /**
   * X-Ray active tracing (Lambda samples on its own fixed rule: the first request each second, then 5 %),
   * with the Powertools Tracer loaded; false: no tracing, and the Tracer is never loaded. @default true
   */
  readonly tracing?: boolean;
  /** Lambda's system (platform) log level, see DEFAULT_SYSTEM_LOG_LEVEL. @default "WARN" */
  readonly systemLogLevel?: SystemLogLevelName;
  /** Reserved concurrency: both a guarantee and a cap. @default none (the account's unreserved pool) */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One Lambda function of the app with every default in one place: runtime, architecture, tracing,
 * its own log group, bundling, and a role that can write to that log group and nothing else until
 * the stack grants more.
 */
export class MomentsFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MomentsFunctionProps) {
    super(scope, id);
    const definition = functions[props.functionId];
    const environment = contractEnvironment(props.functionId, props.environment);
    const tracing = props.tracing ?? true;

    this.logGroup = new logs.LogGroup(this, "LogGroup", {
      retention: functionDefaults.logRetention,
      // Logs are operational data of a stack that can be redeployed; keep nothing behind on delete.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Our own role instead of the default one with AWSLambdaBasicExecutionRole: that managed policy
    // allows writing to every log group in the account; this role writes to its own group only.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of the moments-${props.functionId} function`,
    });
    this.logGroup.grantWrite(this.role);
    for (const [index, metric] of logMetrics.filter((m) => m.functionId === props.functionId).entries())
      addLogMetric(this.logGroup, `${metric.metricName}Filter${index}`, metric);

    const entry = path.join(projectRoot, definition.entry);
    const afterBundling = props.afterBundling;
    this.function = new lambda.Function(this, "Function", {
      // Bundled here with esbuild (infra/bundling.ts), never in Docker; the asset's hash is that of the
      // output, so an unchanged bundle is not uploaded again.
      code: lambda.Code.fromAsset(projectRoot, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by CDK, never used: local bundling below always succeeds or throws.
          image: DockerImage.fromRegistry("public.ecr.aws/sam/build-nodejs22.x"),
          local: {
            tryBundle(outputDir) {
              bundleFunction(entry, outputDir, projectRoot);
              for (const command of afterBundling?.(outputDir) ?? []) {
                execSync(command, { cwd: projectRoot, stdio: "inherit" });
              }
              return true;
            },
          },
        },
      }),
      handler: `${path.basename(handlerFile, ".mjs")}.handler`,
      description: definition.description,
      runtime: functionDefaults.runtime,
      architecture: functionDefaults.architecture,
      memorySize: props.memorySize ?? functionDefaults.memorySize,
      timeout: props.timeout ?? functionDefaults.timeout,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel[props.systemLogLevel ?? DEFAULT_SYSTEM_LOG_LEVEL],
      // The same level as Powertools': Lambda then sets AWS_LAMBDA_LOG_LEVEL, which Powertools Logger
      // obeys over POWERTOOLS_LOG_LEVEL (warning when they differ), so both filters agree.
      applicationLogLevelV2: lambda.ApplicationLogLevel[POWERTOOLS_LOG_LEVEL],
      // Contract variables first, Powertools last: both sets are complete, neither drops the other.
      environment: { ...environment, ...powertoolsEnvironment(props.functionId, tracing) },
    });

    Validations.of(this.function.node.defaultChild as lambda.CfnFunction).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Pinned to nodejs22.x, a supported runtime (Node 22 is in LTS until April 2027), matching the node22 esbuild target " +
        "in infra/bundling.ts. Runtime and target move to Node 24 together as one tested change, not whenever aws-cdk-lib " +
        "learns a newer runtime.",
    });
    // Acknowledged on the role's default policy, the one resource with the finding (only tracing adds it).
    if (tracing)
      Validations.of(this.role.node.findChild("DefaultPolicy")).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "Only X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords, added for active tracing, use Resource '*': " +
          "X-Ray does not support resource-level permissions for them. A test asserts that no other statement of this role uses '*'.",
      });
  }
}

/**
 * Checks that the given variables are exactly the ones the contract lists for this function, so a
 * variable added to the contract cannot be forgotten in the stack, and no stray one sneaks in.
 */
export function contractEnvironment(
  functionId: FunctionId,
  given: Readonly<Partial<Record<EnvName, string>>>,
): Record<string, string> {
  const expected = [...functions[functionId].env].sort();
  const actual = Object.keys(given).sort();
  const missing = expected.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !(expected as string[]).includes(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `Function ${functionId}: environment must be exactly [${expected.join(", ")}]` +
        (missing.length > 0 ? `; missing ${missing.join(", ")}` : "") +
        (extra.length > 0 ? `; not in the contract ${extra.join(", ")}` : ""),
    );
  }
  const env: Record<string, string> = {};
  for (const name of expected) {
    const value = given[name];
    if (value === undefined) throw new Error(`Function ${functionId}: no value for ${name}`);
    env[name] = value;
  }
  return env;
}

/**
 * A metric counted by CloudWatch Logs from an INFO line the function writes anyway (see
 * shared/contracts/log-metrics.ts): the same namespace, name and `service` dimension the function's
 * EMF line carried, without the EMF line's bytes.
 */
function addLogMetric(logGroup: logs.LogGroup, id: string, metric: LogMetric): logs.MetricFilter {
  const conditions = [
    logs.FilterPattern.stringValue("$.message", "=", metric.message),
    ...(metric.without ? [logs.FilterPattern.notExists(`$.${metric.without}`)] : []),
    ...(metric.valueField ? [logs.FilterPattern.numberValue(`$.${metric.valueField}`, ">", 0)] : []),
  ];
  return logGroup.addMetricFilter(id, {
    metricNamespace: POWERTOOLS_METRICS_NAMESPACE,
    metricName: metric.metricName,
    filterPattern: logs.FilterPattern.all(...conditions),
    metricValue: metric.valueField ? `$.${metric.valueField}` : "1",
    dimensions: { service: "$.service" },
    unit: cloudwatch.Unit.COUNT,
  });
}
