/**
 * The one HTTP wrapper every API function uses: routes by API Gateway route key, parses and bounds
 * the JSON body, and turns errors into the API's envelope `{ error: { code, message, details? } }`.
 * Known errors keep their status; anything else is logged and answered 500 with no internals.
 */
import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { SuccessBody } from "../contracts/api-docs.js";
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, MAX_REQUEST_BYTES, type RouteKey } from "../contracts/routes.js";
import {
  DomainError,
  type ErrorBody,
  errorBody,
  errorHeaders,
  PayloadTooLargeError,
  ValidationError,
} from "../domain/errors.js";
import type { Observability } from "../observability.js";

export interface HttpRequest {
  routeKey: string;
  path: Record<string, string>;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body (a form route's: its urlencoded fields); undefined when there is none. */
  body: unknown;
  /**
   * Why the body could not be read (400, 413, 415), for a route that answers that itself
   * (takesBodyErrors); `body` is then undefined. Every other route never runs for such a body.
   */
  bodyError?: DomainError;
}

/** An answer; `B`, its JSON body's type (routes type it with their documented schema: TypedRoutes). */
export interface HttpResponse<B = unknown> {
  statusCode: number;
  body?: B;
  /** A body sent as is instead of as JSON (an HTML page); `headers` give its content type. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export type RouteHandler<B = unknown> = (request: HttpRequest) => Promise<HttpResponse<B>>;

/** The error envelope a route may also answer with as a value (a browser route adds CORS headers). */
export type ErrorEnvelope = { error: ErrorBody };

/**
 * Routes of the table, each answering its documented success body (or an error envelope): a
 * handler's answer is checked against its OpenAPI response schema at compile time.
 */
export type TypedRoutes = { [K in RouteKey]?: RouteHandler<SuccessBody<K> | ErrorEnvelope> };

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export function json<B>(statusCode: number, body: B, headers?: Record<string, string>): HttpResponse<B> {
  return { statusCode, body, ...(headers ? { headers } : {}) };
}

/**
 * Routes that an HTML form or a mail provider posts to (the one-click unsubscribe, whose meaning is
 * all in its URL): an application/x-www-form-urlencoded body is parsed into its fields, any other
 * (multipart/form-data, which RFC 8058 prefers, or none) is left unparsed rather than refused, so a
 * provider's unusual POST still unsubscribes. Every other route still takes JSON only.
 */
const formRoutes = new WeakSet<RouteHandler>();

export function formRoute<B>(handler: RouteHandler<B>): RouteHandler<B> {
  formRoutes.add(handler);
  return handler;
}

/**
 * Routes that answer an unreadable body themselves (HttpRequest.bodyError): a browser route, which
 * must first learn the source from the key to answer an allowed page with CORS headers, without
 * which the page cannot read why its body was refused.
 */
const bodyErrorRoutes = new WeakSet<RouteHandler>();

export function takesBodyErrors<B>(handler: RouteHandler<B>): RouteHandler<B> {
  bodyErrorRoutes.add(handler);
  return handler;
}

/**
 * Ingestion routes, which analytics SDKs call: they take a JSON body under any content type the
 * SDKs send (application/json; text/plain from analytics.js, which avoids a CORS preflight;
 * application/x-www-form-urlencoded from RudderStack's axios, whose body is JSON all the same).
 */
const jsonishRoutes = new WeakSet<RouteHandler>();

export function jsonishRoute<B>(handler: RouteHandler<B>): RouteHandler<B> {
  jsonishRoutes.add(handler);
  return handler;
}

const JSON_TYPE = /^application\/(.+\+)?json\b/i;
const JSONISH_TYPE = /^(application\/(.+\+)?json|text\/plain|application\/x-www-form-urlencoded)\b/i;

class UnsupportedMediaTypeError extends DomainError {
  override readonly name = "UnsupportedMediaTypeError";
  readonly statusCode = 415;
  readonly code = "unsupported_media_type";
}

class RouteNotFoundError extends DomainError {
  override readonly name = "RouteNotFoundError";
  readonly statusCode = 404;
  readonly code = "not_found";
}

/**
 * The request's headers, names lower-cased, with its cookies as one `cookie` header. An HTTP API
 * (payload 2.0) takes the Cookie header out of `headers` and hands its cookies over as the
 * `cookies` array instead (one element per cookie), so a route reading `headers.cookie` (the
 * console's session) would find nothing on AWS without this.
 */
function requestHeaders(event: Pick<APIGatewayProxyEventV2, "headers" | "cookies">): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) result[name.toLowerCase()] = value;
  if (event.cookies && event.cookies.length > 0) result.cookie = event.cookies.join("; ");
  return result;
}

