import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../domain/delivery-errors.js";
import type { AttioApi, AttioTask, AttioTaskLookup, AttioTaskQuery } from "../ports/attio.js";
import {
  exchange,
  type HttpAnswer,
  HttpExchangeError,
  type HttpExchangeRequest,
  retryAfterMs,
  waitsInline,
} from "./http-exchange.js";

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
  /**
   * Per page of a task lookup (`GET /v2/tasks`). A read that times out is asked again later, so it
   * is short: a lookup that finds nothing goes on to create the task in the same invocation.
   */
  lookupTimeoutMs?: number;
  /** Most pages a lookup reads (LOOKUP_PAGE_SIZE tasks each) before it says it cannot tell. */
  lookupPages?: number;
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
/** Tasks per page of a lookup (Attio's default is 500). */
export const LOOKUP_PAGE_SIZE = 100;
/** A page of LOOKUP_PAGE_SIZE tasks of up to 2,000 characters each, with their links and assignees. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;
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

/** The same, for a lookup: listing tasks needs read access to them (which read-write includes). */
const LOOKUP_HINTS: Record<number, string> = {
  401: HINTS[401] ?? "",
  403: " (the access token needs read access to tasks: task:read, or task:read-write)",
};

const UNKNOWN = "outcome_unknown: ";
const NOT_RETRIED = "; not retried, so it is never created twice";

/**
 * Attio's `POST /v2/tasks` and `GET /v2/tasks` over node:http(s). Attio has no idempotency key, so
 * a create is never repeated unless Attio certainly did not act on it: only failures before the
 * whole request was written, 429s (Attio: "we have not processed the request"), 503 and 408 are
 * transient. A create that was written and then got no answer, or any other 5xx, is in doubt: an
 * AmbiguousDeliveryError when the task carries a marker (the step looks it up with findTask before
 * creating it again), `outcome_unknown` otherwise — a missing task an admin can see beats a
 * duplicate nobody asked for. The token travels only in the Authorization header and is redacted
 * from anything Attio says back.
 */
export class HttpAttioClient implements AttioApi {
  private readonly tasksUrl: URL;
  private readonly requestTimeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly lookupTimeoutMs: number;
  private readonly lookupPages: number;
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
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 3_000;
    this.lookupPages = options.lookupPages ?? 2;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async createTask(accessToken: string, task: AttioTask): Promise<{ taskId: string | undefined }> {
    try {
      return await this.create(accessToken, task);
    } catch (error) {
      // With a marker the task can be found again: in doubt, to be looked up, not failed.
      if (task.marker && error instanceof PermanentDeliveryError && error.message.startsWith(UNKNOWN))
        throw new AmbiguousDeliveryError(error.message.slice(UNKNOWN.length).replace(NOT_RETRIED, ""));
      throw error;
    }
  }

  /**
   * Lists tasks newest first (`sort=created_at:desc`), the linked record's only when there is one
   * (`linked_object` and `linked_record_id`), LOOKUP_PAGE_SIZE at a time (`limit`, `offset`), and
   * looks for the marker in each one's `content_plaintext`. It stops at the first task created
   * before `since` (none further can be the one), after a short page, or after `lookupPages` pages
   * (then it cannot tell). A task created meanwhile shifts the pages by one: a task may be read
   * twice, never skipped. No inline wait for a Retry-After: the state machine retries the step.
   */
  async findTask(accessToken: string, query: AttioTaskQuery): Promise<AttioTaskLookup> {
    const since = query.since.getTime();
    for (let page = 0; page < this.lookupPages; page++) {
      const params = new URLSearchParams({
        sort: "created_at:desc",
        limit: String(LOOKUP_PAGE_SIZE),
        offset: String(page * LOOKUP_PAGE_SIZE),
      });
      if (query.linkedRecord) {
        params.set("linked_object", query.linkedRecord.object);
        params.set("linked_record_id", query.linkedRecord.recordId);
      }
      const answer = await this.send(accessToken, {
        url: new URL(`${this.tasksUrl}?${params}`),
        method: "GET",
        timeoutMs: this.lookupTimeoutMs,
        maxAnswerBytes: MAX_PAGE_BYTES,
        reads: true,
      });
      if (answer.status === 429) {
        const waitMs = retryAfterMs(answer.headers["retry-after"], this.now());
        throw new TransientDeliveryError(
          `attio: rate limited (HTTP 429) listing tasks; Attio asks to retry in ${Math.ceil(waitMs / 1000)} s`,
        );
      }
      if (answer.status >= 500 || answer.status === 408)
        throw new TransientDeliveryError(`attio: HTTP ${answer.status} listing tasks`);
      if (answer.status < 200 || answer.status >= 300) {
        const said = attioSaid(answer.body, accessToken);
        return {
          status: "unknown",
          reason: `attio: ${said ?? `HTTP ${answer.status}`} listing tasks${LOOKUP_HINTS[answer.status] ?? ""}`,
        };
      }
      const tasks = answer.complete ? tasksOf(answer.body) : undefined;
      if (!tasks) throw new TransientDeliveryError("attio: an answer listing tasks that is not Attio's JSON");
      for (const task of tasks) {
        if (typeof task.content_plaintext === "string" && task.content_plaintext.includes(query.marker)) {
          const taskId = task.id?.task_id;
          return { status: "found", taskId: typeof taskId === "string" ? taskId.slice(0, 200) : "unknown" };
        }
        const createdAt = typeof task.created_at === "string" ? Date.parse(task.created_at) : Number.NaN;
        if (createdAt < since) return { status: "absent" };
      }
      if (tasks.length < LOOKUP_PAGE_SIZE) return { status: "absent" };
    }
    return {
      status: "unknown",
      reason: `attio: more than ${this.lookupPages * LOOKUP_PAGE_SIZE} tasks created since the attempt to read through`,
    };
  }

