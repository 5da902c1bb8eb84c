/**
 * The synthesized template wires what the contracts in shared/contracts declare: routes, the bus
 * rule, the workflow definition, the table, each function's environment and permissions.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, type CfnResource, Stack } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { esbuildBuildOptions, esbuildSettings, handlerFile, lambdaNodeMajor } from "../../infra/bundling.js";
import { CONSOLE_ASSETS_SUBDIR, copyConsoleAssets } from "../../infra/console/build.js";
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_FACTOR } from "../../infra/constructs/event-routing.js";
import {
  contractEnvironment,
  MomentsFunction,
  projectRoot,
} from "../../infra/constructs/moments-function.js";
import { partitionNeutral } from "../../infra/constructs/run-workflow.js";
import {
  DEFAULT_WORKFLOW_CONCURRENCY,
  functionTimeouts,
  type MomentsStack,
  momentsStackConfig,
} from "../../infra/moments-stack.js";
import { busRules } from "../../shared/contracts/bus.js";
import {
  Env,
  type EnvName,
  type FunctionId,
  functionIds,
  functions,
} from "../../shared/contracts/functions.js";
import { logMessages } from "../../shared/contracts/log-metrics.js";
import { routeKey, routes } from "../../shared/contracts/routes.js";
import { table } from "../../shared/contracts/table.js";
import { runWorkflowDefinition, workflowSubstitutions } from "../../shared/contracts/workflow.js";
import {
  actionsOf,
  arnOf,
  logicalId,
  type PolicyStatement,
  ref,
  resourcesOf,
  roleStatements,
  sharedMoments,
} from "./support/synth.js";

// Top level, not a hook: the template is synthesized once per run and shared (see support/synth.ts).
const { template, stack }: { template: Template; stack: MomentsStack } = await sharedMoments();
const scaled = await sharedMoments({ timeScale: "0.01", deletionProtection: "false", tracing: "off" });
const custom = await sharedMoments({
  publicBaseUrl: "https://moments.example.com",
  systemLogLevel: "INFO",
  matchBatchingWindow: "2",
});

/**
 * One function bundled by CDK, and the same entry through esbuild's API as test/bench/bundles.ts does. Every
 * function is a MomentsFunction with the same bundling settings, so one stands for all; both builds run here,
 * at collection, where a loaded machine's slow esbuild trips no test timeout.
 */
async function bundleOneFunction(id: FunctionId) {
  // What is asserted is the bundle, not the template: no built-in CloudFormation validation (see synth.ts).
  const app = new App({
    outdir: mkdtempSync(path.join(tmpdir(), "moments-bundle-")),
    builtinCloudFormationValidation: false,
  });
  const bundled = new MomentsFunction(new Stack(app, "Bundle"), "Fn", {
    functionId: id,
    environment: Object.fromEntries(functions[id].env.map((name) => [name, "x"])),
  });
  const assembly = app.synth();
  const resources = (
    assembly.getStackByName("Bundle").template as {
      Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
    }
  ).Resources;
  const code =
    resources[Stack.of(bundled).getLogicalId(bundled.function.node.defaultChild as CfnResource)]?.Properties
      .Code;
  const dir = path.join(assembly.directory, `asset.${code?.S3Key.replace(/\.zip$/, "")}`);
  const benched = await build({
    ...esbuildBuildOptions(path.join(projectRoot, functions[id].entry), path.join(dir, "bench")),
    absWorkingDir: projectRoot,
    write: false,
    logLevel: "error",
  });
  const shipped = Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith(".mjs"))
      .map((file) => [file, readFileSync(path.join(dir, file))]),
  );
  return { dir, shipped, benched: benched.outputFiles };
}
const bundle = await bundleOneFunction("ingest");

const fnLogicalId = (id: FunctionId) => logicalId(stack.functions[id].function);
const fnArn = (id: FunctionId) => arnOf(stack.functions[id].function);
const roleLogicalId = (id: FunctionId) => logicalId(stack.functions[id].role);
const statementsOf = (id: FunctionId) => roleStatements(template, roleLogicalId(id));
const allActions = (statements: PolicyStatement[]) => statements.flatMap(actionsOf);

function resourceProps(logical: string): Record<string, unknown> {
  const resource = template.toJSON().Resources[logical];
  if (!resource) throw new Error(`No resource ${logical} in the template`);
  return resource.Properties;
}

