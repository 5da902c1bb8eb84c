import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../domain/delivery-errors.js";
import { UpstreamError } from "../domain/upstream-error.js";
import {
  SLACK_MARKER_EVENT_TYPE,
  type SlackApi,
  type SlackChannel,
  type SlackMarker,
  type SlackMessage,
  type SlackMessageLookup,
  type SlackMessenger,
  type SlackUserLookup,
} from "../ports/integrations.js";
import {
  exchange,
  type HttpAnswer,
  HttpExchangeError,
  type HttpExchangeRequest,
  retryAfterMs,
  waitsInline,
} from "./http-exchange.js";

/** Slack's Web API in production (SLACK_API_BASE_URL overrides it). */
export const DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api";

export interface SlackClientOptions {
  /** Web API base, `https://slack.com/api` in production; tests point it at a local fake. */
  baseUrl: string;
  /** Most pages of channels read per listing (Slack returns up to 200 each). */
  maxPages?: number;
  /**
   * Where incoming-webhook URLs are sent instead of their own origin (their path is kept): an
   * egress proxy, or a local fake in tests. Absent: the stored URL as is.
   */
  webhookBaseUrl?: string | undefined;
  /** Per request for reads (channel listings, user lookups). */
  requestTimeoutMs?: number;
  /**
   * Per message post (chat.postMessage, incoming webhooks). Past it the post may or may not have
   * happened, so it is generous: a false `outcome_unknown` fails a step for good.
   */
  postTimeoutMs?: number;
  /**
   * Longest Retry-After honoured (once per request). The admin function has 15 s in all, so a
   * longer wait is answered as an error telling the caller when to retry instead; the action
   * function leaves longer waits to the state machine's backoff. 0: no second attempt at all, not
   * even after `Retry-After: 0` (a second attempt costs a timeout of its own).
   */
  maxRetryAfterMs?: number;
  /** Whole listing: pages stop (and the result says `truncated`) once this is spent. */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const PAGE_SIZE = 200;

interface ConversationsListResponse {
  ok?: boolean;
  error?: string;
  channels?: Array<{ id?: unknown; name?: unknown; is_member?: unknown }>;
  response_metadata?: { next_cursor?: string };
}

/**
 * Slack's Web API and incoming webhooks over plain HTTP (no SDK: a few calls do not justify one in
 * the bundle). The token travels only in the Authorization header, never in a URL, so it cannot end
 * up in a log line; a webhook URL (itself the secret) never appears in an error.
 */
export class HttpSlackClient implements SlackApi, SlackMessenger {
  private readonly baseUrl: string;
  private readonly webhookBaseUrl: string | undefined;
  private readonly maxPages: number;
  private readonly requestTimeoutMs: number;
  private readonly postTimeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly budgetMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: SlackClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.webhookBaseUrl = options.webhookBaseUrl?.replace(/\/+$/, "") || undefined;
    // A misconfigured override fails the cold start, not every Slack step later (as a retried error).
    if (this.webhookBaseUrl !== undefined && !/^https?:\/\/[^/]/i.test(this.webhookBaseUrl)) {
      throw new Error("The Slack webhook base URL must be an absolute http(s) URL");
    }
    this.maxPages = options.maxPages ?? 10;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 4_000;
    this.postTimeoutMs = options.postTimeoutMs ?? 8_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 3_000;
    this.budgetMs = options.budgetMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async listChannels(botToken: string): Promise<{ channels: SlackChannel[]; truncated: boolean }> {
    const deadline = this.now() + this.budgetMs;
    const channels: SlackChannel[] = [];
    let cursor = "";
    for (let page = 0; page < this.maxPages; page++) {
      const params = new URLSearchParams({
        types: "public_channel,private_channel",
        // Archived channels cannot be posted to: not worth offering.
        exclude_archived: "true",
        limit: String(PAGE_SIZE),
      });
      if (cursor) params.set("cursor", cursor);
      const body = await this.call<ConversationsListResponse>("conversations.list", params, botToken);
      for (const channel of body.channels ?? []) {
        if (typeof channel.id !== "string" || typeof channel.name !== "string") continue;
        channels.push({ id: channel.id, name: channel.name, isMember: channel.is_member === true });
      }
      cursor = body.response_metadata?.next_cursor ?? "";
      if (!cursor) return { channels, truncated: false };
      if (this.now() >= deadline) break;
    }
    return { channels, truncated: true };
  }

  async postMessage(botToken: string, message: SlackMessage): Promise<{ channel: string; ts: string }> {
    try {
      return await this.post(botToken, message);
    } catch (error) {
      // With a marker the message can be found again: in doubt, to be looked up, not failed.
      if (message.marker && error instanceof PermanentDeliveryError && error.message.startsWith(UNKNOWN))
        throw new AmbiguousDeliveryError(error.message.slice(UNKNOWN.length).replace(`; ${NOT_RETRIED}`, ""));
      throw error;
    }
  }

