/**
 * A small stand-in for Slack on localhost, answering the way Slack does:
 * - Web API under `/api`, `Authorization: Bearer <token>`, HTTP 200 with `{ ok: false, error }` for
 *   every refusal: `GET conversations.list` (paged through `response_metadata.next_cursor`),
 *   `GET users.lookupByEmail?email=` (`users_not_found`; `missing_scope` without users:read.email),
 *   `POST chat.postMessage` with a JSON body (`application/json`, else `invalid_post_type`):
 *   `channel_not_found`, `is_archived`, `not_in_channel`, `no_text`; its `metadata`
 *   (`{ event_type, event_payload }`) is kept with the message; `GET conversations.history?channel=
 *   &oldest=&inclusive=&include_all_metadata=&cursor=&limit=` (scope channels:history, else
 *   `missing_scope`) answers the channel's messages newest first, with their `metadata` only when
 *   `include_all_metadata=true`, paged through `response_metadata.next_cursor`;
 * - incoming webhooks: `POST /services/...` with JSON `{ text }`, answering 200 `ok`, or Slack's
 *   plain-text errors: 400 `invalid_payload` / `no_text`, 404 `no_service` / `channel_not_found`,
 *   410 `channel_is_archived`;
 * - HTTP 429 with `Retry-After` when told to rate limit, any other answer when told to fail, the
 *   request taken (a message posted) and then an error answered when told to act then fail (a
 *   gateway in front of Slack failing after Slack did the work), and no answer at all when told to
 *   stall (a response lost after the request was sent).
 * Messages that Slack would have posted are in `messages`; every request is in `requests`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listen, readBody } from "./http-fake.js";

export interface FakeSlackChannel {
  id: string;
  name: string;
  is_member: boolean;
  is_private?: boolean;
  is_archived?: boolean;
}

export interface FakeSlackUser {
  id: string;
  email: string;
}

export interface FakeSlackRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The raw request body ("" for a GET). */
  body: string;
}