describe("HTTP API", () => {
  it("has exactly one route per entry of the route table", () => {
    const routeKeys = Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map(
      (r) => r.Properties.RouteKey,
    );
    expect(routeKeys.sort()).toEqual(routes.map(routeKey).sort());
  });

  it.each(routes.map((route) => [routeKey(route), route.function] as const))(
    "routes %s to the %s function through a payload v2 Lambda proxy integration",
    (key, fn) => {
      const [logical] = Object.entries(template.findResources("AWS::ApiGatewayV2::Route")).find(
        ([, r]) => r.Properties.RouteKey === key,
      ) ?? [undefined];
      expect(logical).toBeDefined();
      const route = resourceProps(logical as string);
      // Target is "integrations/<integration id>".
      const target = route.Target as { "Fn::Join": [string, [string, { Ref: string }]] };
      const integrationId = target["Fn::Join"][1][1].Ref;
      expect(resourceProps(integrationId)).toMatchObject({
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: fnArn(fn),
      });
      // Authentication happens inside the functions (API keys in DynamoDB), not in API Gateway.
      expect(route.AuthorizerId).toBeUndefined();
      expect(route.AuthorizationType ?? "NONE").toBe("NONE");
    },
  );

  it("serves a $default stage that auto-deploys, logs every request as JSON and throttles by default", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: arnOf(stack.httpApi.accessLogGroup),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    expect(resourceProps(logicalId(stack.httpApi.accessLogGroup)).RetentionInDays).toBe(30);
  });
});

describe("event bus", () => {
  it("has one rule on the custom bus whose pattern is the contract's pattern", () => {
    // The SES feedback rule sits on the default bus (test/infra/email-sending.test.ts).
    const rules = Object.values(template.findResources("AWS::Events::Rule")).filter(
      (r) => JSON.stringify(r.Properties.EventBusName) === JSON.stringify(ref(stack.eventRouting.bus)),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.Properties;
    expect(rule.EventPattern).toEqual(busRules.matchEvents.pattern);
    expect(rule.EventBusName).toEqual(ref(stack.eventRouting.bus));
    expect(rule.Description).toBe(busRules.matchEvents.description);
  });

  it("targets the match queue, with the dead-letter queue for failed deliveries", () => {
    const rule = resourceProps(logicalId(stack.eventRouting.matchRule));
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: arnOf(stack.eventRouting.matchQueue),
        DeadLetterConfig: { Arn: arnOf(stack.eventRouting.deadLetterQueue) },
      }),
    ]);
    // EventBridge may send to both queues, and only on behalf of this rule.
    const policies = Object.values(template.findResources("AWS::SQS::QueuePolicy")).map((p) => p.Properties);
    for (const queue of [stack.eventRouting.matchQueue, stack.eventRouting.deadLetterQueue]) {
      const statements = policies
        .filter((p) => JSON.stringify(p.Queues) === JSON.stringify([ref(queue)]))
        .flatMap((p) => p.PolicyDocument.Statement as (PolicyStatement & { Principal?: unknown })[]);
      const fromEventBridge = statements.filter(
        (st) => JSON.stringify(st.Principal) === JSON.stringify({ Service: "events.amazonaws.com" }),
      );
      expect(fromEventBridge).toHaveLength(1);
      expect(fromEventBridge[0]?.Effect).toBe("Allow");
      expect(actionsOf(fromEventBridge[0] as PolicyStatement)).toContain("sqs:SendMessage");
      expect(fromEventBridge[0]?.Condition).toEqual({
        ArnEquals: { "aws:SourceArn": arnOf(stack.eventRouting.matchRule) },
      });
    }
  });

  it("moves a message to the dead-letter queue after five failed receives", () => {
    expect(resourceProps(logicalId(stack.eventRouting.matchQueue)).RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(stack.eventRouting.deadLetterQueue),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    expect(MAX_RECEIVE_COUNT).toBe(5);
  });

  it("gives the match queue a visibility timeout of at least six times the match function's timeout", () => {
    const queue = resourceProps(logicalId(stack.eventRouting.matchQueue));
    const fn = resourceProps(fnLogicalId("match"));
    expect(VISIBILITY_TIMEOUT_FACTOR).toBeGreaterThanOrEqual(6);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn.Timeout as number));
  });

  it("encrypts both queues with SQS-managed keys and refuses requests without TLS", () => {
    for (const queue of [stack.eventRouting.matchQueue, stack.eventRouting.deadLetterQueue]) {
      expect(resourceProps(logicalId(queue)).SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Action: "sqs:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    }
  });

  it("is consumed by the match function in batches of 10 with partial batch failures, and no batching window", () => {
    const mappings = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      FunctionName: { Ref: fnLogicalId("match") },
      EventSourceArn: arnOf(stack.eventRouting.matchQueue),
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: expect.any(Number) },
    });
    expect(mappings[0]?.Properties).not.toHaveProperty("MaximumBatchingWindowInSeconds");
  });

  it("takes a batching window from -c matchBatchingWindow, with batches of up to 100", () => {
    const mappings = Object.values(custom.template.findResources("AWS::Lambda::EventSourceMapping"));
    expect(mappings[0]?.Properties).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 2 });
    for (const bad of ["-1", "301", "1.5", "soon"]) {
      expect(() => momentsStackConfig(new App({ context: { matchBatchingWindow: bad } }).node)).toThrow(
        /matchBatchingWindow/,
      );
    }
  });
});

