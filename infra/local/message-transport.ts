/**
 * The functions threads reach the local DynamoDB thread by message instead of by socket.
 *
 * What a function's SDK client does is unchanged: the same middleware (retries, signing, the
 * bench's counting), the same request it would send to AWS, the same response parsed by the same
 * deserializer. Only the last step changes: where NodeHttpHandler would write the request to a
 * loopback socket, and the emulator's HTTP server parse it back, the request's method, path,
 * headers and body cross to the DynamoDB thread as one message, and its server handles them as
 * the request it would have parsed (the same listener: IAM check, transactions, dynalite), its
 * answer coming back the same way. On a 2-core machine the two HTTP stacks, client and server,
 * were about a sixth of the local stack's CPU under load (`npm run bench -- --only=load`).
 *
 * Only requests to the emulator's own endpoint take this path; anything else (a fault proxy in
 * front of it, which must be able to reset a connection; AWS itself; a provider) goes over HTTP as
 * before. A thread that dies fails what it was answering as a reset connection, which the SDK
 * retries as it would on AWS.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, Writable } from "node:stream";
import type { MessagePort } from "node:worker_threads";
import { buildQueryString, HttpResponse } from "@smithy/core/protocols";
import { NodeHttpHandler } from "@smithy/node-http-handler";

interface WireRequest {
  id: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

type WireAnswer =
  | { id: number; status: number; headers: Record<string, string | string[]>; body: Uint8Array }
  | { id: number; reset: string };

/** A request listener, as `http.createServer` takes one. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of a ServerResponse the local servers use, collecting the answer instead of writing it. */
class CollectedResponse extends Writable {
  statusCode = 200;
  statusMessage = "";
  headersSent = false;
  private readonly headers = new Map<string, string | string[]>();
  private readonly chunks: Buffer[] = [];

  constructor(answer: (status: number, headers: Record<string, string | string[]>, body: Buffer) => void) {
    super();
    this.once("finish", () =>
      answer(this.statusCode, Object.fromEntries(this.headers), Buffer.concat(this.chunks)),
    );
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? [...value] : String(value));
    return this;
  }
  getHeader(name: string) {
    return this.headers.get(name.toLowerCase());
  }
  hasHeader(name: string) {
    return this.headers.has(name.toLowerCase());
  }
  removeHeader(name: string) {
    this.headers.delete(name.toLowerCase());
  }
  writeHead(status: number, ...rest: unknown[]): this {
    this.statusCode = status;
    const headers = rest.find((arg) => typeof arg === "object" && arg !== null) as
      | Record<string, number | string | string[] | undefined>
      | undefined;
    for (const [name, value] of Object.entries(headers ?? {}))
      if (value !== undefined) this.setHeader(name, value);
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
}

/**
 * Server side: answers the requests that arrive on `port` with `listener`, as its HTTP server would.
 * A response destroyed before it ended (a connection the server meant to cut) reaches the client as
 * a reset connection.
 */
export function serveByMessage(port: MessagePort, listener: RequestListener): void {
  port.on("message", (request: WireRequest) => {
    let answered = false;
    const reply = (answer: WireAnswer) => {
      if (answered) return;
      answered = true;
      port.postMessage(answer);
    };
    const res = new CollectedResponse((status, headers, body) =>
      reply({ id: request.id, status, headers, body }),
    );
    res.once("close", () => reply({ id: request.id, reset: "socket hang up" }));
    const req = Object.assign(Readable.from([Buffer.from(request.body)]), {
      method: request.method,
      url: request.url,
      headers: request.headers,
      httpVersion: "1.1",
      socket: { remoteAddress: "127.0.0.1" },
    }) as unknown as IncomingMessage;
    listener(req, res as unknown as ServerResponse);
  });
}

/** `host:port` of an endpoint URL, as a request's hostname and port name it. */
export function originOf(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.hostname}:${url.port}`;
}

let routes:
  | Map<string, (request: Omit<WireRequest, "id">, signal?: AbortSignal) => Promise<WireAnswer>>
  | undefined;

/**
 * Client side (a functions thread): every SDK client's requests to `endpoint` go to `port` (served
 * by serveByMessage) instead of over a socket. Installed once per thread, on NodeHttpHandler itself,
 * so the functions' own code and clients are untouched.
 */
export function routeByMessage(endpoint: string, port: MessagePort): () => void {
  if (!routes) {
    routes = new Map();
    const table = routes;
    const handle = NodeHttpHandler.prototype.handle;
    NodeHttpHandler.prototype.handle = function (
      this: NodeHttpHandler,
      request: Parameters<NodeHttpHandler["handle"]>[0],
      options?: Parameters<NodeHttpHandler["handle"]>[1],
    ) {
      const route = table.get(`${request.hostname}:${request.port ?? ""}`);
      const body = request.body as unknown;
      const bytes =
        body === undefined || body === null
          ? new Uint8Array()
          : typeof body === "string"
            ? Buffer.from(body)
            : body instanceof Uint8Array
              ? body
              : undefined;
      if (!route || bytes === undefined) return handle.call(this, request, options);
      const query = request.query ? buildQueryString(request.query) : "";
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      return route(
        {
          method: request.method,
          url: query ? `${request.path}?${query}` : request.path,
          headers,
          body: bytes,
        },
        options?.abortSignal as AbortSignal | undefined,
      ).then((answer) => {
        if ("reset" in answer) {
          throw Object.assign(new Error(answer.reset), { code: "ECONNRESET", name: "Error" });
        }
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(answer.headers))
          responseHeaders[name] = Array.isArray(value) ? value.join(", ") : value;
        return {
          response: new HttpResponse({
            statusCode: answer.status,
            headers: responseHeaders,
            body: Readable.from([Buffer.from(answer.body)]),
          }),
        };
      });
    };
  }
  let nextId = 0;
  const waiting = new Map<number, (answer: WireAnswer) => void>();
  port.on("message", (answer: WireAnswer) => {
    const settle = waiting.get(answer.id);
    waiting.delete(answer.id);
    settle?.(answer);
  });
  port.on("close", () => {
    for (const [id, settle] of waiting) settle({ id, reset: "socket hang up" });
    waiting.clear();
  });
  // It never keeps a thread alive by itself, as an idle keep-alive socket does not.
  port.unref();
  const origin = originOf(endpoint);
  const route: NonNullable<typeof routes> extends Map<string, infer R> ? R : never = (request, signal) => {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<WireAnswer>((resolve, reject) => {
      const id = nextId++;
      const onAbort = () => {
        waiting.delete(id);
        reject(abortError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.set(id, (answer) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(answer);
      });
      port.postMessage({ id, ...request } satisfies WireRequest);
    });
  };
  routes.set(origin, route);
  // Removes the route (requests to the endpoint go over HTTP again) and closes the port.
  return () => {
    if (routes?.get(origin) === route) routes.delete(origin);
    port.close();
  };
}

function abortError(): Error {
  return Object.assign(new Error("Request aborted"), { name: "AbortError" });
}
