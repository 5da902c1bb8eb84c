import type { StepOutcome } from "../../contracts/workflow.js";
import {
  type Action,
  BODYLESS_WEBHOOK_METHODS,
  RESERVED_WEBHOOK_HEADERS,
  WEBHOOK_TEST_HEADER,
} from "../../domain/actions.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../domain/delivery-errors.js";
import { type BlockedCategory, blockedAddressReason } from "../../domain/network-policy.js";
import { isWebhookSigningSecret } from "../../domain/secrets.js";
import {
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  webhookMessageId,
  webhookSignatureHeaders,
  webhookTimestamp,
} from "../../domain/webhook-signature.js";
import type { IntegrationReader } from "../../ports/integrations.js";
import type { ActionPerformer } from "./action.js";

/** One request as the guarded HTTP client sends it (the port send_webhook performs through). */
export interface OutgoingRequest {
  method: string;
  url: URL;
  /** Sent on every hop, wherever a redirect leads: nothing secret. */
  headers: Record<string, string>;
  body?: string;
  /**
   * Headers for the original target only (its host, or that host upgraded to https), computed for
   * each hop's method and body: the admin's headers (credentials, often) and the signature. A
   * redirect to anywhere else gets none of them.
   */
  targetHeaders?: (hop: { method: string; body: string }) => Record<string, string>;
}

/** What became of a request: a response, an address the policy refused, or no response at all. */
export type HttpExchange =
  | {
      kind: "response";
      status: number;
      /** The first bytes of the body (bounded), as text. */
      body: string;
      retryAfter?: string;
      redirects: number;
      /** Why a 3xx response was not followed. */
      unfollowed?: "redirect_limit" | "bad_location";
    }
  | { kind: "blocked"; host: string; address: string; category: BlockedCategory; redirects: number }
  | {
      kind: "failed";
      host: string;
      /** Safe to record: no URL, no header. */
      reason: string;
      /** False for failures a retry minutes later cannot fix (a rejected TLS certificate). */
      retryable: boolean;
    };

export interface OutgoingHttp {
  send(request: OutgoingRequest): Promise<HttpExchange>;
}

export interface WebhookDeps {
  integrations: IntegrationReader;
  http: OutgoingHttp;
  /** The time of each attempt: `webhook-timestamp` is fresh on every one. */
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Longest 429 Retry-After waited inline (once). The action function has 30 s and an attempt may
   * take 10 s, so two attempts and this wait must fit; a longer one is the state machine's backoff.
   */
  maxInlineRetryAfterMs?: number;
}

type SendWebhook = Extract<Action, { type: "send_webhook" }>;

const WEBHOOK_USER_AGENT = "Moments-Webhooks/1";
/** Marks a test send from the config API, so a receiver can tell it from a real one. */

/** Admin headers that may follow a redirect anywhere: they describe the request, they grant nothing. */
const PUBLIC_HEADERS = new Set(["user-agent", "content-type", "accept"]);
/** Shown as "(hidden)" in a dry run's preview, which admins paste into tickets and chats. */
const CREDENTIAL_HEADER = /auth|cookie|token|secret|key|password|signature|session|credential/i;
/** Field values HTTP allows (RFC 9110: VCHAR, obs-text, SP, HTAB); Node throws on anything else. */
const VALID_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_URL_LENGTH = 8 * 1024;
const ERROR_TEXT_LENGTH = 200;

/**
 * send_webhook: the URL, headers and body rendered (each escaped for where it goes), signed with
 * Standard Webhooks headers when the step names a webhook integration, and sent through a client
 * that refuses private, loopback, link-local and metadata addresses at connect time and after each
 * redirect. `webhook-id` is the same on every retry, so a receiver that dedupes on it acts once:
 * that is what makes retrying after a timeout (outcome unknown) safe here, unlike Slack or Attio.
 */