describe("run workflow", () => {
  const stateMachine = () => resourceProps(logicalId(stack.workflow.stateMachine));

  it("deploys the contract's definition, with its placeholders mapped to the action and run-state functions", () => {
    const sm = stateMachine();
    expect(sm.StateMachineType).toBe("STANDARD");
    expect(JSON.parse(sm.DefinitionString as string)).toEqual(
      JSON.parse(partitionNeutral(JSON.stringify(runWorkflowDefinition()))),
    );
    expect(sm.DefinitionSubstitutions).toEqual({
      [workflowSubstitutions.actionFunctionArn]: fnArn("action"),
      [workflowSubstitutions.runStateFunctionArn]: fnArn("run-state"),
      Partition: { Ref: "AWS::Partition" },
    });
  });

  it("passes references between states, never step content: tasks get the wake-up (run and step ids)", () => {
    const definition = stateMachine().DefinitionString as string;
    // Every path the deployed definition reads: none names an action, a trigger or the steps' content.
    const paths = [...definition.matchAll(/"(\$\$?(?:\.[^"]*)?)"/g)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path).not.toMatch(/action|trigger|properties|\.step\b|headers|url/i);
  });

  it("logs errors only, without execution data (no action or trigger content), and traces with X-Ray", () => {
    const sm = stateMachine();
    expect(sm.LoggingConfiguration).toEqual({
      Level: "ERROR",
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf(stack.workflow.logGroup) } }],
    });
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(resourceProps(logicalId(stack.workflow.logGroup)).RetentionInDays).toBe(30);
  });

  it("may invoke exactly the action and run-state functions, and use '*' only for log delivery and X-Ray", () => {
    const roleId = logicalId(stack.workflow.stateMachine.role);
    const statements = roleStatements(template, roleId);
    const invoke = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("lambda:")));
    expect(invoke).toHaveLength(1);
    expect(actionsOf(invoke[0] as PolicyStatement)).toEqual(["lambda:InvokeFunction"]);
    expect(resourcesOf(invoke[0] as PolicyStatement)).toEqual([fnArn("action"), fnArn("run-state")]);

    const wildcardActions = statements.filter((s) => resourcesOf(s).includes("*")).flatMap(actionsOf);
    for (const action of wildcardActions) {
      expect(action).toMatch(
        /^(logs:(Create|Get|Update|Delete)LogDelivery|logs:ListLogDeliveries|logs:PutResourcePolicy|logs:DescribeResourcePolicies|logs:DescribeLogGroups|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets))$/,
      );
    }
  });
});

describe("table", () => {
  it("has the contract's keys, GSI1 and TTL attribute, on demand with point-in-time recovery", () => {
    const t = resourceProps(logicalId(stack.dataTable.table));
    expect(t.KeySchema).toEqual([
      { AttributeName: table.partitionKey, KeyType: "HASH" },
      { AttributeName: table.sortKey, KeyType: "RANGE" },
    ]);
    expect(t.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: table.gsi1.indexName,
        KeySchema: [
          { AttributeName: table.gsi1.partitionKey, KeyType: "HASH" },
          { AttributeName: table.gsi1.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ]);
    expect(t.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        [table.partitionKey, table.sortKey, table.gsi1.partitionKey, table.gsi1.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: "S",
        })),
      ),
    );
    expect(t.TimeToLiveSpecification).toEqual({ AttributeName: table.timeToLiveAttribute, Enabled: true });
    expect(t.BillingMode).toBe("PAY_PER_REQUEST");
    expect(t.Replicas).toEqual([
      expect.objectContaining({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // Turned on by the stack's last resource instead (see "leaves nothing behind" below).
        DeletionProtectionEnabled: false,
      }),
    ]);
  });

  it("is retained when the stack is deleted or the table replaced (but not after a failed create)", () => {
    template.hasResource("AWS::DynamoDB::GlobalTable", {
      DeletionPolicy: "RetainExceptOnCreate",
      UpdateReplacePolicy: "Retain",
    });
  });
});

