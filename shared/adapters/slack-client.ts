import { UpstreamError } from "../domain/upstream-error.js";
import type { SlackApi, SlackChannel } from "../ports/integrations.js";

export interface SlackClientOptions {
  /** Web API base, `https://slack.com/api` in production; tests point it at a local fake. */
  baseUrl: string;
  /** Most pages of channels read per listing (Slack returns up to 200 each). */
  maxPages?: number;
  /** Per request. */
  requestTimeoutMs?: number;
  /**
   * Longest Retry-After honoured (once per request). The admin function has 15 s in all, so a
   * longer wait is answered as an error telling the caller when to retry instead.
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
 * Slack's Web API over plain fetch (no SDK: a few GETs do not justify one in the bundle). The token
 * travels only in the Authorization header, never in a URL, so it cannot end up in a log line.
 */
export class HttpSlackClient implements SlackApi {
  private readonly baseUrl: string;
  private readonly maxPages: number;
  private readonly requestTimeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly budgetMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: SlackClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.maxPages = options.maxPages ?? 10;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 4_000;
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
        const waitMs = retryAfterMs(response.headers.get("retry-after"));
        if (attempt === 0 && waitMs <= this.maxRetryAfterMs) {
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

/** Retry-After in seconds (Slack's form); an HTTP date is accepted too. Unparseable: 1 s. */
function retryAfterMs(header: string | null): number {
  if (header === null) return 1_000;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - Date.now());
}