export interface FakeSlackMessage {
  via: "bot_token" | "incoming_webhook";
  /** The channel's id. */
  channel: string;
  text: string;
  ts: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** An answer to give instead of the real one. `body`: a string as is, anything else as JSON. */
export interface FakeSlackAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeSlack {
  /** Use as the Slack API base URL (`<url>/conversations.list`). */
  baseUrl: string;
  /** Use as the incoming-webhook origin override: webhook paths (`/services/...`) are served here. */
  webhookBaseUrl: string;
  readonly requests: FakeSlackRequest[];
  readonly messages: FakeSlackMessage[];
  /**
   * The channels (and people) a bot token sees; any other token is `invalid_auth`. Without the
   * users:read.email scope, lookups answer `missing_scope`.
   */
  addWorkspace(
    botToken: string,
    channels: FakeSlackChannel[],
    options?: { users?: FakeSlackUser[]; scopes?: string[] },
  ): void;
  /** An incoming webhook at this path (`/services/T.../B.../...`) posting to this channel. */
  addWebhook(path: string, channel: FakeSlackChannel): void;
  /** Answer the next `count` requests with 429 and this Retry-After (seconds). */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** Answer the next `count` requests to `path` (any, when absent) with `answer` instead. */
  failNext(count: number, answer: FakeSlackAnswer, path?: string): void;
  /**
   * Take the next `count` requests to `path` (any, when absent) as usual, posting included, then
   * answer `answer` instead: a 5xx from a gateway that gave up after Slack had acted.
   */
  actThenFailNext(count: number, answer: FakeSlackAnswer, path?: string): void;
  /** Take the next `count` requests to `path` (any, when absent) as usual, posting included, but never answer. */
  stallNext(count: number, path?: string): void;
  /** Forget requests, messages and pending failures (not workspaces or webhooks). */
  reset(): void;
  stop(): Promise<void>;
}

const ALL_SCOPES = [
  "channels:read",
  "groups:read",
  "chat:write",
  "users:read",
  "users:read.email",
  "channels:history",
  "groups:history",
];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface Workspace {
  channels: FakeSlackChannel[];
  users: FakeSlackUser[];
  scopes: string[];
}

export async function startFakeSlack(options: { pageSize?: number; host?: string } = {}): Promise<FakeSlack> {
  // Slack may return fewer channels than `limit` asks for; a small page makes paging visible.
  const pageSize = options.pageSize ?? 2;
  const host = options.host ?? "127.0.0.1";
  const workspaces = new Map<string, Workspace>();
  const webhooks = new Map<string, FakeSlackChannel>();
  const requests: FakeSlackRequest[] = [];
  const messages: FakeSlackMessage[] = [];
  let rateLimited = { count: 0, retryAfterSeconds: 1 };
  let failures: Array<{ count: number; answer: FakeSlackAnswer; path: string | undefined }> = [];
  let actThenFailures: Array<{ count: number; answer: FakeSlackAnswer; path: string | undefined }> = [];
  let stalls: Array<{ count: number; path: string | undefined }> = [];
  let sequence = 0;

  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
  // Slack answers incoming webhooks in text/html, whatever the outcome.
  const text = (status: number, body: string): Answer => ({
    status,
    body,
    headers: { "content-type": "text/html" },
  });
  const given = ({ status, body = "", headers = {} }: FakeSlackAnswer): Answer =>
    typeof body === "string"
      ? { status, body, headers: { "content-type": "text/plain", ...headers } }
      : json(status, body, headers);
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++sequence).padStart(6, "0")}`;

  const take = <T extends { count: number; path: string | undefined }>(list: T[], path: string) => {
    const entry = list.find((e) => e.count > 0 && (e.path === undefined || e.path === path));
    if (entry) entry.count--;
    return entry;
  };

  const workspaceOf = (req: IncomingMessage): Workspace | "not_authed" | "invalid_auth" => {
    const authorization = req.headers.authorization;
    if (!authorization) return "not_authed";
    const token = /^Bearer (.+)$/.exec(authorization)?.[1];
    return (token === undefined ? undefined : workspaces.get(token)) ?? "invalid_auth";
  };

  const findChannel = (channels: FakeSlackChannel[], ref: string) =>
    channels.find((c) => c.id === ref || c.name === ref.replace(/^#/, ""));

  const conversationsList = (workspace: Workspace, query: Record<string, string>): Answer => {
    const types = (query.types ?? "public_channel").split(",");
    const visible = workspace.channels.filter(
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
      if (!Number.isInteger(offset) || offset < 0) return json(200, { ok: false, error: "invalid_cursor" });
    }
    const limit = Math.min(Number(query.limit ?? 100) || 100, 1000, pageSize);
    const page = visible.slice(offset, offset + limit);
    const next =
      offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
    return json(200, { ok: true, channels: page, response_metadata: { next_cursor: next } });
  };

  const lookupByEmail = (workspace: Workspace, query: Record<string, string>): Answer => {
    if (!workspace.scopes.includes("users:read.email")) {
      return json(200, { ok: false, error: "missing_scope", needed: "users:read.email" });
    }
    const email = (query.email ?? "").toLowerCase();
    const user = workspace.users.find((u) => u.email.toLowerCase() === email);
    if (!user) return json(200, { ok: false, error: "users_not_found" });
    return json(200, { ok: true, user: { id: user.id, profile: { email: user.email } } });
  };

  const postMessage = (workspace: Workspace, contentType: string, raw: string): Answer => {
    if (!/^application\/json\b/i.test(contentType))
      return json(200, { ok: false, error: "invalid_post_type" });
    let body: { channel?: unknown; text?: unknown; metadata?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return json(200, { ok: false, error: "invalid_json" });
    }
    const channel =
      typeof body.channel === "string" ? findChannel(workspace.channels, body.channel) : undefined;
    if (!channel) return json(200, { ok: false, error: "channel_not_found" });
    if (channel.is_archived) return json(200, { ok: false, error: "is_archived" });
    if (!channel.is_member) return json(200, { ok: false, error: "not_in_channel" });
    if (typeof body.text !== "string" || body.text.trim() === "") {
      return json(200, { ok: false, error: "no_text" });
    }
    const ts = nextTs();
    const metadata = body.metadata as FakeSlackMessage["metadata"] | undefined;
    if (
      metadata !== undefined &&
      (typeof metadata?.event_type !== "string" || typeof metadata.event_payload !== "object")
    )
      return json(200, { ok: false, error: "invalid_metadata_format" });
    messages.push({
      via: "bot_token",
      channel: channel.id,
      text: body.text,
      ts,
      ...(metadata && { metadata }),
    });
    return json(200, { ok: true, channel: channel.id, ts, message: { text: body.text, type: "message" } });
  };

  const conversationsHistory = (workspace: Workspace, query: Record<string, string>): Answer => {
    const channel = findChannel(workspace.channels, query.channel ?? "");
    if (!channel || channel.id !== query.channel) return json(200, { ok: false, error: "channel_not_found" });
    const scope = channel.is_private ? "groups:history" : "channels:history";
    if (!workspace.scopes.includes(scope))
      return json(200, { ok: false, error: "missing_scope", needed: scope });
    const oldest = Number(query.oldest ?? 0);
    const inclusive = query.inclusive === "true";
    const found = messages
      .filter((m) => m.channel === channel.id)
      .filter((m) => (inclusive ? Number(m.ts) >= oldest : Number(m.ts) > oldest))
      .reverse();
    const offset = query.cursor ? Number(Buffer.from(query.cursor, "base64").toString("utf8")) : 0;
    const limit = Math.min(Number(query.limit ?? 100) || 100, 999, pageSize);
    const page = found.slice(offset, offset + limit).map((m) => ({
      type: "message",
      text: m.text,
      ts: m.ts,
      ...(query.include_all_metadata === "true" && m.metadata ? { metadata: m.metadata } : {}),
    }));
    const more = offset + limit < found.length;
    return json(200, {
      ok: true,
      messages: page,
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(String(offset + limit)).toString("base64") : "" },
    });
  };

  const incomingWebhook = (path: string, raw: string): Answer => {
    const channel = webhooks.get(path);
    if (!channel) return text(404, "no_service");
    let body: { text?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return text(400, "invalid_payload");
    }
    if (typeof body.text !== "string" || body.text.trim() === "") return text(400, "no_text");
    if (channel.is_archived) return text(410, "channel_is_archived");
    messages.push({ via: "incoming_webhook", channel: channel.id, text: body.text, ts: nextTs() });
    return text(200, "ok");
  };

  /** What Slack would answer, after taking effect (a message posted) where it would. */
  const answer = (req: IncomingMessage, url: URL, raw: string): Answer => {
    const query = Object.fromEntries(url.searchParams);
    if (url.pathname.startsWith("/services/")) {
      if (req.method !== "POST") return text(405, "invalid_method");
      return incomingWebhook(url.pathname, raw);
    }
    const routes: Record<string, { method: string; run: (workspace: Workspace) => Answer }> = {
      "/api/conversations.list": { method: "GET", run: (w) => conversationsList(w, query) },
      "/api/users.lookupByEmail": { method: "GET", run: (w) => lookupByEmail(w, query) },
      "/api/conversations.history": { method: "GET", run: (w) => conversationsHistory(w, query) },
      "/api/chat.postMessage": {
        method: "POST",
        run: (w) => postMessage(w, req.headers["content-type"] ?? "", raw),
      },
    };
    const route = routes[url.pathname];
    if (!route) return json(404, { ok: false, error: "unknown_method" });
    if (req.method !== route.method) return json(200, { ok: false, error: "invalid_method" });
    const workspace = workspaceOf(req);
    if (typeof workspace === "string") return json(200, { ok: false, error: workspace });
    return route.run(workspace);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body: raw,
    });
    let reply: Answer;
    if (rateLimited.count > 0) {
      rateLimited.count--;
      reply = json(
        429,
        { ok: false, error: "ratelimited" },
        { "retry-after": String(rateLimited.retryAfterSeconds) },
      );
    } else {
      const failure = take(failures, url.pathname);
      if (failure) {
        reply = given(failure.answer);
      } else {
        const afterwards = take(actThenFailures, url.pathname);
        const stalled = afterwards === undefined && take(stalls, url.pathname) !== undefined;
        reply = answer(req, url, raw);
        // The request took effect; its answer is replaced, or lost (until the connection is dropped).
        if (afterwards) reply = given(afterwards.answer);
        if (stalled) return;
      }
    }
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  const server = createServer((req, res) => {
    void readBody(req).then((body) => handle(req, res, body));
  });
  const { port, stop } = await listen(server, host);

  return {
    baseUrl: `http://${host}:${port}/api`,
    webhookBaseUrl: `http://${host}:${port}`,
    requests,
    messages,
    addWorkspace(botToken, channels, options = {}) {
      workspaces.set(botToken, {
        channels: structuredClone(channels),
        users: structuredClone(options.users ?? []),
        scopes: options.scopes ?? ALL_SCOPES,
      });
    },
    addWebhook(path, channel) {
      webhooks.set(path, structuredClone(channel));
    },
    rateLimitNext(count, retryAfterSeconds) {
      rateLimited = { count, retryAfterSeconds };
    },
    failNext(count, answer, path) {
      failures.push({ count, answer, path });
    },
    actThenFailNext(count, answer, path) {
      actThenFailures.push({ count, answer, path });
    },
    stallNext(count, path) {
      stalls.push({ count, path });
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      rateLimited = { count: 0, retryAfterSeconds: 1 };
      failures = [];
      actThenFailures = [];
      stalls = [];
    },
    stop,
  };
}