describe("functions", () => {
  const expectedEnvironment = (id: FunctionId): Record<string, unknown> => {
    const values: Record<EnvName, unknown> = {
      [Env.tableName]: ref(stack.dataTable.table),
      [Env.eventBusName]: ref(stack.eventRouting.bus),
      // Built from the state machine's name, not a reference: run-state (which it invokes) needs it.
      [Env.stateMachineArn]: stack.resolve(stack.workflow.stateMachineArn),
      [Env.timeScale]: "1",
      [Env.sesConfigurationSet]: ref(stack.email.configurationSet),
      [Env.slackApiBaseUrl]: undefined,
      [Env.slackWebhookBaseUrl]: undefined,
      [Env.attioApiBaseUrl]: undefined,
      [Env.webhookAllowLoopback]: undefined,
      [Env.publicApiUrl]: stack.resolve(stack.httpApi.url),
      [Env.eventWindowHours]: "72",
      [Env.consoleAssetsDir]: "/var/task/console-assets",
      [Env.widgetDir]: "/var/task/widget",
    };
    return {
      ...Object.fromEntries(functions[id].env.map((name) => [name, values[name]])),
      POWERTOOLS_SERVICE_NAME: `moments-${id}`,
      POWERTOOLS_METRICS_NAMESPACE: "Moments",
      POWERTOOLS_LOG_LEVEL: "INFO",
    };
  };

  it("creates one function per entry of the functions contract", () => {
    expect(Object.keys(template.findResources("AWS::Lambda::Function")).sort()).toEqual(
      functionIds.map(fnLogicalId).sort(),
    );
  });

  it.each(functionIds)("%s has exactly its contract variables plus the Powertools ones", (id) => {
    const env = (resourceProps(fnLogicalId(id)).Environment as { Variables?: Record<string, unknown> })
      ?.Variables;
    expect(env).toEqual(expectedEnvironment(id));
  });

  it.each(functionIds)(
    "%s runs nodejs22.x on arm64 with X-Ray, JSON logs to its own log group, no platform lines",
    (id) => {
      const fn = resourceProps(fnLogicalId(id));
      expect(fn).toMatchObject({
        Runtime: `nodejs${lambdaNodeMajor}.x`,
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        Handler: "index.handler",
        Description: functions[id].description,
        MemorySize: id === "ingest" ? 256 : 512,
        Timeout: functionTimeouts[id].toSeconds(),
        // WARN: no START/REPORT line per invocation; the application level is Powertools' own.
        LoggingConfig: {
          LogFormat: "JSON",
          LogGroup: ref(stack.functions[id].logGroup),
          SystemLogLevel: "WARN",
          ApplicationLogLevel: "INFO",
        },
      });
      expect(fn.Environment).toMatchObject({ Variables: { POWERTOOLS_LOG_LEVEL: "INFO" } });
      expect(resourceProps(logicalId(stack.functions[id].logGroup)).RetentionInDays).toBe(30);
    },
  );

  it("traces nothing with -c tracing=off: no active tracing, no X-Ray grant, the Tracer never loaded", () => {
    type Props = {
      TracingConfig?: { Mode?: string };
      TracingConfiguration?: { Enabled?: boolean };
      Environment?: { Variables?: Record<string, string> };
    };
    const resources = scaled.template.toJSON().Resources as Record<string, { Properties?: Props }>;
    for (const id of functionIds) {
      const fn = resources[logicalId(scaled.stack.functions[id].function)]?.Properties;
      expect(fn?.TracingConfig?.Mode).not.toBe("Active");
      expect(fn?.Environment?.Variables?.POWERTOOLS_TRACE_ENABLED).toBe("false");
    }
    const sm = resources[logicalId(scaled.stack.workflow.stateMachine)]?.Properties;
    expect(sm?.TracingConfiguration?.Enabled ?? false).toBe(false);
    expect(JSON.stringify(scaled.template.toJSON())).not.toContain("xray:");
    expect(() => momentsStackConfig(new App({ context: { tracing: "sampled" } }).node)).toThrow(/tracing/);
  });

  it("counts EventMatched and ItemAccepted from the match and ingest functions' INFO lines, as the EMF lines did", () => {
    const filters = Object.values(template.findResources("AWS::Logs::MetricFilter")).map(
      (resource) =>
        resource.Properties as {
          LogGroupName: unknown;
          FilterPattern: string;
          MetricTransformations: Array<Record<string, unknown>>;
        },
    );
    const on = (id: FunctionId) =>
      filters
        .filter((f) => JSON.stringify(f.LogGroupName) === JSON.stringify(ref(stack.functions[id].logGroup)))
        .map((f) => ({ pattern: f.FilterPattern, ...f.MetricTransformations[0] }));
    const metric = (name: string, value: string) => ({
      MetricNamespace: "Moments",
      MetricName: name,
      MetricValue: value,
      Dimensions: [{ Key: "service", Value: "$.service" }],
      Unit: "Count",
    });
    expect(on("match")).toEqual([
      { pattern: `{ $.message = "${logMessages.eventMatched}" }`, ...metric("EventMatched", "1") },
    ]);
    expect(on("ingest")).toEqual([
      // A rejected single message logs the same line with `rejected`: not counted.
      {
        pattern: `{ ($.message = "${logMessages.messageAccepted}") && ($.rejected NOT EXISTS) }`,
        ...metric("ItemAccepted", "1"),
      },
      {
        pattern: `{ ($.message = "${logMessages.batchAccepted}") && ($.accepted > 0) }`,
        ...metric("ItemAccepted", "$.accepted"),
      },
    ]);
    expect(filters).toHaveLength(3);
  });

  it("brings Lambda's platform lines back with -c systemLogLevel=INFO, on every function", () => {
    const resources = custom.template.toJSON().Resources as Record<
      string,
      { Properties?: { LoggingConfig?: { SystemLogLevel?: string } } }
    >;
    for (const id of functionIds) {
      const fn = resources[logicalId(custom.stack.functions[id].function)]?.Properties;
      expect(fn?.LoggingConfig?.SystemLogLevel).toBe("INFO");
    }
    expect(() => momentsStackConfig(new App({ context: { systemLogLevel: "ERROR" } }).node)).toThrow(
      /systemLogLevel/,
    );
  });

  it("takes MOMENTS_TIME_SCALE and the table's deletion protection from context", () => {
    const matchId = logicalId(scaled.stack.functions.match.function);
    expect(scaled.template.toJSON().Resources[matchId].Properties.Environment.Variables[Env.timeScale]).toBe(
      "0.01",
    );
    template.hasResourceProperties("Custom::MomentsTableProtection", { DeletionProtection: "true" });
    scaled.template.hasResourceProperties("Custom::MomentsTableProtection", { DeletionProtection: "false" });
  });

  it("bundles a function as ESM files with the require shim and no source map, byte for byte what the bench measures", () => {
    const files = Object.keys(bundle.shipped).sort();
    expect(files).toContain(handlerFile);
    expect(readdirSync(bundle.dir).filter((file) => !file.endsWith(".mjs"))).toEqual([]);
    for (const text of Object.values(bundle.shipped)) {
      expect(text.toString("utf8").startsWith(esbuildSettings.banner)).toBe(true);
    }
    expect(bundle.benched.map((f) => path.basename(f.path)).sort()).toEqual(files);
    for (const output of bundle.benched) {
      const shipped = bundle.shipped[path.basename(output.path)];
      expect(shipped && Buffer.compare(Buffer.from(output.contents), shipped)).toBe(0);
    }
  });

  it("keeps the Tracer out of what a cold start reads: it is a chunk behind a dynamic import", () => {
    const handler = bundle.shipped[handlerFile]?.toString("utf8") ?? "";
    const tracerChunk = Object.entries(bundle.shipped).find(([, text]) =>
      text.toString("utf8").includes("AWS_XRAY_DAEMON_ADDRESS"),
    );
    expect(tracerChunk?.[0]).toBeDefined();
    expect(tracerChunk?.[0]).not.toBe(handlerFile);
    // Imported with import(), not a static import statement.
    expect(handler).toMatch(new RegExp(`import\\(\\s*"\\./${tracerChunk?.[0].replace(".", "\\.")}"\\s*\\)`));
    expect(handler).not.toMatch(new RegExp(`from\\s*"\\./${tracerChunk?.[0].replace(".", "\\.")}"`));
  });

  it("ships the built console beside the console function's bundle, as the stack bundles it", () => {
    const app = new App({
      outdir: mkdtempSync(path.join(tmpdir(), "moments-console-")),
      builtinCloudFormationValidation: false,
    });
    const bundled = new MomentsFunction(new Stack(app, "Console"), "Fn", {
      functionId: "console",
      environment: Object.fromEntries(functions.console.env.map((name) => [name, "x"])),
      afterBundling: copyConsoleAssets,
    });
    const assembly = app.synth();
    const code = (
      assembly.getStackByName("Console").template as {
        Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
      }
    ).Resources[Stack.of(bundled).getLogicalId(bundled.function.node.defaultChild as CfnResource)]?.Properties
      .Code;
    const dir = path.join(assembly.directory, `asset.${code?.S3Key.replace(/\.zip$/, "")}`);
    expect(readdirSync(dir).filter((file) => !file.endsWith(".mjs"))).toEqual([CONSOLE_ASSETS_SUBDIR]);
    expect(readdirSync(dir)).toContain(handlerFile);
    const html = readFileSync(path.join(dir, CONSOLE_ASSETS_SUBDIR, "index.html"), "utf8");
    const script = /src="\/console\/(assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1] ?? "";
    expect(readdirSync(path.join(dir, CONSOLE_ASSETS_SUBDIR, "assets"))).toContain(path.basename(script));
  });
});