export function webhookPerformer(deps: WebhookDeps): ActionPerformer<SendWebhook> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxInlineRetryAfterMs = deps.maxInlineRetryAfterMs ?? 5_000;

  return async (ctx, action) => {
    const { render } = ctx;
    // Everything is rendered before anything is checked: a missing value under `onMissing: skip`
    // or `fail` stops the step the same way whatever else is wrong.
    const renderedUrl = render(action.url, "url").trim();
    const userHeaders = Object.entries(action.headers ?? {}).map(
      ([name, template]) => [name, render(template, "header").trim()] as const,
    );
    const userContentType = userHeaders.find(([name]) => name.toLowerCase() === "content-type")?.[1];
    const template = action.body === undefined || action.body === "" ? undefined : action.body;
    const bodyMode = template === undefined ? "text" : bodyRenderMode(template, userContentType);
    const body = template === undefined ? undefined : render(template, bodyMode);

    const url = targetUrl(renderedUrl);
    if (typeof url === "string") return { status: "failed", reason: url };
    for (const [name, value] of userHeaders) {
      if (RESERVED_WEBHOOK_HEADERS.has(name.toLowerCase()))
        return {
          status: "failed",
          reason: `reserved_header: "${name}" is set by Moments and cannot be overridden`,
        };
      if (!VALID_HEADER_VALUE.test(value))
        return {
          status: "failed",
          reason: `invalid_header: the value of "${name}" has characters HTTP forbids`,
        };
    }
    if (body !== undefined && BODYLESS_WEBHOOK_METHODS.has(action.method))
      return { status: "failed", reason: `body_not_allowed: a ${action.method} request carries no body` };
    if (body !== undefined && Buffer.byteLength(body) > MAX_BODY_BYTES)
      return {
        status: "failed",
        reason: `body_too_large: the rendered body exceeds ${MAX_BODY_BYTES / 1024} KB`,
      };
    const parsesAsJson = body !== undefined && isJson(body);
    if (body !== undefined && bodyMode === "json" && !parsesAsJson)
      return { status: "failed", reason: "invalid_body: the rendered body is not valid JSON" };

    let secret: string | undefined;
    if (action.integrationId !== undefined) {
      const integration = await deps.integrations.getIntegration(ctx.run.workspaceId, action.integrationId);
      if (!integration)
        return {
          status: "failed",
          reason: `integration_missing: integration "${action.integrationId}" no longer exists`,
        };
      if (integration.kind !== "webhook")
        return {
          status: "failed",
          reason: `integration_missing: integration "${action.integrationId}" is a ${integration.kind} integration, not a webhook one`,
        };
      if (!isWebhookSigningSecret(integration.signingSecret))
        return { status: "failed", reason: "integration_invalid: the signing secret is not a whsec_ secret" };
      secret = integration.signingSecret;
    }

    const webhookId = webhookMessageId(ctx.idempotencyKey);
    // Built from entries, never `headers[name] = value`: a header may be named `__proto__`.
    const isPublic = (name: string) => PUBLIC_HEADERS.has(name.toLowerCase());
    const headers: Record<string, string> = {
      "user-agent": WEBHOOK_USER_AGENT,
      ...Object.fromEntries(
        userHeaders.filter(([name]) => isPublic(name)).map(([name, value]) => [name.toLowerCase(), value]),
      ),
    };
    const targetOnly = Object.fromEntries(userHeaders.filter(([name]) => !isPublic(name)));
    if (body !== undefined && userContentType === undefined)
      headers["content-type"] = parsesAsJson ? "application/json" : "text/plain; charset=utf-8";
    headers[WEBHOOK_ID_HEADER] = webhookId;
    if (ctx.test) headers[WEBHOOK_TEST_HEADER] = "true";

    const request: OutgoingRequest = {
      method: action.method,
      url,
      headers,
      ...(body !== undefined ? { body } : {}),
      // Signed per hop: the timestamp is fresh on every attempt, and a 303 that turns the request
      // into a bodiless GET is signed for the body it actually carries.
      targetHeaders: (hop) => ({
        ...targetOnly,
        ...(secret !== undefined
          ? webhookSignatureHeaders(secret, webhookId, deps.now(), hop.body)
          : { [WEBHOOK_TIMESTAMP_HEADER]: webhookTimestamp(deps.now()) }),
      }),
    };

    // Values a receiver might echo into its error body, which becomes the step's reason (and a log
    // line): the admin's own headers (whatever their names) and the URL's path segments and query
    // values, which often carry a key ("Cannot POST /hooks/<secret>"). Signatures are recognised
    // by their shape.
    const credentials = echoable(Object.values(targetOnly), url);

    return {
      preview: {
        method: action.method,
        url: url.href,
        headers: previewHeaders(headers, targetOnly, secret !== undefined),
        ...(body !== undefined ? { body } : {}),
      },
      perform: async (): Promise<StepOutcome> => {
        for (let attempt = 0; ; attempt++) {
          const exchange = await deps.http.send(request);
          const waitMs = inlineRetryWait(exchange, attempt, deps.now(), maxInlineRetryAfterMs);
          if (waitMs !== undefined) {
            await sleep(waitMs);
            continue;
          }
          return outcomeOf(exchange, webhookId, credentials);
        }
      },
    };
  };
}

