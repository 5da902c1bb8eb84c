/**
 * A local stand-in for the HTTP API: serves the same route table the CDK app deploys and invokes the
 * same handlers with API Gateway payload format 2.0 events.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { functionTimeoutSeconds } from "../../shared/contracts/functions.js";
import {
  API_GATEWAY_MAX_BODY_BYTES,
  type HttpFunctionId,
  type RouteDefinition,
  routeKey,
} from "../../shared/contracts/routes.js";
import { checkResponseQuota, type LambdaHandler, lambdaContext, overRequestQuota } from "./lambda-context.js";

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  params: string[];
}

function compile(route: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const match = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!match?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      params.push(match[1]);
      // `{name+}` (a greedy parameter, last segment only) takes the rest of the path.
      return match[2] ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`), params };
}

/** How long stop() lets requests in progress finish. */
const STOP_GRACE_MS = 1_000;

export interface LocalHttpApiOptions {
  routes: readonly RouteDefinition[];
  handlers: Record<
    HttpFunctionId,
    // Any JSON value: an answer without a statusCode is inferred (see inferredResponse).
    LambdaHandler<APIGatewayProxyEventV2, unknown>
  >;
  host: string;
  port: number;
  region: string;
  accountId: string;
  onLog?: (entry: Record<string, unknown>) => void;
  /**
   * Until this settles, every request (GET /health included) is a 503: the server listens early (its URL is
   * part of the functions' environment) but is only ready once the stack behind it is, seeded admin key included.
   */
  ready?: Promise<unknown>;
}

export interface LocalHttpApi {
  url: string;
  server: Server;
  /**
   * A one-shot fault (a seam for tests): the next request to `path` (not a CORS preflight) is processed as usual, then
   * answered `status` instead of the function's answer, as when a response is lost after the work
   * was done (a Lambda timeout, a dropped connection). A client that retries must not cause the
   * work twice.
   */
  failNextResponse(path: string, status?: number): void;
  stop(): Promise<void>;
}

/**
 * Whether API Gateway hands the body to the function base64-encoded: HTTP APIs do so for a body
 * that is not text, which includes any body with a Content-Encoding (a gzip body is binary).
 */
function isBinaryBody(headers: Record<string, string>): boolean {
  const encoding = headers["content-encoding"];
  if (encoding && encoding.toLowerCase() !== "identity") return true;
  const type = headers["content-type"];
  if (!type) return false;
  return !/^(text\/|application\/((.+\+)?json|xml|javascript|x-www-form-urlencoded)\b)/i.test(type);
}

/** A Cookie header's cookies, one "name=value" each (Node joins repeated Cookie headers with "; "). */
export function cookiesOf(header: string): string[] {
  return header
    .split(";")
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie.length > 0);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `requestContext.time` as API Gateway writes it: "07/Dec/2026:13:05:09 +0000". */
export function requestTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}

/**
 * The response an HTTP API (payload 2.0) makes of a function's answer, as the JSON Lambda carries it.
 * An object with a `statusCode` is the response itself; anything else is "format inference": "API
 * Gateway makes the following assumptions if your Lambda function returns valid JSON and doesn't
 * return a statusCode: isBase64Encoded is false, statusCode is 200, content-type is application/json,
 * body is the function's response" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.v2):
 * an object's JSON, and a string as it is (the guide's "Hello from Lambda!" example; AWS's own Lambda
 * test tool unwraps it too, where a function URL would send it quoted). A response the gateway cannot
 * read (a statusCode that is not an integer, a body that is not a string) is an integration failure.
 */
function inferredResponse(answer: unknown): APIGatewayProxyStructuredResultV2 {
  // What our handlers answer, already in the shape the JSON round trip would give: as it is.
  const plain = answer as APIGatewayProxyStructuredResultV2 | null;
  if (
    typeof plain === "object" &&
    plain !== null &&
    Number.isInteger(plain.statusCode) &&
    (plain.body === undefined || typeof plain.body === "string")
  )
    return plain;
  // Anything else as Lambda carries it: JSON (a Date becomes a string, an undefined field goes).
  // Lambda's Node.js runtime answers `null` for a handler that resolved to undefined.
  const payload: unknown = JSON.parse(JSON.stringify(answer) ?? "null");
  if (typeof payload === "object" && payload !== null && !Array.isArray(payload) && "statusCode" in payload) {
    const response = payload as { statusCode: unknown; body?: unknown };
    if (
      !Number.isInteger(response.statusCode) ||
      (response.body !== undefined && typeof response.body !== "string")
    )
      throw new Error("The function's answer has a statusCode but is not a response API Gateway can read");
    return payload as APIGatewayProxyStructuredResultV2;
  }
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  };
}

/**
 * What an HTTP API answers when Lambda refuses the invoke as too large (a body of 6 to 10 MB reaches no
 * function), as AWS's API Gateway emulator in its Lambda test tool answers (aws/aws-lambda-dotnet,
 * Tools/LambdaTestTool-v2, ToHttpApiV2RequestTooLargeResponse); not confirmed on a live HTTP API. The
 * gateway's own 10 MB refusal says the same here.
 */