describe("permissions", () => {
  const dynamoActions = (id: FunctionId) =>
    allActions(statementsOf(id))
      .filter((a) => a.startsWith("dynamodb:"))
      .sort();

  it("no role uses a managed policy: each function writes only to its own log group", () => {
    for (const role of Object.values(template.findResources("AWS::IAM::Role"))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const id of functionIds) {
      const logs = statementsOf(id).filter((s) => actionsOf(s).some((a) => a.startsWith("logs:")));
      expect(logs.flatMap(resourcesOf), id).toEqual([arnOf(stack.functions[id].logGroup)]);
    }
  });

  it("functions use Resource '*' only for X-Ray", () => {
    for (const id of functionIds) {
      const wildcard = statementsOf(id).filter((s) => resourcesOf(s).includes("*"));
      expect(wildcard.flatMap(actionsOf).sort(), id).toEqual([
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ]);
    }
  });

  it("health may do nothing but write its logs and traces", () => {
    const actions = allActions(statementsOf("health"));
    expect(actions.filter((a) => !a.startsWith("logs:") && !a.startsWith("xray:"))).toEqual([]);
  });

  it("ingest may read items, write identity links and debugger items only, and put events on the bus", () => {
    const statements = statementsOf("ingest");
    const actions = allActions(statements);
    expect(dynamoActions("ingest")).toEqual([
      "dynamodb:BatchWriteItem",
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
    ]);
    const writes = statements.filter((s) => actionsOf(s).includes("dynamodb:UpdateItem"));
    expect(writes.map((s) => s.Condition)).toEqual([
      { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["WS#*#IDENTITY#*", "WS#*#SOURCEDEBUG#*"] } },
    ]);
    expect(actions).not.toContain("dynamodb:PutItem");
    expect(actions.some((a) => a.startsWith("states:"))).toBe(false);
    const putEvents = statements.filter((s) => actionsOf(s).includes("events:PutEvents"));
    expect(putEvents.flatMap(resourcesOf)).toEqual([arnOf(stack.eventRouting.bus)]);
    expect(
      actions.filter((a) => !a.startsWith("logs:") && !a.startsWith("xray:") && !a.startsWith("dynamodb:")),
    ).toEqual(["events:PutEvents"]);
  });

  it("admin may read and write items of the table and GSI1, and no more", () => {
    const statements = statementsOf("admin").filter((s) =>
      actionsOf(s).some((a) => a.startsWith("dynamodb:")),
    );
    expect(statements.flatMap(resourcesOf)).toEqual([
      arnOf(stack.dataTable.table),
      { "Fn::Join": ["", [arnOf(stack.dataTable.table), `/index/${table.gsi1.indexName}`]] },
    ]);
    expect(dynamoActions("admin")).not.toContain("dynamodb:Scan");
    expect(dynamoActions("admin")).toEqual(
      expect.arrayContaining([
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]),
    );
  });

  it("match may read and write items on the table and GSI1, start and stop executions of the state machine, put events on the bus and consume its queue", () => {
    const statements = statementsOf("match");
    expect(dynamoActions("match")).toEqual([
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
    const events = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("events:")));
    expect(events.flatMap(actionsOf)).toEqual(["events:PutEvents"]);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")));
    expect(dynamo.flatMap(resourcesOf)).toEqual([
      arnOf(stack.dataTable.table),
      { "Fn::Join": ["", [arnOf(stack.dataTable.table), `/index/${table.gsi1.indexName}`]] },
    ]);
    const states = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("states:")));
    expect(states.flatMap(actionsOf)).toEqual([
      "states:StartExecution",
      "states:StopExecution",
      "states:DescribeExecution",
    ]);
    expect(JSON.stringify(states.flatMap(resourcesOf))).toContain(
      `:execution:${stack.workflow.stateMachineName}:*`,
    );
    const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("sqs:")));
    expect(sqs.flatMap(resourcesOf)).toEqual([arnOf(stack.eventRouting.matchQueue)]);
    expect(sqs.flatMap(actionsOf)).toContain("sqs:DeleteMessage");
  });

  it("action may read, query (a run it ends lists its steps in doubt), write and delete items, start executions of the state machine, and send email from this account's identities through the configuration set", () => {
    expect(dynamoActions("action")).toEqual([
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
    const ses = statementsOf("action").filter((s) => actionsOf(s).some((a) => a.startsWith("ses:")));
    expect(ses.flatMap(actionsOf)).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
    const arn = (resource: unknown[]) => ({
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":ses:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          ...resource,
        ],
      ],
    });
    expect(ses.flatMap(resourcesOf)).toEqual([
      arn([":identity/*"]),
      arn([":configuration-set/", ref(stack.email.configurationSet)]),
    ]);
    // A timeout starts the run's end execution, a gate its run: StartExecution, nothing else.
    const states = statementsOf("action").filter((s) => actionsOf(s).some((a) => a.startsWith("states:")));
    expect(states.flatMap(actionsOf)).toEqual(["states:StartExecution"]);
    expect(states.flatMap(resourcesOf)).toEqual([stack.resolve(stack.workflow.stateMachineArn)]);
  });

  it("run-state may read and write items of the table, start executions of the state machine and describe them only", () => {
    expect(dynamoActions("run-state")).toEqual([
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
    const dynamo = statementsOf("run-state").filter((s) =>
      actionsOf(s).some((a) => a.startsWith("dynamodb:")),
    );
    expect(dynamo.flatMap(resourcesOf)).toEqual([arnOf(stack.dataTable.table)]);
    const states = statementsOf("run-state").filter((s) => actionsOf(s).some((a) => a.startsWith("states:")));
    // A timeout starts the run's end execution; a failed execution's input may be read back.
    expect(states.flatMap(actionsOf)).toEqual(["states:StartExecution", "states:DescribeExecution"]);
    expect(states.flatMap(resourcesOf)[0]).toEqual(stack.resolve(stack.workflow.stateMachineArn));
    expect(JSON.stringify(states.flatMap(resourcesOf)[1])).toContain(
      `:execution:${stack.workflow.stateMachineName}:*`,
    );
  });

  it("grants resource-based invoke only to API Gateway, and only on the HTTP functions", () => {
    const permissions = Object.values(template.findResources("AWS::Lambda::Permission"))
      .map((p) => p.Properties)
      // EventBridge invoking ses-feedback and run-state from their rules: test/infra/email-sending.test.ts
      // and failed-executions.test.ts.
      .filter((p) => p.Principal !== "events.amazonaws.com");
    for (const permission of permissions) {
      expect(permission.Principal).toBe("apigateway.amazonaws.com");
      expect([
        fnArn("health"),
        fnArn("ingest"),
        fnArn("inbox"),
        fnArn("admin"),
        fnArn("console"),
      ]).toContainEqual(permission.FunctionName);
    }
  });
});