  private async create(accessToken: string, task: AttioTask): Promise<{ taskId: string | undefined }> {
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
      const response = await this.send(accessToken, {
        url: this.tasksUrl,
        method: "POST",
        body,
        timeoutMs: this.requestTimeoutMs,
        maxAnswerBytes: MAX_BODY_BYTES,
        reads: false,
      });
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
   * One request on a connection of its own (see `exchange`). Once the status line arrived, what it
   * says stands even if the body is cut short: a 2xx to a POST still means the task exists, only its
   * id is unknown. No answer at all is transient for a read, and for a POST written whole, unknown.
   */
  private async send(
    token: string,
    request: Omit<HttpExchangeRequest, "headers"> & { reads: boolean },
  ): Promise<HttpAnswer> {
    const { reads, ...rest } = request;
    try {
      return await exchange({
        ...rest,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(rest.body === undefined ? {} : { "content-type": "application/json" }),
        },
      });
    } catch (error) {
      if (!(error instanceof HttpExchangeError)) throw error;
      if (reads) {
        const why = error.timedOut ? `no answer within ${rest.timeoutMs / 1000} s` : error.message;
        throw new TransientDeliveryError(`attio: ${why} listing tasks`);
      }
      throw networkError(error, rest.timeoutMs);
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
  return new PermanentDeliveryError(`${UNKNOWN}attio: ${what} after the task was sent${NOT_RETRIED}`);
}

/** Attio's `code: message` from an error body, made safe; undefined when the body is not Attio's. */
function attioSaid(body: string, token: string): string | undefined {
  const error = parseError(body);
  return error && typeof error.code === "string" && typeof error.message === "string"
    ? providerText(`${error.code}: ${error.message}`, token)
    : undefined;
}

function errorFor(response: HttpAnswer, token: string): Error {
  const said = attioSaid(response.body, token);
  const { status } = response;
  if (NOT_TAKEN_STATUSES.has(status)) {
    return new TransientDeliveryError(`attio: HTTP ${status}${said ? `: ${said}` : ""}`);
  }
  if (status >= 500) {
    return new PermanentDeliveryError(
      `${UNKNOWN}Attio answered HTTP ${status}${said ? ` (${said})` : ""} after the task was sent, and may have created it${NOT_RETRIED}`,
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

/** A task as `GET /v2/tasks` lists it, as far as a lookup reads it. */
interface ListedTask {
  id?: { task_id?: unknown };
  content_plaintext?: unknown;
  created_at?: unknown;
}

function tasksOf(body: string): ListedTask[] | undefined {
  try {
    const parsed = JSON.parse(body) as { data?: unknown } | null;
    const data = parsed?.data;
    return Array.isArray(data)
      ? data.filter((task): task is ListedTask => task !== null && typeof task === "object")
      : undefined;
  } catch {
    return undefined;
  }
}
