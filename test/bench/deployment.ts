/**
 * What the deployed stack is configured with, read from the CDK app itself (synthesized in memory,
 * without bundling the functions): memory and architecture per function, tracing, the state
 * machine's logging level, the match queue's batching. The cost model prices this configuration,
 * so a change to the infrastructure shows in `npm run bench` without touching the bench.
 */
import { App } from "aws-cdk-lib";
import { MATCH_BATCH_SIZE, MATCH_BATCH_SIZE_WITH_WINDOW } from "../../infra/constructs/event-routing.js";
import { MomentsStack, momentsStackConfig } from "../../infra/moments-stack.js";

export interface DeploymentConfig {
  functions: Record<
    string,
    { memoryMb: number; architecture: string; tracing: boolean; logLevel?: string; systemLogLevel?: string }
  >;
  stateMachine: { logLevel: string; includeExecutionData: boolean; tracing: boolean };
  matchQueue: { batchSize: number; batchingWindowSeconds: number };
  matchBatchSizes: { withoutWindow: number; withWindow: number };
  /** The HTTP API stage's access log format (absent: no access logs). */
  apiAccessLogFormat?: string;
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** `context`: CDK context as `cdk deploy -c key=value` would give it (e.g. { tracing: "off" }). */
export function readDeploymentConfig(context: Record<string, string> = {}): DeploymentConfig {
  // Skips bundling every function (seconds of esbuild) — only the resource properties are read.
  const app = new App({ context: { ...context, "aws:cdk:bundling-stacks": [] } });
  const { stackName, props } = momentsStackConfig(app.node);
  const stack = new MomentsStack(app, stackName, props);
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, Resource>;
  };
  const config: DeploymentConfig = {
    functions: {},
    stateMachine: { logLevel: "OFF", includeExecutionData: false, tracing: false },
    matchQueue: { batchSize: 10, batchingWindowSeconds: 0 },
    matchBatchSizes: { withoutWindow: MATCH_BATCH_SIZE, withWindow: MATCH_BATCH_SIZE_WITH_WINDOW },
  };
  for (const resource of Object.values(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === "AWS::Lambda::Function") {
      const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      // Every function of the app names itself in Powertools' service name.
      const id = /^moments-([a-z-]+)$/.exec(String(variables?.POWERTOOLS_SERVICE_NAME ?? ""))?.[1];
      if (!id) continue;
      config.functions[id] = {
        memoryMb: Number(p.MemorySize ?? 128),
        architecture: String((p.Architectures as string[] | undefined)?.[0] ?? "x86_64"),
        tracing: (p.TracingConfig as { Mode?: string } | undefined)?.Mode === "Active",
        ...(typeof variables?.POWERTOOLS_LOG_LEVEL === "string"
          ? { logLevel: variables.POWERTOOLS_LOG_LEVEL }
          : {}),
        // Lambda's default without a logging config: every platform line (INFO).
        systemLogLevel:
          (p.LoggingConfig as { SystemLogLevel?: string } | undefined)?.SystemLogLevel ?? "INFO",
      };
    }
    if (resource.Type === "AWS::StepFunctions::StateMachine") {
      const logging = p.LoggingConfiguration as
        | { Level?: string; IncludeExecutionData?: boolean }
        | undefined;
      config.stateMachine = {
        logLevel: logging?.Level ?? "OFF",
        includeExecutionData: logging?.IncludeExecutionData === true,
        tracing: (p.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled === true,
      };
    }
    if (resource.Type === "AWS::ApiGatewayV2::Stage") {
      const format = (p.AccessLogSettings as { Format?: string } | undefined)?.Format;
      if (format) config.apiAccessLogFormat = format;
    }
    if (resource.Type === "AWS::Lambda::EventSourceMapping") {
      config.matchQueue = {
        batchSize: Number(p.BatchSize ?? 10),
        batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      };
    }
  }
  return config;
}
