/** An HTTP API (payload 2.0) event as API Gateway hands it to a function, for unit tests of routes. */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { cookiesOf } from "../../infra/local/http-api.js";

export function httpApiEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; query?: Record<string, string>; body?: string } = {},
): APIGatewayProxyEventV2 {
  const routeKey = `${method} ${path}`;
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  // As API Gateway does: a Cookie header is not among the headers, its cookies come as `cookies`.
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== "cookie"),
  );
  const cookieHeader = Object.entries(options.headers ?? {}).find(
    ([name]) => name.toLowerCase() === "cookie",
  )?.[1];
  const cookies = cookieHeader === undefined ? undefined : cookiesOf(cookieHeader);
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "1.2.3.4", userAgent: "test" },
      requestId: "req-1",
      routeKey,
      stage: "$default",
      time: "21/Nov/2026:10:00:00 +0000",
      timeEpoch: 1_795_000_000_000,
    },
  };
}