describe("configuration", () => {
  it("refuses a function environment that differs from the contract", () => {
    expect(() => contractEnvironment("ingest", { [Env.tableName]: "t" })).toThrow(/missing EVENT_BUS_NAME/);
    expect(() => contractEnvironment("health", { [Env.tableName]: "t" })).toThrow(
      /not in the contract TABLE_NAME/,
    );
    expect(
      contractEnvironment("run-state", {
        [Env.tableName]: "t",
        [Env.stateMachineArn]: "a",
        [Env.timeScale]: "1",
      }),
    ).toEqual({ [Env.tableName]: "t", [Env.stateMachineArn]: "a", [Env.timeScale]: "1" });
  });

  it("reads stackName, timeScale and deletionProtection from context, with safe defaults", () => {
    expect(momentsStackConfig(new App().node)).toMatchObject({
      stackName: "Moments",
      props: { timeScale: "1", deletionProtection: true },
    });
    const custom = new App({
      context: { stackName: "MomentsDev", timeScale: "0.001", deletionProtection: "false" },
    });
    expect(momentsStackConfig(custom.node)).toMatchObject({
      stackName: "MomentsDev",
      props: { stackName: "MomentsDev", timeScale: "0.001", deletionProtection: false },
    });
    expect(() => momentsStackConfig(new App({ context: { timeScale: "0" } }).node)).toThrow(/timeScale/);
    expect(() => momentsStackConfig(new App({ context: { deletionProtection: "no" } }).node)).toThrow(
      /deletionProtection/,
    );
  });
});

