/**
 * The functions threads reach the local emulators (DynamoDB on its own thread; the bus, Step
 * Functions and the SES front on the main thread) by message instead of by socket.
 *
 * What a function's SDK client does is unchanged: the same middleware (retries, signing, the
 * bench's counting), the same request it would send to AWS, the same response parsed by the same
 * deserializer. Only the last step changes: where NodeHttpHandler would write the request to a
 * loopback socket, and the emulator's HTTP server parse it back, the request's method, path,
 * headers and body cross to the emulator's thread as one message, and its server handles them as
 * the request it would have parsed (the same listener: for DynamoDB the IAM check, transactions,
 * dynalite), its answer coming back the same way. On a 2-core machine the two HTTP stacks, client
 * and server, were about a sixth of the local stack's CPU under load (`npm run bench -- --only=load`).
 *
 * Only requests to the emulator's own endpoint take this path; anything else (a fault proxy in
 * front of it, which must be able to reset a connection; AWS itself; a provider) goes over HTTP as
 * before. A server that cuts a response fails it as a reset connection, which the SDK retries as it
 * would on AWS. A port that closes (its emulator stopped, or its thread died) fails what it was
 * answering as a reset connection and drops the route: from then on the endpoint is reached over
 * HTTP again, where a stopped server refuses the connection, as before.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { Readable, Writable } from "node:stream";
import type { MessagePort } from "node:worker_threads";
import { buildQueryString, HttpResponse } from "@smithy/core/protocols";
import { NodeHttpHandler } from "@smithy/node-http-handler";

interface WireRequest {
  id: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  /**
   * The body as text: a string body as it is (`utf8`), bytes one character per byte (`latin1`).
   * Strings cross by copy into the receiving thread's heap; a transferred ArrayBuffer would be
   * allocated by one thread and freed by another, which grew the process's RSS under load.
   */
  body: string;
  encoding: "utf8" | "latin1";
}

type WireAnswer =
  | {
      id: number;
      status: number;
      reason: string;
      headers: Record<string, string | string[]>;
      /** The answer's bytes, one character per byte. */
      body: string;
    }
  | { id: number; reset: string };

/** A request listener, as `http.createServer` takes one. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of a ServerResponse the local servers use, collecting the answer instead of writing it. */
class CollectedResponse extends Writable {
  statusCode = 200;
  statusMessage = "";
  headersSent = false;
  /** Set by Node's ServerResponse too: a `Date` header unless told otherwise. */
  sendDate = true;
  private readonly headers = new Map<string, string | string[]>();
  private readonly chunks: Buffer[] = [];

  constructor(
    answer: (
      status: number,
      reason: string,
      headers: Record<string, string | string[]>,
      body: Buffer,
    ) => void,
  ) {
    super();
    this.once("finish", () => {
      if (this.sendDate && !this.headers.has("date")) this.headers.set("date", new Date().toUTCString());
      answer(
        this.statusCode,
        this.statusMessage || STATUS_CODES[this.statusCode] || "unknown",
        Object.fromEntries(this.headers),
        Buffer.concat(this.chunks),
      );
    });
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    if (this.headersSent) {
      throw Object.assign(new Error("Cannot set headers after they are sent to the client"), {
        code: "ERR_HTTP_HEADERS_SENT",
      });
    }
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? [...value] : String(value));
    return this;
  }
  getHeader(name: string) {
    return this.headers.get(name.toLowerCase());
  }
  getHeaders() {
    return Object.fromEntries(this.headers);
  }
  hasHeader(name: string) {
    return this.headers.has(name.toLowerCase());
  }
  removeHeader(name: string) {
    this.headers.delete(name.toLowerCase());
  }
  /** As ServerResponse: (status, [reason], [headers]), headers as an object or a flat [name, value, ...] list. */
  writeHead(status: number, ...rest: unknown[]): this {
    this.statusCode = status;
    if (typeof rest[0] === "string") this.statusMessage = rest.shift() as string;
    const headers = rest[0];
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), headers[i + 1]);
    } else if (typeof headers === "object" && headers !== null) {
      for (const [name, value] of Object.entries(headers as Record<string, number | string | string[]>))
        if (value !== undefined) this.setHeader(name, value);
    }
    this.headersSent = true;
    return this;
  }
  override _write(
    chunk: Buffer | string,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    this.headersSent = true;
    this.chunks.push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk);
    callback();
  }
  /** As ServerResponse: destroying it cuts the connection; it emits no error of its own. */
  override destroy(): this {
    return super.destroy();
  }
}