  async findMessage(
    botToken: string,
    channel: string,
    marker: SlackMarker,
    oldest: Date,
  ): Promise<SlackMessageLookup> {
    const method = "conversations.history";
    let cursor = "";
    for (let page = 0; page < this.maxPages; page++) {
      const params = new URLSearchParams({
        channel,
        oldest: (oldest.getTime() / 1000).toFixed(6),
        inclusive: "true",
        include_all_metadata: "true",
        limit: String(PAGE_SIZE),
      });
      if (cursor) params.set("cursor", cursor);
      const answer = await this.send(method, {
        url: new URL(`${this.baseUrl}/${method}?${params}`),
        method: "GET",
        headers: { authorization: `Bearer ${botToken}` },
        timeoutMs: this.requestTimeoutMs,
        posts: false,
      });
      if (isRetryableStatus(answer.status))
        throw new TransientDeliveryError(`slack: HTTP ${answer.status} (${method})`);
      if (!isSuccess(answer.status))
        return { status: "unknown", reason: `slack: HTTP ${answer.status} (${method})` };
      const body = answer.complete ? parseJson<HistoryResponse>(answer.body) : undefined;
      if (!body) throw new TransientDeliveryError(`slack: an answer to ${method} that is not JSON`);
      if (body.ok !== true) {
        const code = errorCode(body.error);
        if (TRANSIENT_ERRORS.has(code) || MAY_HAVE_ACTED.has(code))
          throw new TransientDeliveryError(`slack: ${code} (${method})`);
        return { status: "unknown", reason: `slack: ${code} (${method})` };
      }
      const found = (body.messages ?? []).find(
        (m) =>
          m.metadata?.event_type === SLACK_MARKER_EVENT_TYPE &&
          m.metadata.event_payload?.runId === marker.runId &&
          m.metadata.event_payload?.stepId === marker.stepId,
      );
      if (found) return { status: "found", channel, ts: typeof found.ts === "string" ? found.ts : "" };
      cursor = body.response_metadata?.next_cursor ?? "";
      if (!cursor) return { status: "absent" };
    }
    return {
      status: "unknown",
      reason: `slack: more than ${this.maxPages} pages of history to look through`,
    };
  }

  private async post(botToken: string, message: SlackMessage): Promise<{ channel: string; ts: string }> {
    const method = "chat.postMessage";
    const answer = await this.send(method, {
      url: new URL(`${this.baseUrl}/${method}`),
      method: "POST",
      headers: { authorization: `Bearer ${botToken}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({
        channel: message.channel,
        text: message.text,
        ...(message.marker
          ? { metadata: { event_type: SLACK_MARKER_EVENT_TYPE, event_payload: message.marker } }
          : {}),
      }),
      timeoutMs: this.postTimeoutMs,
      posts: true,
    });
    const body = answer.complete ? parseJson<PostMessageResponse>(answer.body) : undefined;
    const code = body && body.ok !== true ? errorCode(body.error) : undefined;
    const failed = postFailure(method, answer.status, code);
    if (failed) throw failed;
    if (!isSuccess(answer.status))
      throw new PermanentDeliveryError(`slack: HTTP ${answer.status} (${method})`);
    if (!body) {
      throw new PermanentDeliveryError(
        `outcome_unknown: Slack's answer to ${method} was cut short or not JSON, and it may have posted the message; ${NOT_RETRIED}`,
      );
    }
    if (body.ok === true) {
      return {
        channel: typeof body.channel === "string" ? body.channel : message.channel,
        ts: typeof body.ts === "string" ? body.ts : "",
      };
    }
    const refusal = code ?? "unknown_error";
    if (TRANSIENT_ERRORS.has(refusal)) throw new TransientDeliveryError(`slack: ${refusal} (${method})`);
    throw new PermanentDeliveryError(`slack: ${refusal}`);
  }

  async lookupUserByEmail(botToken: string, email: string): Promise<SlackUserLookup> {
    const method = "users.lookupByEmail";
    const answer = await this.send(method, {
      url: new URL(`${this.baseUrl}/${method}?${new URLSearchParams({ email })}`),
      method: "GET",
      headers: { authorization: `Bearer ${botToken}` },
      timeoutMs: this.requestTimeoutMs,
      posts: false,
    });
    if (isRetryableStatus(answer.status)) {
      throw new TransientDeliveryError(`slack: HTTP ${answer.status} (${method})`);
    }
    if (!isSuccess(answer.status)) return { found: false, error: `http_${answer.status}` };
    const body = answer.complete ? parseJson<LookupByEmailResponse>(answer.body) : undefined;
    // A lookup changes nothing: whatever went wrong with it is safe to ask again.
    if (!body) throw new TransientDeliveryError(`slack: an answer to ${method} that is not JSON`);
    if (body.ok === true) {
      const id = body.user?.id;
      // The id is written into the message as `<@id>`: only what a member id looks like goes there.
      return typeof id === "string" && MEMBER_ID.test(id)
        ? { found: true, userId: id }
        : { found: false, error: "invalid_user_id" };
    }
    const code = errorCode(body.error);
    if (TRANSIENT_ERRORS.has(code) || MAY_HAVE_ACTED.has(code)) {
      throw new TransientDeliveryError(`slack: ${code} (${method})`);
    }
    return { found: false, error: code };
  }

  async postToWebhook(webhookUrl: string, message: { text: string }): Promise<void> {
    const what = "incoming webhook";
    const answer = await this.send(what, {
      url: this.webhookTarget(webhookUrl),
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ text: message.text }),
      timeoutMs: this.postTimeoutMs,
      posts: true,
    });
    // Slack's webhook errors are plain-text codes (channel_not_found, no_service...). Anything else,
    // a proxy's error page say, might echo the URL (the secret), so only a code is ever quoted.
    const text = answer.body.trim();
    const code = answer.complete && WEBHOOK_ERROR.test(text) && text !== "ok" ? text : undefined;
    const failed = postFailure(what, answer.status, code);
    if (failed) throw failed;
    if (isSuccess(answer.status)) {
      if (answer.complete && text === "ok") return;
      throw new PermanentDeliveryError(
        `outcome_unknown: the incoming webhook answered HTTP ${answer.status} without "ok", and it may have posted the message; ${NOT_RETRIED}`,
      );
    }
    throw new PermanentDeliveryError(
      code
        ? `slack: ${code} (HTTP ${answer.status})`
        : `slack: the incoming webhook answered HTTP ${answer.status}`,
    );
  }

