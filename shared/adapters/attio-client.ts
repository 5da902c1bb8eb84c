import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { TLSSocket } from "node:tls";
import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
import type { AttioApi, AttioTask } from "../ports/attio.js";

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

interface RawResponse {
  status: number;
  retryAfter: string | undefined;
  body: string;
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
        const waitMs = retryAfterMs(response.retryAfter, this.now());
        if (attempt === 0 && this.maxRetryAfterMs > 0 && waitMs <= this.maxRetryAfterMs) {
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
   * One POST on a connection of its own. Pooled keep-alive sockets are avoided on purpose: a
   * reused socket the server had already closed fails only after our bytes are written, which
   * would read as "outcome unknown" for a request Attio never saw. One TLS handshake per task is
   * cheap at the rate moments create tasks.
   */
  private post(body: string, token: string): Promise<RawResponse> {
    const send = this.tasksUrl.protocol === "https:" ? httpsRequest : httpRequest;
    const timeoutMs = this.requestTimeoutMs;
    return new Promise<RawResponse>((resolve, reject) => {
      // Whether the whole request may have reached Attio: before that, Attio cannot have acted on
      // it. Both are needed: over TLS the request "finishes" into the socket's buffer before the
      // handshake is done.
      let finished = false;
      let connected = false;
      let timedOut = false;
      let answer: { response: IncomingMessage; chunks: Buffer[] } | undefined;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      // Once the status line arrived, what it says stands even if the body is cut short: a 2xx
      // still means the task exists, only its id is unknown.
      const resolveAnswer = () =>
        settle(() => {
          if (!answer) return;
          resolve({
            status: answer.response.statusCode ?? 0,
            retryAfter: headerOf(answer.response, "retry-after"),
            body: Buffer.concat(answer.chunks).toString("utf8"),
          });
        });
      const request = send(
        this.tasksUrl,
        {
          method: "POST",
          agent: false,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (response) => {
          const current = { response, chunks: [] as Buffer[] };
          answer = current;
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) current.chunks.push(chunk);
          });
          response.on("end", resolveAnswer);
          response.on("error", resolveAnswer);
          response.on("close", resolveAnswer);
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy();
      }, timeoutMs);
      request.on("socket", (socket) => {
        socket.once(socket instanceof TLSSocket ? "secureConnect" : "connect", () => {
          connected = true;
        });
      });
      request.on("finish", () => {
        finished = true;
      });
      const fail = (error?: NodeJS.ErrnoException) => {
        if (answer) return resolveAnswer();
        const written = finished && connected;
        settle(() => reject(networkError(error, { written, timedOut, timeoutMs })));
      };
      request.on("error", fail);
      // A destroy without an error (the timer) emits only "close".
      request.on("close", () => fail());
      request.end(body);
    });
  }
}

function networkError(
  error: NodeJS.ErrnoException | undefined,
  { written, timedOut, timeoutMs }: { written: boolean; timedOut: boolean; timeoutMs: number },
): Error {
  const cause = error?.code ?? error?.name ?? "connection closed";
  if (!written) {
    const why = timedOut ? `no connection within ${timeoutMs / 1000} s` : cause;
    return new TransientDeliveryError(`attio: unreachable (${why}); the task was not sent`);
  }
  const what = timedOut ? `no answer within ${timeoutMs / 1000} s` : `connection lost (${cause})`;
  return new PermanentDeliveryError(
    `outcome_unknown: attio: ${what} after the task was sent; not retried, so it is never created twice`,
  );
}

function errorFor(response: RawResponse, token: string): Error {
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

function headerOf(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Retry-After as Attio sends it (an HTTP date, usually the next second) or in seconds. Missing
 * or unreadable: one second, Attio's usual reset.
 */
export function retryAfterMs(header: string | undefined, now: number): number {
  const value = header?.trim();
  if (!value) return 1_000;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - now);
}