describe("outputs", () => {
  it("exports the API URL, console URL, table name, event bus name and state machine ARN", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      "AdminKeySecretArn",
      "ApiUrl",
      "ConsoleUrl",
      "DeadLetterQueueUrl",
      "EventBusName",
      "MatchQueueArn",
      "StateMachineArn",
      "TableName",
    ]);
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual(ref(stack.eventRouting.deadLetterQueue));
    expect(outputs.TableName?.Value).toEqual(ref(stack.dataTable.table));
    expect(outputs.EventBusName?.Value).toEqual(ref(stack.eventRouting.bus));
    expect(outputs.StateMachineArn?.Value).toEqual(ref(stack.workflow.stateMachine));
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(logicalId(stack.httpApi.api));
  });
});

describe("alarms", () => {
  it("warns at 80 % of the account's 1,000,000 open executions (every in-flight run and pending gate holds one)", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/States",
      MetricName: "OpenExecutionCount",
      Statistic: "Maximum",
      Threshold: 800_000,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    const alarm = resourceProps(logicalId(stack.alarms.openExecutions));
    expect(alarm).not.toHaveProperty("Dimensions");
    expect(
      momentsStackConfig(new App({ context: { openExecutionQuota: "2000000" } }).node).props,
    ).toMatchObject({ openExecutionQuota: 2_000_000 });
    expect(() => momentsStackConfig(new App({ context: { openExecutionQuota: "lots" } }).node)).toThrow(
      /openExecutionQuota/,
    );
  });

  it("alarms on any message in the dead-letter queue and on any failed run execution", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [logicalId(stack.eventRouting.deadLetterQueue), "QueueName"] },
        },
      ],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 0,
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              MetricName: "ExecutionsFailed",
              Namespace: "AWS/States",
              Dimensions: [{ Name: "StateMachineArn", Value: ref(stack.workflow.stateMachine) }],
            },
          }),
        }),
      ]),
    });
  });
});

describe("first admin key", () => {
  it("asks the bootstrap function to create it once, into a retained secret it alone can write", () => {
    template.hasResourceProperties("Custom::MomentsFirstAdminKey", {
      ServiceToken: { "Fn::GetAtt": [logicalId(stack.functions.bootstrap.function), "Arn"] },
      SecretArn: ref(stack.firstAdminKey.secret),
      WorkspaceId: "default",
    });
    template.hasResource("AWS::SecretsManager::Secret", { DeletionPolicy: "RetainExceptOnCreate" });
    const policies = template.findResources("AWS::IAM::Policy");
    const writers = Object.values(policies).filter((policy) =>
      JSON.stringify(policy).includes("secretsmanager:PutSecretValue"),
    );
    expect(writers).toHaveLength(1);
    expect(JSON.stringify(writers[0])).toContain(logicalId(stack.functions.bootstrap.role));
  });
});