/** Deeper than any body the API defines (free-form values may nest 16 levels, inside a few more). */
const MAX_BODY_DEPTH = 64;

/** The deepest `{`/`[` nesting of a JSON text, outside strings; a linear scan, no recursion. */
export function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") deepest = Math.max(deepest, ++depth);
    else if (c === "}" || c === "]") depth--;
  }
  return deepest;
}

/**
 * The body as sent, decompressed when it says `Content-Encoding: gzip` or `deflate` (RudderStack's
 * SDK gzips by default). The size limit holds for the decompressed body too, and decompression stops
 * there: a small body that would inflate to gigabytes (a decompression bomb) is a 413, not an
 * exhausted Lambda.
 */
function decodedBody(raw: Buffer, encoding: string | undefined, ingestion: boolean): Buffer {
  // An ingestion body this large is over the batch's and the event's own limits: the answer names
  // them, as their own checks do for a body under this one.
  const tooLarge = () =>
    new PayloadTooLargeError(
      ingestion
        ? `This request is over ${MAX_REQUEST_BYTES / 1024} KB: a batch may be at most ${MAX_BATCH_BYTES / 1024} KB (split it into several requests), an event ${MAX_MESSAGE_BYTES / 1024} KB`
        : `A request body may be at most ${MAX_REQUEST_BYTES / 1024} KB`,
    );
  if (raw.byteLength > MAX_REQUEST_BYTES) throw tooLarge();
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === "identity") return raw;
  if (coding !== "gzip" && coding !== "deflate" && coding !== "x-gzip") {
    throw new UnsupportedMediaTypeError(
      `Content-Encoding ${coding.slice(0, 40)} is not supported: send gzip, deflate or none`,
    );
  }
  try {
    const options = { maxOutputLength: MAX_REQUEST_BYTES };
    return coding === "deflate" ? inflateEither(raw, options) : gunzipSync(raw, options);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError)
      throw tooLarge();
    throw new ValidationError(
      [{ path: "", message: `body is not valid ${coding} (${(error as Error).message})` }],
      `The request body is not valid ${coding}`,
    );
  }
}

/**
 * `deflate` is the zlib format (RFC 9110, 8.4.1.2), but some clients send a raw deflate stream under
 * that name (as browsers have long put up with in responses), which has no zlib header: read either,
 * told apart by the header (deflate method, a window of at most 32 KB, and the check bits RFC 1950
 * gives it), so each body is inflated once and a broken one is named by its own error.
 */
function inflateEither(raw: Buffer, options: { maxOutputLength: number }): Buffer {
  const [first = 0, second = 0] = raw;
  const zlibHeader = (first & 0x0f) === 8 && first >> 4 <= 7 && ((first << 8) | second) % 31 === 0;
  return zlibHeader ? inflateSync(raw, options) : inflateRawSync(raw, options);
}

