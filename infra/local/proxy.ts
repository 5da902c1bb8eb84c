/**
 * A small HTTP proxy in front of a local emulator or fake: what the local runtime adds on the wire
 * between a client and what it talks to (fault injection, SES's sending events), without touching
 * either. The client is given the proxy's URL (with the target's path), and every request is
 * forwarded unchanged unless the handler answers it itself.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Decides one request: answer it without the target, or call `forward` (once) and answer what the
 * target answered (or something else); "drop" destroys the connection without an answer.
 */
export type ProxyHandler = (
  req: IncomingMessage,
  body: Buffer,
  forward: () => Promise<ProxiedAnswer>,
) => Promise<ProxiedAnswer | "drop">;

export interface LocalProxy {
  /** Point the client here instead of at the target. */
  url: string;
  /** The proxy's request listener (message-transport.ts serves it without a socket). */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  stop(): Promise<void>;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startProxy(options: {
  /** An http:// origin, optionally with a base path. */
  target: string;
  handle: ProxyHandler;
  host?: string;
}): Promise<LocalProxy> {
  const target = new URL(options.target);
  const host = options.host ?? "127.0.0.1";
  const forward = (req: IncomingMessage, body: Buffer) => () =>
    new Promise<ProxiedAnswer>((resolve, reject) => {
      const out = request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          // The client was given this proxy's origin with the target's path: req.url already has it.
          path: req.url ?? "/",
          headers: { ...req.headers, host: target.host },
        },
        (response) => {
          readBody(response).then(
            (data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }),
            reject,
          );
        },
      );
      out.on("error", reject);
      out.end(body);
    });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    (async () => {
      const body = await readBody(req);
      const answer = await options.handle(req, body, forward(req, body));
      if (answer === "drop") {
        req.socket.destroy();
        return;
      }
      const { "transfer-encoding": _chunked, connection: _connection, ...headers } = answer.headers;
      res.writeHead(answer.status, { ...headers, "content-length": String(answer.body.length) });
      res.end(answer.body);
    })().catch(() => {
      // The target itself failed: answer as a gateway would.
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  };
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const path = target.pathname.replace(/\/$/, "");
  return {
    url: `http://${host}:${port}${path}`,
    listener,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