/**
 * How the body's values are escaped: as JSON string content in a JSON body (so a value cannot
 * break out of its string), percent-encoded in a form body, as they are otherwise. A body looks
 * like JSON when it opens an object or an array; `{event.payload}` alone is a placeholder.
 */
function bodyRenderMode(template: string, contentType: string | undefined): "json" | "form" | "text" {
  if (contentType !== undefined) {
    const type = contentType.toLowerCase();
    if (/[/+]json\b/.test(type)) return "json";
    if (type.startsWith("application/x-www-form-urlencoded")) return "form";
    return "text";
  }
  return /^\s*(?:\[|\{\s*["}])/.test(template) ? "json" : "text";
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The rendered URL, parsed and checked (values were percent-encoded), or the failure reason. */
function targetUrl(rendered: string): URL | string {
  if (rendered.length > MAX_URL_LENGTH)
    return `invalid_url: the rendered URL is longer than ${MAX_URL_LENGTH} characters`;
  // The URL parser would resolve "." and ".." segments (also as %2e) away: the request would go to
  // another path than the one written. The renderer refuses a value that is such a segment; this
  // also catches one made of two placeholders side by side.
  const path = rendered.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").split(/[?#]/)[0] ?? "";
  if (path.split("/").some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)))
    return 'unsafe_value: the rendered URL has a dot segment ("." or ".."), which would change its path';
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    return "invalid_url: the rendered URL is not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "invalid_url: the rendered URL is not an http(s) URL";
  // Node would not send them anyway; refusing says where credentials belong.
  if (url.username !== "" || url.password !== "")
    return "invalid_url: credentials in the URL are not sent; use an Authorization header";
  return url;
}

function previewHeaders(
  headers: Record<string, string>,
  targetOnly: Record<string, string>,
  signed: boolean,
): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(targetOnly).map(([name, value]) => [
        name,
        CREDENTIAL_HEADER.test(name) ? "(hidden)" : value,
      ]),
    ),
    ...headers,
    [WEBHOOK_TIMESTAMP_HEADER]: "(set at send time)",
    ...(signed ? { [WEBHOOK_SIGNATURE_HEADER]: "(signed at send time)" } : {}),
  };
}

