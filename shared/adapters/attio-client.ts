import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
import type { AttioApi, AttioTask } from "../ports/attio.js";
import { exchange, type HttpAnswer, HttpExchangeError, retryAfterMs, waitsInline } from "./http-exchange.js";

/** Attio's REST API; `ATTIO_API_BASE_URL` overrides it (local fakes, egress proxies). */
export const ATTIO_API_BASE_URL = "https://api.attio.com";

export interface AttioClientOptions {
  /** Scheme, host and optional path prefix; `/v2/tasks` is appended. */
  baseUrl?: string;
  /**
   * Whole request, from connecting to the last byte of the answer. Well under the action
   * function's 30 s, even with one Retry-After wait and a second attempt.
   */
  requestTimeoutMs?: number;
  /**
   * Longest Retry-After waited out inline (once); a longer one goes back to the state machine.
   * 0: no second attempt at all, not even after a Retry-After already past (it costs a timeout).
   */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Attio's error body: `{ status_code, type, code, message }`. */
interface AttioError {
  code?: unknown;
  message?: unknown;
}

/** Attio answers a task in a few hundred bytes; anything past this is not worth holding. */
const MAX_BODY_BYTES = 64 * 1024;
/** Provider text kept in a step's reason: enough for Attio's messages, bounded for the records. */
const MAX_PROVIDER_TEXT = 200;

/**
 * Statuses by which Attio did not take the task: 503 (not ready for it) and 408 (the server gave up
 * waiting for the request). Every other 5xx — a 500, or a 502/504/520/524 from a gateway that gave
 * up after Attio had acted — may follow a created task.
 */
const NOT_TAKEN_STATUSES = new Set([408, 503]);

const HINTS: Record<number, string> = {
  401: " (check the integration's access token)",
  403: " (the access token needs the task:read-write scope)",
};

/**
 * Attio's `POST /v2/tasks` over node:http(s). Attio has no idempotency key, so a request is never
 * repeated unless Attio certainly did not act on it: only failures before the whole request was
 * written, 429s (Attio: "we have not processed the request"), 503 and 408 are transient. A request
 * that was written and then got no answer, or any other 5xx, is `outcome_unknown` — a missing task
 * an admin can see beats a duplicate nobody asked for. The token travels only in the Authorization
 * header and is redacted from anything Attio says back.
 */
export class HttpAttioClient implements AttioApi {
  private readonly tasksUrl: URL;
  private readonly requestTimeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: AttioClientOptions = {}) {
    const base = (options.baseUrl ?? ATTIO_API_BASE_URL).replace(/\/+$/, "");
    const url = URL.canParse(`${base}/v2/tasks`) ? new URL(`${base}/v2/tasks`) : undefined;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new Error(`The Attio API base URL must be an http(s) URL, not "${base.slice(0, 100)}"`);
    }
    this.tasksUrl = url;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 8_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 5_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async createTask(accessToken: string, task: AttioTask): Promise<{ taskId: string | undefined }> {
    const body = JSON.stringify({
      data: {
        content: task.content,
        format: "plaintext",
        deadline_at: task.deadlineAt,
        is_completed: false,
        linked_records: task.linkedRecords.map((record) => ({
          target_object: record.object,
          target_record_id: record.recordId,
        })),
        assignees: task.assigneeIds.map((id) => ({
          referenced_actor_type: "workspace-member",
          referenced_actor_id: id,
        })),
      },
    });
    for (let attempt = 0; ; attempt++) {
      const response = await this.post(body, accessToken);
      if (response.status >= 200 && response.status < 300) return { taskId: taskIdOf(response.body) };
      if (response.status === 429) {
        const waitMs = retryAfterMs(response.headers["retry-after"], this.now());
        if (waitsInline(attempt, waitMs, this.maxRetryAfterMs)) {
          await this.sleep(waitMs);
          continue;
        }
        throw new TransientDeliveryError(
          `attio: rate limited (HTTP 429); Attio asks to retry in ${Math.ceil(waitMs / 1000)} s`,
        );
      }
      throw errorFor(response, accessToken);
    }
  }

  /**
   * One POST on a connection of its own (see `exchange`). Once the status line arrived, what it
   * says stands even if the body is cut short: a 2xx still means the task exists, only its id is
   * unknown.
   */
  private async post(body: string, token: string): Promise<HttpAnswer> {
    const timeoutMs = this.requestTimeoutMs;
    try {
      return await exchange({
        url: this.tasksUrl,
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body,
        timeoutMs,
        maxAnswerBytes: MAX_BODY_BYTES,
      });
    } catch (error) {
      throw error instanceof HttpExchangeError ? networkError(error, timeoutMs) : error;
    }
  }
}

function networkError({ written, timedOut, failure }: HttpExchangeError, timeoutMs: number): Error {
  const cause = failure?.code ?? failure?.name ?? "connection closed";
  if (!written) {
    const why = timedOut ? `no connection within ${timeoutMs / 1000} s` : cause;
    return new TransientDeliveryError(`attio: unreachable (${why}); the task was not sent`);
  }
  const what = timedOut ? `no answer within ${timeoutMs / 1000} s` : `connection lost (${cause})`;
  return new PermanentDeliveryError(
    `outcome_unknown: attio: ${what} after the task was sent; not retried, so it is never created twice`,
  );
}

function errorFor(response: HttpAnswer, token: string): Error {
  const error = parseError(response.body);
  const said =
    error && typeof error.code === "string" && typeof error.message === "string"
      ? providerText(`${error.code}: ${error.message}`, token)
      : undefined;
  const { status } = response;
  if (NOT_TAKEN_STATUSES.has(status)) {
    return new TransientDeliveryError(`attio: HTTP ${status}${said ? `: ${said}` : ""}`);
  }
  if (status >= 500) {
    return new PermanentDeliveryError(
      `outcome_unknown: Attio answered HTTP ${status}${said ? ` (${said})` : ""} after the task was sent, and may have created it; not retried, so it is never created twice`,
    );
  }
  return new PermanentDeliveryError(`attio: ${said ?? `HTTP ${status}`}${HINTS[status] ?? ""}`);
}

function parseError(body: string): AttioError | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === "object" ? (parsed as AttioError) : undefined;
  } catch {
    return undefined;
  }
}

/** What Attio said, made safe for a step record and a log line: no token, no control characters, bounded. */
export function providerText(text: string, token: string): string {
  const redacted = token.length > 0 ? text.split(token).join("[redacted]") : text;
  const clean = redacted
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > MAX_PROVIDER_TEXT ? `${clean.slice(0, MAX_PROVIDER_TEXT - 1)}…` : clean;
}

function taskIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { data?: { id?: { task_id?: unknown } } } | null;
    const id = parsed?.data?.id?.task_id;
    return typeof id === "string" && id.length > 0 && id.length <= 200 ? id : undefined;
  } catch {
    return undefined;
  }
}