/** What serves one port: stop it (the port closes, so its requests fail as a reset connection). */
export interface MessageServer {
  close(): void;
  /** Requests answered so far. */
  served(): number;
}

/**
 * Server side: answers the requests that arrive on `port` with `listener`, as its HTTP server would.
 * A response destroyed before it ended (a connection the server meant to cut) reaches the client as
 * a reset connection.
 */
export function serveByMessage(port: MessagePort, listener: RequestListener): MessageServer {
  let served = 0;
  port.on("message", (request: WireRequest) => {
    let answered = false;
    const reply = (answer: WireAnswer) => {
      if (answered) return;
      answered = true;
      if (!("reset" in answer)) served++;
      port.postMessage(answer);
    };
    const res = new CollectedResponse((status, reason, headers, body) =>
      reply({ id: request.id, status, reason, headers, body: body.toString("latin1") }),
    );
    res.once("close", () => reply({ id: request.id, reset: "socket hang up" }));
    const bytes = Buffer.from(request.body, request.encoding);
    const req = Object.assign(Readable.from([bytes]), {
      method: request.method,
      url: request.url,
      headers: request.headers,
      httpVersion: "1.1",
      // Destroying the request's socket (a proxy's "drop") cuts the connection: the response.
      socket: { remoteAddress: "127.0.0.1", destroy: () => res.destroy() },
    }) as unknown as IncomingMessage;
    try {
      listener(req, res as unknown as ServerResponse);
    } catch {
      // A listener that throws synchronously kills its HTTP server's process; here, the connection.
      res.destroy();
    }
  });
  return { close: () => closePort(port), served: () => served };
}

/**
 * Said on a port before the serving side closes it. A port's "close" event reaches only a listener
 * attached before it happens, and a port handed to a thread that starts later (a restarted functions
 * thread) attaches its listener after some ticks: messages wait for it, the event does not.
 */
const CLOSING = { closing: true } as const;

/** Closes a served port so that its client hears it, whenever it starts listening. */
export function closePort(port: MessagePort): void {
  try {
    port.postMessage(CLOSING);
  } catch {
    // Closed already.
  }
  port.close();
}

/**
 * The ports one emulator serves (one per functions thread, a restarted one too): counted together,
 * and closed together when the emulator stops; a port handed over after that comes closed.
 */
export interface MessageServers {
  serve(port: MessagePort): void;
  close(): void;
  /** Requests answered so far, on ports closed since included. */
  served(): number;
}

export function messageServers(listener: RequestListener): MessageServers {
  const open = new Set<MessageServer>();
  let retired = 0;
  let closed = false;
  return {
    serve(port) {
      if (closed) {
        closePort(port);
        return;
      }
      const server = serveByMessage(port, listener);
      open.add(server);
      port.once("close", () => {
        retired += server.served();
        open.delete(server);
      });
      // It never keeps its thread alive by itself, as an idle keep-alive connection does not.
      port.unref();
    },
    close() {
      closed = true;
      for (const server of open) server.close();
    },
    served() {
      let count = retired;
      for (const server of open) count += server.served();
      return count;
    },
  };
}

