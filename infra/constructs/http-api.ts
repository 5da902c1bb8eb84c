import { RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  type HttpFunctionId,
  type RouteAuth,
  type RouteDefinition,
  routeKey,
  routes,
} from "../../shared/contracts/routes.js";
import { vendedLogGroupName } from "./vended-logs.js";

/**
 * Default route throttling of the stage. It keeps one runaway client from using up the account's
 * Lambda concurrency and the table's on-demand spend; raise it for large deployments.
 */
export const DEFAULT_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

/** One line of JSON per request, using only variables HTTP APIs support. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  path: "$context.path",
  protocol: "$context.protocol",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integrationStatus",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  error: "$context.error.message",
});

const AUTH_NAMES: Record<RouteAuth, string> = {
  none: "no key",
  write_key: "a write key",
  admin_key: "an admin key",
};

export interface HttpApiProps {
  /** The function serving each kind of route of `shared/contracts/routes.ts`. */
  readonly handlers: Readonly<Record<HttpFunctionId, lambda.IFunction>>;
}

/** The HTTP API: one route per entry of the route table, each proxied to its function (payload v2). */
export class HttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  /** Routes by route key ("POST /v1/events"). */
  readonly routes = new Map<string, apigwv2.HttpRoute>();

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);

    this.api = new apigwv2.HttpApi(this, "Api", {
      description: "Moments API: event ingestion and configuration",
      // Created below, to configure access logging and throttling.
      createDefaultStage: false,
    });

    this.accessLogGroup = new logs.LogGroup(this, "AccessLogs", {
      // Under /aws/vendedlogs/: CloudWatch Logs then needs no resource-policy statement for the delivery,
      // whose 5,120-byte policy accounts with other vended deliveries would overflow.
      logGroupName: vendedLogGroupName(Stack.of(this), "api-access"),
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stage = new apigwv2.HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: DEFAULT_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    // One integration per function, shared by all of its routes, and one Lambda permission per function for
    // the whole API (`execute-api:<api>/*/*`), never one per route: a function's resource policy is capped at
    // 20 KB, which ~45 route-scoped statements reach. Any route added to the table gets this for free.
    const integrations = new Map<HttpFunctionId, HttpLambdaIntegration>();
    const integrationFor = (fn: HttpFunctionId) => {
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${fn}-integration`, props.handlers[fn], {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
          scopePermissionToRoute: false,
        });
        integrations.set(fn, integration);
      }
      return integration;
    };

    for (const route of routes as readonly RouteDefinition[]) {
      const httpRoute = new apigwv2.HttpRoute(this, routeConstructId(route), {
        httpApi: this.api,
        routeKey: apigwv2.HttpRouteKey.with(route.path, apigwv2.HttpMethod[route.method]),
        integration: integrationFor(route.function),
      });
      this.routes.set(routeKey(route), httpRoute);
      Validations.of(httpRoute).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          route.function === "console"
            ? `${routeKey(route)} is the console's public page, its assets or its sign-in exchange: it returns no ` +
              "workspace data; signing in checks the admin key against hashed keys in DynamoDB."
            : route.auth === "none"
              ? `${routeKey(route)} is deliberately public: a liveness probe that touches no dependency and returns only {"ok":true}.`
              : `${routeKey(route)} authenticates with ${AUTH_NAMES[route.auth]} checked inside the function ` +
                "against hashed keys in DynamoDB: the API's error contract needs our JSON envelope, and HTTP API " +
                "authorizers cannot customize their 401/403 response body.",
      });
    }
  }

  /** The invoke URL of the default stage. */
  get url(): string {
    return this.stage.url;
  }
}

/** "GET /v1/admin/moments/{id}" -> "GET-v1-admin-moments-id" (construct ids cannot contain "/"). */
export function routeConstructId(route: RouteDefinition): string {
  return `${route.method}${route.path.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "")}`;
}