  /** The stored webhook URL, or its path on the configured base (an egress proxy, a local fake). */
  private webhookTarget(webhookUrl: string): URL {
    let url: URL;
    try {
      url = new URL(webhookUrl);
    } catch {
      throw new PermanentDeliveryError("slack: the integration's webhook URL is not a URL");
    }
    return this.webhookBaseUrl ? new URL(`${this.webhookBaseUrl}${url.pathname}${url.search}`) : url;
  }

  /**
   * One call, with one inline wait for a short Retry-After (a 429 means Slack did nothing, so asking
   * again is safe). Network failures become delivery errors: before the request was written they are
   * transient; after it, transient for a read and `outcome_unknown` for a post (Slack takes no
   * idempotency key, and a duplicate message is worse than a missing one).
   */
  private async send(what: string, request: SlackRequest): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      let answer: HttpAnswer;
      try {
        answer = await exchange({ ...request, maxAnswerBytes: MAX_ANSWER_BYTES });
      } catch (error) {
        throw networkFailure(what, error, request);
      }
      if (answer.status !== 429) return answer;
      const waitMs = retryAfterMs(answer.headers["retry-after"], this.now());
      if (waitsInline(attempt, waitMs, this.maxRetryAfterMs)) {
        await this.sleep(waitMs);
        continue;
      }
      throw new TransientDeliveryError(
        `slack: rate limited (${what}); Retry-After ${Math.ceil(waitMs / 1000)} s`,
      );
    }
  }

  /** One Web API GET: `ok:false` and HTTP failures become UpstreamErrors; one 429 is waited out. */
  private async call<T extends { ok?: boolean; error?: string }>(
    method: string,
    params: URLSearchParams,
    token: string,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}/${method}?${params}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
      } catch (error) {
        const reason =
          error instanceof Error && error.name === "TimeoutError" ? "timed out" : "is unreachable";
        throw new UpstreamError("slack_unavailable", `Slack ${reason} (${method})`);
      }
      if (response.status === 429) {
        await response.body?.cancel();
        const waitMs = retryAfterMs(response.headers.get("retry-after"), this.now());
        if (waitsInline(attempt, waitMs, this.maxRetryAfterMs)) {
          await this.sleep(waitMs);
          continue;
        }
        throw new UpstreamError(
          "slack_rate_limited",
          `Slack is rate limiting ${method}; retry in ${Math.ceil(waitMs / 1000)} s`,
        );
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new UpstreamError("slack_error", `Slack answered HTTP ${response.status} to ${method}`);
      }
      let body: T;
      try {
        body = (await response.json()) as T;
      } catch {
        throw new UpstreamError("slack_error", `Slack answered ${method} with a body that is not JSON`);
      }
      if (body?.ok !== true) {
        // Slack's error codes are short identifiers (invalid_auth, missing_scope); bounded anyway.
        const code = typeof body?.error === "string" ? body.error.slice(0, 100) : "unknown_error";
        throw new UpstreamError("slack_error", `Slack said ${code}`);
      }
      return body;
    }
  }
}

