import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { TLSSocket } from "node:tls";

/**
 * One request to a provider API that takes no idempotency key (Slack, Attio): whether a failed
 * request may be sent again depends on whether the provider can have seen it, which is what this
 * module tells apart. fetch cannot say, hence node:http(s).
 */
export interface HttpExchangeRequest {
  url: URL;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange, from connecting to the answer's last byte. */
  timeoutMs: number;
  /** Answer bytes kept; past them the body is read and dropped (provider answers are small). */
  maxAnswerBytes: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** False when the body was cut short (connection lost, time out): only the status is certain. */
  complete: boolean;
}

/** No answer came: not even a status line. */
export class HttpExchangeError extends Error {
  override readonly name = "HttpExchangeError";
  constructor(
    /**
     * The whole request may have reached the server (connected, TLS handshake done, every byte
     * handed to the network), so it may have acted. False: it cannot have, and sending again is safe.
     */
    readonly written: boolean,
    /** The deadline passed, rather than the connection failing. */
    readonly timedOut: boolean,
    /** The socket's error when one ended the request; its `code` (ECONNREFUSED, ENOTFOUND...) says why. */
    readonly failure: NodeJS.ErrnoException | undefined,
  ) {
    super(timedOut ? "timed out" : (failure?.code ?? "connection closed"));
  }
}

/**
 * One request with a deadline, on a connection of its own: a kept-alive socket that the server
 * closed while the Lambda was frozen would fail only after the request was written, which reads as
 * "may have acted" for a request the provider never saw. Once a status line arrived, a lost or late
 * body still resolves, marked incomplete; before it, the promise rejects with an HttpExchangeError.
 */
export function exchange(request: HttpExchangeRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = request.body === undefined ? undefined : Buffer.from(request.body, "utf8");
    const send = request.url.protocol === "https:" ? httpsRequest : httpRequest;
    const chunks: Buffer[] = [];
    let size = 0;
    // Both are needed for "written": over TLS the request "finishes" into the socket's buffer
    // before the handshake is done.
    let finished = false;
    let connected = false;
    let settled = false;
    let head: Pick<HttpAnswer, "status" | "headers"> | undefined;

    const req = send(request.url, {
      method: request.method,
      headers: {
        ...request.headers,
        ...(payload ? { "content-length": String(payload.byteLength) } : {}),
      },
      agent: false,
    });
    const settle = (complete: boolean, timedOut = false, failure?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!complete) req.destroy();
      if (head) resolve({ ...head, body: Buffer.concat(chunks).toString("utf8"), complete });
      else reject(new HttpExchangeError(finished && connected, timedOut, failure));
    };
    const timer = setTimeout(() => settle(false, true), request.timeoutMs);

    req.on("socket", (socket) => {
      socket.once(socket instanceof TLSSocket ? "secureConnect" : "connect", () => {
        connected = true;
      });
    });
    req.on("finish", () => {
      finished = true;
    });
    req.on("error", (error: NodeJS.ErrnoException) => settle(false, false, error));
    // A request destroyed without an error emits only "close"; once an answer is in, its own
    // events below say whether the body was whole.
    req.on("close", () => {
      if (!head) settle(false);
    });
    req.on("response", (res) => {
      head = { status: res.statusCode ?? 0, headers: res.headers };
      res.on("data", (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size <= request.maxAnswerBytes) chunks.push(chunk);
      });
      res.on("end", () => settle(true));
      res.on("error", () => settle(false));
      res.on("close", () => settle(res.complete));
    });
    req.end(payload);
  });
}

/**
 * Retry-After in milliseconds, in either of its forms: seconds, or an HTTP date (read against `now`,
 * the caller's clock). Missing, empty or unreadable: one second.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number {
  const value = header?.trim();
  if (!value) return 1_000;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - now);
}

/**
 * Whether a 429's Retry-After is waited out inline: on the first attempt only (a 429 means the
 * provider did nothing, so asking again is safe), and only for a wait the caller can afford. A
 * `maxWaitMs` of 0 means no second attempt at all, not even after `Retry-After: 0`, since a second
 * attempt costs a timeout of its own.
 */
export function waitsInline(attempt: number, waitMs: number, maxWaitMs: number): boolean {
  return attempt === 0 && maxWaitMs > 0 && waitMs <= maxWaitMs;
}