/** A 429 whose Retry-After is short is waited out once, inline; anything else is decided now. */
function inlineRetryWait(
  exchange: HttpExchange,
  attempt: number,
  now: Date,
  maxMs: number,
): number | undefined {
  // maxMs 0 (a test send): no second attempt at all, even for a Retry-After of 0 or one already past.
  if (maxMs <= 0 || exchange.kind !== "response" || exchange.status !== 429 || attempt > 0) return undefined;
  const waitMs = retryAfterMs(exchange.retryAfter, now);
  return waitMs !== undefined && waitMs <= maxMs ? waitMs : undefined;
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/**
 * Standard Webhooks retry policy: 2xx is delivered; network errors, 408, 429 and 5xx are retried
 * (receivers dedupe on webhook-id); other 4xx and unfollowed 3xx fail for good, as does an address
 * the policy refuses (retrying cannot change where a URL points).
 */
function outcomeOf(exchange: HttpExchange, webhookId: string, credentials: readonly string[]): StepOutcome {
  switch (exchange.kind) {
    case "blocked": {
      const after = exchange.redirects > 0 ? ` (after ${plural(exchange.redirects, "redirect")})` : "";
      throw new PermanentDeliveryError(
        `${blockedAddressReason(exchange.host, exchange.address, exchange.category)}${after}`,
      );
    }
    case "failed": {
      const message = `webhook: ${exchange.host}: ${exchange.reason}`;
      throw exchange.retryable ? new TransientDeliveryError(message) : new PermanentDeliveryError(message);
    }
    case "response":
      break;
  }
  const { status } = exchange;
  if (status >= 200 && status < 300)
    return { status: "executed", detail: { status: String(status), webhookId } };
  const text = errorText(exchange.body, credentials);
  const message = `webhook: HTTP ${status}${text ? `: ${text}` : ""}`;
  if (status === 408 || status === 429 || status >= 500) throw new TransientDeliveryError(message);
  if (exchange.unfollowed === "redirect_limit")
    throw new PermanentDeliveryError(
      `webhook: HTTP ${status}: too many redirects (${exchange.redirects} followed)`,
    );
  if (exchange.unfollowed === "bad_location")
    throw new PermanentDeliveryError(
      `webhook: HTTP ${status}: redirect to a location that is not an http(s) URL`,
    );
  throw new PermanentDeliveryError(message);
}

/** Redacting anything shorter would blank out ordinary words of the error text. */
const MIN_REDACTED_LENGTH = 8;

/** Header values (whole, and each space-separated part: "Bearer <token>"), path segments, query values. */
function echoable(headerValues: readonly string[], url: URL): string[] {
  const parts = new Set<string>();
  const add = (value: string) => {
    if (value.length >= MIN_REDACTED_LENGTH) parts.add(value);
  };
  for (const value of headerValues) {
    add(value);
    for (const part of value.split(/\s+/)) add(part);
  }
  for (const segment of url.pathname.split("/")) {
    add(segment);
    add(safeDecode(segment));
  }
  for (const value of url.searchParams.values()) {
    add(value);
    add(encodeURIComponent(value));
  }
  // Longest first, so a whole value is replaced before a part of it.
  return [...parts].sort((a, b) => b.length - a.length);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Standard Webhooks signatures as a receiver may echo them: `v1,` and the base64 HMAC, possibly with
 * JSON-escaped slashes. Not a secret on its own, but nothing of the request's authentication belongs
 * in a step record.
 */
const ECHOED_SIGNATURE = /v1,(?:[A-Za-z0-9+=]|\\?\/){20,}/g;

/**
 * The receiver's error text as a one-line, bounded reason: the step's credentials and any signature
 * it echoes are redacted (before bounding, so a cut cannot leave a recognisable prefix), control
 * characters become spaces.
 */
function errorText(body: string, credentials: readonly string[] = []): string {
  let text = body;
  for (const value of credentials) text = text.split(value).join("[redacted]");
  text = text.replace(ECHOED_SIGNATURE, "v1,[redacted]");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return line.length > ERROR_TEXT_LENGTH ? `${line.slice(0, ERROR_TEXT_LENGTH)}…` : line;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;