describe("deployable in any account", () => {
  it("gives each function at most one Lambda permission, scoped to the whole API, however many routes it serves", () => {
    const permissions = Object.values(template.findResources("AWS::Lambda::Permission"));
    for (const id of functionIds) {
      const own = permissions.filter(
        (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(fnArn(id)),
      );
      // The resource policy is capped at 20 KB: a statement per route (45 for admin) overflowed it.
      expect(own.length, id).toBeLessThanOrEqual(2);
      for (const permission of own.filter((p) => p.Properties.Principal === "apigateway.amazonaws.com")) {
        expect(JSON.stringify(permission.Properties.SourceArn), id).toContain("/*/*");
      }
    }
    const adminRoutes = routes.filter((route) => route.function === "admin").length;
    expect(adminRoutes).toBeGreaterThan(20);
  });

  it("names the API access log and the execution log groups under /aws/vendedlogs/", () => {
    for (const group of [stack.httpApi.accessLogGroup, stack.workflow.logGroup]) {
      expect(String(resourceProps(logicalId(group)).LogGroupName)).toMatch(/^\/aws\/vendedlogs\/Moments\//);
    }
  });

  it("leaves nothing behind when the first deploy fails: the table and the admin-key secret are kept except on a failed create", () => {
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; DeletionPolicy?: string; DependsOn?: string[]; Properties?: Record<string, unknown> }
    >;
    const tableId = logicalId(stack.dataTable.table);
    const secretId = logicalId(stack.firstAdminKey.secret);
    expect(resources[tableId]?.DeletionPolicy).toBe("RetainExceptOnCreate");
    expect(resources[secretId]?.DeletionPolicy).toBe("RetainExceptOnCreate");
    // Generated names: even a retained leftover could not collide with the next attempt's resources.
    expect(resources[tableId]?.Properties).not.toHaveProperty("TableName");
    expect(resources[secretId]?.Properties).not.toHaveProperty("Name");
    // A table protected from its first second cannot be deleted by that rollback (ROLLBACK_FAILED, and the
    // next deploy under the same name is blocked): the protection is applied by the LAST resource, which
    // depends on every other one, so a first deploy that fails anywhere rolls back before it.
    expect(JSON.stringify(resources[tableId]?.Properties)).not.toContain('"DeletionProtectionEnabled":true');
    const protectionId = logicalId(stack.tableProtection.resource);
    template.hasResourceProperties("Custom::MomentsTableProtection", {
      ServiceToken: { "Fn::GetAtt": [logicalId(stack.functions.bootstrap.function), "Arn"] },
      TableName: ref(stack.dataTable.table),
      DeletionProtection: "true",
      ServiceTimeout: "300",
    });
    const others = Object.keys(resources).filter(
      (id) => id !== protectionId && resources[id]?.Type !== "AWS::CDK::Metadata",
    );
    expect(new Set(resources[protectionId]?.DependsOn)).toEqual(new Set(others));
    // The bootstrap function may change that one setting of that one table.
    const statements = statementsOf("bootstrap").filter((statement) =>
      actionsOf(statement).includes("dynamodb:UpdateTable"),
    );
    expect(statements.flatMap(resourcesOf)).toEqual([arnOf(stack.dataTable.table)]);
  });

  it("fails the bootstrap resource after 5 minutes without an answer, not CloudFormation's hour", () => {
    template.hasResourceProperties("Custom::MomentsFirstAdminKey", { ServiceTimeout: "300" });
  });

  it("caps the action and run-state functions so their bursts leave concurrency for ingestion", () => {
    for (const id of functionIds) {
      const reserved = resourceProps(fnLogicalId(id)).ReservedConcurrentExecutions;
      expect(reserved, id).toBe(
        id === "action" || id === "run-state" ? DEFAULT_WORKFLOW_CONCURRENCY : undefined,
      );
    }
  });

  it("alarms on failed and timed-out run executions", () => {
    const alarm = resourceProps(logicalId(stack.alarms.failedRuns)) as {
      Metrics: { MetricStat?: { Metric: { MetricName: string } } }[];
    };
    const names = alarm.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    expect(names.sort()).toEqual(["ExecutionsFailed", "ExecutionsTimedOut"]);
  });
});

describe("publicBaseUrl", () => {
  it("builds unsubscribe links from the configured public URL instead of the API's generated one", async () => {
    for (const id of ["admin", "action"] as const) {
      const fnId = logicalId(custom.stack.functions[id].function);
      expect(
        custom.template.toJSON().Resources[fnId].Properties.Environment.Variables[Env.publicApiUrl],
        id,
      ).toBe("https://moments.example.com");
    }
  });

  it("refuses a URL that is not https", () => {
    expect(() =>
      momentsStackConfig(new App({ context: { publicBaseUrl: "http://x.example.com" } }).node),
    ).toThrow(/publicBaseUrl/);
  });
});