function parseBody(
  event: APIGatewayProxyEventV2,
  headers: Record<string, string>,
  kind: "json" | "form" | "jsonish",
): unknown {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const raw = decodedBody(
    event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8"),
    headers["content-encoding"],
    kind === "jsonish",
  );
  const contentType = headers["content-type"];
  if (kind === "form") {
    return contentType === undefined || /^application\/x-www-form-urlencoded\b/i.test(contentType)
      ? Object.fromEntries(new URLSearchParams(raw.toString("utf8")))
      : undefined;
  }
  if (contentType && !(kind === "jsonish" ? JSONISH_TYPE : JSON_TYPE).test(contentType)) {
    throw new UnsupportedMediaTypeError(
      kind === "jsonish"
        ? "Send the body as JSON, with Content-Type application/json (text/plain or application/x-www-form-urlencoded holding JSON are taken too, as browsers' beacons send)"
        : "Send the body as JSON with Content-Type: application/json",
    );
  }
  const text = raw.toString("utf8");
  // Checked before parsing: a body nested thousands of levels deep overflows the stack of every
  // recursive walk after it (validation, JSON.stringify), which would surface as a 500.
  if (nestingDepth(text) > MAX_BODY_DEPTH) {
    throw new ValidationError([{ path: "", message: `body nests more than ${MAX_BODY_DEPTH} levels deep` }]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      [
        {
          path: "",
          message: `body is not valid JSON (${error instanceof Error ? error.message : "parse error"})`,
        },
      ],
      "The request body is not valid JSON",
    );
  }
}

function toResponse(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  const body = response.rawBody ?? (response.body === undefined ? undefined : JSON.stringify(response.body));
  return {
    statusCode: response.statusCode,
    headers: { ...JSON_HEADERS, ...response.headers },
    ...(body === undefined ? {} : { body }),
  };
}

export function errorResponse(error: unknown, obs: Observability): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    if (error.statusCode >= 500)
      obs.logger.warn("Request not accepted", { error: error.message, cause: error.cause });
    return toResponse(json(error.statusCode, { error: errorBody(error) }, errorHeaders(error)));
  }
  obs.logger.error("Unhandled error", error as Error);
  obs.metrics.addMetric("UnhandledError", "Count", 1);
  return toResponse(json(500, { error: { code: "internal_error", message: "Internal error" } }));
}

/** Longer than any id the API hands out (account ids, the longest, are at most 256 characters). */
const MAX_PATH_PARAMETER_LENGTH = 512;

export function httpHandler(routes: Partial<Record<string, RouteHandler>>, obs: Observability) {
  // Errors by class: the API's health at a glance. Requests themselves are not counted here: API
  // Gateway's own Count metric (AWS/ApiGateway, free) has them, and an EMF line per request (about
  // 200 bytes, every ingest request) was a third of ingestion's log bytes.
  const count = (response: APIGatewayProxyStructuredResultV2) => {
    const status = response.statusCode ?? 200;
    if (status >= 500) obs.metrics.addMetric("HttpServerError", "Count", 1);
    else if (status >= 400) obs.metrics.addMetric("HttpClientError", "Count", 1);
    return response;
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(obs.middlewares())
    .handler(async (event) => {
      try {
        const route = routes[event.routeKey];
        if (!route) throw new RouteNotFoundError(`No route ${event.routeKey}`);
        // No object has an id this long (ids are at most 256 characters): answering here keeps a
        // key DynamoDB would refuse (over 2 KB) from becoming a 500.
        if (
          Object.values(event.pathParameters ?? {}).some(
            (value) => (value?.length ?? 0) > MAX_PATH_PARAMETER_LENGTH,
          )
        )
          throw new RouteNotFoundError("Not found");
        const headers = requestHeaders(event);
        let body: unknown;
        let bodyError: DomainError | undefined;
        try {
          body = parseBody(
            event,
            headers,
            formRoutes.has(route) ? "form" : jsonishRoutes.has(route) ? "jsonish" : "json",
          );
        } catch (error) {
          if (!(error instanceof DomainError && bodyErrorRoutes.has(route))) throw error;
          bodyError = error;
        }
        const request: HttpRequest = {
          routeKey: event.routeKey,
          path: Object.fromEntries(
            Object.entries(event.pathParameters ?? {}).filter(
              (e): e is [string, string] => e[1] !== undefined,
            ),
          ),
          query: Object.fromEntries(
            Object.entries(event.queryStringParameters ?? {}).filter(
              (e): e is [string, string] => e[1] !== undefined,
            ),
          ),
          headers,
          body,
          ...(bodyError ? { bodyError } : {}),
        };
        return count(toResponse(await route(request)));
      } catch (error) {
        return count(errorResponse(error, obs));
      }
    });
}