interface PostMessageResponse {
  ok?: boolean;
  error?: unknown;
  channel?: unknown;
  ts?: unknown;
}

interface HistoryResponse {
  ok?: boolean;
  error?: unknown;
  messages?: Array<{
    ts?: unknown;
    metadata?: { event_type?: unknown; event_payload?: { runId?: unknown; stepId?: unknown } };
  }>;
  response_metadata?: { next_cursor?: string };
}

interface LookupByEmailResponse {
  ok?: boolean;
  error?: unknown;
  user?: { id?: unknown };
}

/** Web API errors that mean Slack did nothing and will likely take the same call later. */
const TRANSIENT_ERRORS = new Set([
  "ratelimited",
  "rate_limited",
  "service_unavailable",
  "request_timeout",
  "team_added_to_org",
  "org_login_required",
]);

/**
 * Errors Slack documents as "it's possible some aspect of the operation succeeded before the error
 * was raised": a read asks again, a post does not (outcome unknown), whatever the HTTP status.
 */
const MAY_HAVE_ACTED = new Set(["internal_error", "fatal_error"]);

/**
 * HTTP statuses that say a post was not taken: 503 (not ready for it) and 408 (the server gave up
 * waiting for the request). 429 is waited out or retried before a post is classified.
 */
const NOT_TAKEN_STATUSES = new Set([408, 503]);

const UNKNOWN = "outcome_unknown: ";

/** How every `outcome_unknown` of a post ends: why the step is failed rather than retried. */
const NOT_RETRIED = "not retried, so it is never sent twice";

/** Slack member ids: U... (or W... on Enterprise Grid). */
const MEMBER_ID = /^[UW][A-Z0-9]{2,40}$/;

/** Slack's plain-text incoming-webhook errors: short snake_case codes. */
const WEBHOOK_ERROR = /^[a-z][a-z0-9_]{0,63}$/;

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** 5xx and 408: Slack (or the way to it) could not take the request now. For reads only. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408;
}

/**
 * A post's answer as a delivery error, when it is one on these grounds (undefined otherwise).
 * Slack takes no idempotency key, so a post is retried only when Slack certainly did not take it:
 * 503 and 408. Any other 5xx (500, 502, 504, Cloudflare's 520/524...) may come from a gateway that
 * gave up after Slack had posted, and a Slack error saying part of the call may have succeeded
 * means the same whatever the status: both are `outcome_unknown`, failed for good, because a
 * duplicate message is worse than a missing one an admin can see.
 */
function postFailure(what: string, status: number, code: string | undefined): Error | undefined {
  if (code !== undefined && MAY_HAVE_ACTED.has(code)) {
    return new PermanentDeliveryError(
      `outcome_unknown: slack: ${code} (HTTP ${status}, ${what}), which Slack says may have partly succeeded; ${NOT_RETRIED}`,
    );
  }
  if (NOT_TAKEN_STATUSES.has(status)) return new TransientDeliveryError(`slack: HTTP ${status} (${what})`);
  if (status >= 500) {
    const said = code === undefined ? "" : ` (${code})`;
    return new PermanentDeliveryError(
      `outcome_unknown: Slack answered HTTP ${status}${said} to the ${what} call, which may have posted the message; ${NOT_RETRIED}`,
    );
  }
  return undefined;
}

/** Slack's error codes are short identifiers; anything else is not quoted. */
function errorCode(value: unknown): string {
  return typeof value === "string" && /^[A-Za-z0-9_.-]{1,100}$/.test(value) ? value : "unknown_error";
}

function parseJson<T>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** A call to Slack: `posts` says whether a lost answer may hide a posted message. */
type SlackRequest = Omit<HttpExchangeRequest, "maxAnswerBytes"> & { posts: boolean };

/** Slack's answers are small; a larger body is read no further than this. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** A request that got no answer, as a delivery error that never names the URL. */
function networkFailure(what: string, error: unknown, request: SlackRequest): Error {
  const code = error instanceof HttpExchangeError ? failureCode(error, request.timeoutMs) : "network_error";
  if (!(error instanceof HttpExchangeError) || !error.written) {
    return new TransientDeliveryError(`slack: could not reach Slack for the ${what} call (${code})`);
  }
  if (!request.posts) return new TransientDeliveryError(`slack: no answer to the ${what} call (${code})`);
  return new PermanentDeliveryError(
    `outcome_unknown: no answer from Slack to the ${what} call (${code}) after it was sent, and it may have posted the message; ${NOT_RETRIED}`,
  );
}

/** Why no answer came, for a reason: the deadline, or the socket's error code when it looks like one. */
function failureCode(error: HttpExchangeError, timeoutMs: number): string {
  if (error.timedOut) return `timeout after ${timeoutMs} ms`;
  const code = error.failure?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "network_error";
}
