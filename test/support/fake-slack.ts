/**
 * A small stand-in for Slack's Web API on localhost, as far as the config API uses it:
 * `GET /api/conversations.list` with `Authorization: Bearer <token>`, paged through
 * `response_metadata.next_cursor`, answering Slack's way: HTTP 200 with `{ ok: false, error }` for a
 * missing or unknown token or a bad cursor, and HTTP 429 with `Retry-After` when told to rate limit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSlackChannel {
  id: string;
  name: string;
  is_member: boolean;
  is_private?: boolean;
  is_archived?: boolean;
}

export interface FakeSlackRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

export interface FakeSlack {
  /** Use as the Slack API base URL (`<url>/conversations.list`). */
  baseUrl: string;
  readonly requests: FakeSlackRequest[];
  /** The channels a bot token sees; any other token is `invalid_auth`. */
  addWorkspace(botToken: string, channels: FakeSlackChannel[]): void;
  /** Answer the next `count` requests with 429 and this Retry-After (seconds). */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  stop(): Promise<void>;
}

export async function startFakeSlack(options: { pageSize?: number; host?: string } = {}): Promise<FakeSlack> {
  // Slack may return fewer channels than `limit` asks for; a small page makes paging visible.
  const pageSize = options.pageSize ?? 2;
  const host = options.host ?? "127.0.0.1";
  const workspaces = new Map<string, FakeSlackChannel[]>();
  const requests: FakeSlackRequest[] = [];
  let rateLimited = { count: 0, retryAfterSeconds: 1 };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const query = Object.fromEntries(url.searchParams);
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
    });
    if (rateLimited.count > 0) {
      rateLimited.count--;
      return send(
        res,
        429,
        { ok: false, error: "ratelimited" },
        {
          "retry-after": String(rateLimited.retryAfterSeconds),
        },
      );
    }
    if (url.pathname !== "/api/conversations.list") {
      return send(res, 404, { ok: false, error: "unknown_method" });
    }
    const authorization = req.headers.authorization;
    if (!authorization) return send(res, 200, { ok: false, error: "not_authed" });
    const token = /^Bearer (.+)$/.exec(authorization)?.[1];
    const channels = token === undefined ? undefined : workspaces.get(token);
    if (!channels) return send(res, 200, { ok: false, error: "invalid_auth" });

    const types = (query.types ?? "public_channel").split(",");
    const visible = channels.filter(
      (c) =>
        types.includes(c.is_private ? "private_channel" : "public_channel") &&
        !(query.exclude_archived === "true" && c.is_archived),
    );
    // Slack's cursors are opaque base64; here, of the offset.
    let offset = 0;
    if (query.cursor) {
      offset = Number(
        Buffer.from(query.cursor, "base64")
          .toString("utf8")
          .replace(/^offset:/, ""),
      );
      if (!Number.isInteger(offset) || offset < 0)
        return send(res, 200, { ok: false, error: "invalid_cursor" });
    }
    const limit = Math.min(Number(query.limit ?? 100) || 100, 1000, pageSize);
    const page = visible.slice(offset, offset + limit);
    const next =
      offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
    return send(res, 200, { ok: true, channels: page, response_metadata: { next_cursor: next } });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://${host}:${port}/api`,
    requests,
    addWorkspace(botToken, channels) {
      workspaces.set(botToken, structuredClone(channels));
    },
    rateLimitNext(count, retryAfterSeconds) {
      rateLimited = { count, retryAfterSeconds };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