const REQUEST_TOO_LARGE_BODY = JSON.stringify({ message: "Request Entity Too Large" });

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too_large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > API_GATEWAY_MAX_BODY_BYTES) return "too_large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startLocalHttpApi(options: LocalHttpApiOptions): Promise<LocalHttpApi> {
  // As API Gateway: a route without a greedy parameter wins over one with it.
  const compiled = [...options.routes]
    .sort((a, b) => Number(a.path.includes("+}")) - Number(b.path.includes("+}")))
    .map(compile);
  let ready = options.ready === undefined;
  options.ready?.then(
    () => {
      ready = true;
    },
    () => undefined,
  );
  const faults = new Map<string, number>();
  const server = createServer(async (req, res) => {
    if (!ready) {
      req.resume();
      return send(res, 503, JSON.stringify({ message: "Service Unavailable" }), { "retry-after": "1" });
    }
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const method = (req.method ?? "GET").toUpperCase();
      // Like API Gateway, decode the path before routing: "%2F" is a "/" (so `a%2Fb` is two segments and
      // matches no `{id}` route), "%3F", "%23" and "%25" are a "?", "#" and "%" inside the segment, and a
      // malformed escape ("%", "%zz") is the client's error. The function gets the decoded path too, in
      // `rawPath` as in the path parameters: "API Gateway decodes URL-encoded request parameters before
      // passing them to your backend integration"
      // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html), and
      // events captured on AWS show `rawPath` decoded ("/a%2Fb" arrives as "/a/b": fastify/aws-lambda-fastify#169,
      // honojs/hono#2156), unlike a function URL's or a REST API's, which keep the escapes.
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return send(res, 400, JSON.stringify({ message: "Bad Request" }));
      }
      const find = (candidatePath: string) => {
        for (const candidate of compiled) {
          const m = candidate.pattern.exec(candidatePath);
          if (m && candidate.route.method === method) return { route: candidate, values: m.slice(1) };
        }
        return undefined;
      };
      // Like API Gateway's HTTP APIs, a trailing slash does not make a path unknown: "/console/"
      // reaches the "/console" route (rawPath keeps the slash).
      const matched = find(path) ?? (/.\/+$/.test(path) ? find(path.replace(/\/+$/, "")) : undefined);
      if (!matched) return send(res, 404, JSON.stringify({ message: "Not Found" }));
      const body = await readBody(req);
      if (body === "too_large") return send(res, 413, REQUEST_TOO_LARGE_BODY);
      const { route } = matched.route;
      // As an HTTP API (payload 2.0) does: the Cookie header is not among the headers, its cookies
      // come as the `cookies` array, one element per cookie.
      const headers: Record<string, string> = {};
      const cookies: string[] = [];
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        const joined = Array.isArray(value) ? value.join(",") : value;
        if (name.toLowerCase() === "cookie") cookies.push(...cookiesOf(joined));
        else headers[name.toLowerCase()] = joined;
      }
      const query: Record<string, string> = {};
      for (const [name, value] of url.searchParams)
        query[name] = name in query ? `${query[name]},${value}` : value;
      const pathParameters = Object.fromEntries(
        matched.route.params.map((name, i) => [name, matched.values[i] ?? ""]),
      );
      const now = new Date();
      const key = routeKey(route);
      const event: APIGatewayProxyEventV2 = {
        version: "2.0",
        routeKey: key,
        rawPath: path,
        rawQueryString: url.search.slice(1),
        ...(cookies.length > 0 ? { cookies } : {}),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        ...(matched.route.params.length > 0 ? { pathParameters } : {}),
        requestContext: {
          accountId: options.accountId,
          apiId: "local",
          domainName: headers.host ?? "localhost",
          domainPrefix: "local",
          http: {
            method,
            path,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
            userAgent: headers["user-agent"] ?? "",
          },
          requestId: randomUUID(),
          routeKey: key,
          stage: "$default",
          time: requestTime(now),
          timeEpoch: now.getTime(),
        },
        ...(body.byteLength > 0
          ? { body: isBinaryBody(headers) ? body.toString("base64") : body.toString("utf8") }
          : {}),
        isBase64Encoded: body.byteLength > 0 && isBinaryBody(headers),
      };
      const handler = options.handlers[route.function];
      const context = lambdaContext(
        `moments-${route.function}`,
        options.region,
        options.accountId,
        functionTimeoutSeconds[route.function] * 1000,
      );
      if (overRequestQuota(event)) {
        options.onLog?.({ level: "WARN", message: "Lambda refused the invocation: the event is over 6 MB" });
        return send(res, 413, REQUEST_TOO_LARGE_BODY);
      }
      const result = await handler(event, context);
      checkResponseQuota(result);
      // A preflight does no work whose answer could be lost: the fault waits for the request itself.
      const fault = method === "OPTIONS" ? undefined : faults.get(url.pathname);
      if (fault !== undefined) {
        faults.delete(url.pathname);
        return send(res, fault, JSON.stringify({ message: "Service Unavailable" }));
      }
      const response = inferredResponse(result);
      const responseBody = response.body ?? "";
      const headersOut = Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      send(
        res,
        response.statusCode ?? 200,
        response.isBase64Encoded ? Buffer.from(responseBody, "base64").toString() : responseBody,
        headersOut,
      );
    } catch (error) {
      // What API Gateway answers when the integration itself fails, a function error included (an
      // answer over Lambda's response quota is one): "{"message":"Internal Server Error"}"
      // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html).
      options.onLog?.({ level: "ERROR", message: "Handler failed", error: String(error) });
      // A response that failed once begun is cut, as a connection would be, never left hanging.
      if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
      else send(res, 500, JSON.stringify({ message: "Internal Server Error" }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    failNextResponse: (path, status = 503) => faults.set(path, status),
    // New connections are refused at once; requests in progress get a moment to be answered (an
    // event being accepted is answered 202, not cut off), then every connection is closed.
    stop: () =>
      new Promise<void>((resolve) => {
        const cutOff = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
        server.close(() => {
          clearTimeout(cutOff);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