/** `host:port` of an endpoint URL, as a request's hostname and port name it. */
function originOf(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.hostname}:${url.port}`;
}

type Route = (
  request: Omit<WireRequest, "id">,
  timeouts: Timeouts,
  signal?: AbortSignal,
) => Promise<WireAnswer>;

interface Timeouts {
  /** No answer within this many ms: the request fails as NodeHttpHandler's socket timeout fails it. */
  socketMs?: number;
  /** ...and as its request timeout, when the client throws on one. */
  requestMs?: number;
}

/** NodeHttpHandler's settings (the fields it reads for its timeouts). */
interface HandlerConfig {
  requestTimeout?: number;
  throwOnRequestTimeout?: boolean;
  socketTimeout?: number;
  defaultSocketTimeout?: number;
}

let routes: Map<string, Route> | undefined;

/**
 * Client side (a functions thread): every SDK client's requests to `endpoint` go to `port` (served
 * by serveByMessage) instead of over a socket, until the port closes. Installed once per thread, on
 * NodeHttpHandler itself, so the functions' own code and clients are untouched. Answers a function
 * that removes the route and closes the port.
 */
export function routeByMessage(endpoint: string, port: MessagePort): () => void {
  if (!routes) {
    routes = new Map();
    const table = routes;
    const handle = NodeHttpHandler.prototype.handle;
    NodeHttpHandler.prototype.handle = async function (
      this: NodeHttpHandler,
      request: Parameters<NodeHttpHandler["handle"]>[0],
      options?: Parameters<NodeHttpHandler["handle"]>[1],
    ) {
      const route = table.get(`${request.hostname}:${request.port ?? ""}`);
      const body = request.body as unknown;
      const wire: Pick<WireRequest, "body" | "encoding"> | undefined =
        body === undefined || body === null
          ? { body: "", encoding: "utf8" }
          : typeof body === "string"
            ? { body, encoding: "utf8" }
            : body instanceof Uint8Array
              ? {
                  body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1"),
                  encoding: "latin1",
                }
              : undefined;
      if (!route || wire === undefined) return handle.call(this, request, options);
      const self = this as unknown as { config?: HandlerConfig; configProvider: Promise<HandlerConfig> };
      self.config ??= await self.configProvider;
      const config = self.config;
      const requestMs = options?.requestTimeout ?? config.requestTimeout;
      const timeouts: Timeouts = {
        ...positive("socketMs", config.socketTimeout ?? config.defaultSocketTimeout),
        ...(config.throwOnRequestTimeout ? positive("requestMs", requestMs) : {}),
      };
      const query = request.query ? buildQueryString(request.query) : "";
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const answer = await route(
        {
          method: request.method,
          url: query ? `${request.path}?${query}` : request.path,
          headers,
          ...wire,
        },
        timeouts,
        options?.abortSignal as AbortSignal | undefined,
      );
      if ("reset" in answer) throw Object.assign(new Error(answer.reset), { code: "ECONNRESET" });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers))
        responseHeaders[name] = Array.isArray(value) ? value.join(", ") : value;
      return {
        response: new HttpResponse({
          statusCode: answer.status,
          reason: answer.reason,
          headers: responseHeaders,
          body: Readable.from([Buffer.from(answer.body, "latin1")]),
        }),
      };
    };
  }
  const table = routes;
  const origin = originOf(endpoint);
  let nextId = 0;
  let closed = false;
  const waiting = new Map<number, (answer: WireAnswer) => void>();
  port.on("message", (answer: WireAnswer | typeof CLOSING) => {
    if ("closing" in answer) {
      close();
      return;
    }
    const settle = waiting.get(answer.id);
    waiting.delete(answer.id);
    settle?.(answer);
  });
  const route: Route = (request, timeouts, signal) => {
    if (closed) return Promise.resolve({ id: -1, reset: "socket hang up" });
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<WireAnswer>((resolve, reject) => {
      const id = nextId++;
      const timers: NodeJS.Timeout[] = [];
      const done = () => {
        waiting.delete(id);
        for (const timer of timers) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        done();
        reject(abortError(signal));
      };
      const timeOut = (ms: number | undefined, message: string, fields: Record<string, string>) => {
        if (ms === undefined) return;
        timers.push(
          setTimeout(() => {
            done();
            reject(Object.assign(new Error(message), { name: "TimeoutError", ...fields }));
          }, ms),
        );
      };
      timeOut(
        timeouts.socketMs,
        `the request socket timed out after ${timeouts.socketMs} ms of inactivity`,
        {},
      );
      timeOut(
        timeouts.requestMs,
        `a request has exceeded the configured ${timeouts.requestMs} ms requestTimeout`,
        {
          code: "ETIMEDOUT",
        },
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.set(id, (answer) => {
        done();
        resolve(answer);
      });
      const message = { id, ...request } satisfies WireRequest;
      port.postMessage(message);
    });
  };
  const close = () => {
    if (closed) return;
    closed = true;
    if (table.get(origin) === route) table.delete(origin);
    for (const [id, settle] of waiting) settle({ id, reset: "socket hang up" });
    waiting.clear();
  };
  // The serving side stopped (or its thread died): what it had not answered fails as a reset
  // connection, and the endpoint is reached over HTTP again, where nothing may listen any more.
  port.on("close", close);
  // It never keeps a thread alive by itself, as an idle keep-alive socket does not.
  port.unref();
  table.set(origin, route);
  return () => {
    close();
    port.close();
  };
}

function positive<K extends string>(key: K, ms: number | undefined): Partial<Record<K, number>> {
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ({ [key]: ms } as Record<K, number>) : {};
}

/** As NodeHttpHandler's: the signal's reason as the cause (an error) or as the message. */
function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  const error =
    reason && !(reason instanceof Error) ? new Error(String(reason)) : new Error("Request aborted");
  error.name = "AbortError";
  if (reason instanceof Error) error.cause = reason;
  return error;
}
