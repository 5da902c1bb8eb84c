/// <reference lib="dom" />
/**
 * The widget's link to the API: batched track/identify sends with an offline queue, and the inbox
 * calls. Browser code, no dependencies. Every message gets its messageId when it is created, so a
 * resend after a failure, a reload or a reconnect is processed once by the engine.
 */

export interface Identity {
  accountId: string;
  userId?: string | undefined;
  userToken: string;
}

export interface Config {
  apiUrl: string;
  writeKey: string;
}

/** One message waiting to be sent, with the identity (token) it was made under. */
interface Queued {
  item: Record<string, unknown>;
  token: string;
}

/** The offline queue keeps at most this many messages; beyond it the oldest are dropped. */
export const MAX_QUEUED = 200;
/** One batch: the API takes 100 items; keepalive requests are limited to 64 KB in total. */
const BATCH_ITEMS = 50;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export type InboxItem = {
  id: string;
  kind: "notification" | "feedback_prompt";
  title?: string;
  body?: string;
  url?: string;
  question?: string;
  followUp?: string;
  readAt?: string;
  answeredAt?: string;
  dismissedAt?: string;
  createdAt: string;
};

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(at - Date.now(), 0);
}

const uuid = () =>
  typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

export class Transport {
  private queue: Queued[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryMs = 0;
  private sending = false;
  private readonly storageKey: string;

  constructor(
    private readonly config: Config,
    /** Called after messages reached the API (the engine may now have put something in the inbox). */
    private readonly onSent: () => void,
  ) {
    this.storageKey = `moments:queue:${config.writeKey.slice(0, 16)}`;
    this.queue = this.load();
  }

  /** Queues a message; it is sent with the next batch (within ~50 ms) or when back online. */
  enqueue(type: "track" | "identify", identity: Identity, fields: Record<string, unknown>) {
    const item = {
      type,
      ...fields,
      accountId: identity.accountId,
      ...(identity.userId ? { userId: identity.userId } : {}),
      messageId: uuid(),
      timestamp: new Date().toISOString(),
    };
    this.queue.push({ item, token: identity.userToken });
    if (this.queue.length > MAX_QUEUED) this.queue.splice(0, this.queue.length - MAX_QUEUED);
    this.save();
    this.schedule(50);
  }

  /** Sends what is queued now (page hide: keepalive, so it outlives the page). */
  flush(keepalive = false) {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    void this.send(keepalive);
  }

  /** Back online or page shown again: try at once, forgetting the backoff. */
  resume() {
    this.retryMs = 0;
    if (this.queue.length > 0) this.flush();
  }

  private schedule(delayMs: number) {
    if (this.timer !== undefined || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send(false);
    }, delayMs);
  }

  private async send(keepalive: boolean) {
    if (this.sending || this.queue.length === 0) return;
    if (typeof navigator !== "undefined" && navigator.onLine === false) return; // "online" resumes
    this.sending = true;
    const token = this.queue[0]?.token ?? "";
    const batch = this.queue.filter((q) => q.token === token).slice(0, BATCH_ITEMS);
    let retry = false;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(`${this.config.apiUrl}/v1/batch`, {
        method: "POST",
        headers: this.headers(token),
        body: JSON.stringify({ batch: batch.map((q) => q.item) }),
        keepalive,
      });
      if (response.status === 429 || response.status >= 500) {
        retry = true;
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      } else {
        // 202 (rejected items are invalid and would be rejected again) or a 4xx that a resend cannot
        // fix (401: the token does not cover them; 403: origin refused): either way they leave.
        this.drop(batch);
        if (response.ok) this.onSent();
      }
    } catch {
      retry = true; // offline, a network error, or an answer without CORS headers: same messageIds later
    } finally {
      this.sending = false;
    }
    if (retry) {
      // Exponential backoff with jitter; the server's Retry-After is a floor (jitter only adds to it).
      this.retryMs = Math.min(Math.max(this.retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
      this.schedule(
        retryAfterMs === undefined
          ? this.retryMs * (0.75 + Math.random() / 2)
          : Math.min(Math.max(retryAfterMs, RETRY_MIN_MS), RETRY_MAX_MS) * (1 + Math.random() / 4),
      );
    } else {
      this.retryMs = 0;
      if (this.queue.length > 0) this.schedule(0);
    }
  }

  private drop(sent: Queued[]) {
    // Another tab holding the same stored queue may send it too: the same messageIds, so the engine
    // still processes each once.
    const ids = new Set(sent.map((q) => q.item.messageId));
    this.queue = this.queue.filter((q) => !ids.has(q.item.messageId));
    this.save();
  }

  headers(token: string): Record<string, string> {
    return {
      authorization: `Bearer ${this.config.writeKey}`,
      "content-type": "application/json",
      "x-moments-user-token": token,
    };
  }

  /** The user's inbox, unread first (one page of 50). Undefined when it could not be read. */
  async inbox(identity: Identity): Promise<InboxItem[] | undefined> {
    try {
      const response = await fetch(`${this.config.apiUrl}/v1/inbox${this.query(identity)}&limit=50`, {
        headers: this.headers(identity.userToken),
      });
      if (!response.ok) return undefined;
      return ((await response.json()) as { items: InboxItem[] }).items;
    } catch {
      return undefined;
    }
  }

  /** POSTs to an inbox route as the user; whether the API took it. */
  async post(identity: Identity, path: string, body?: unknown): Promise<boolean> {
    try {
      const response = await fetch(`${this.config.apiUrl}${path}${this.query(identity)}`, {
        method: "POST",
        headers: this.headers(identity.userToken),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.ok;
    } catch {
      return false;
    }
  }

  private query(identity: Identity) {
    const user = identity.userId ? `&userId=${encodeURIComponent(identity.userId)}` : "";
    return `?accountId=${encodeURIComponent(identity.accountId)}${user}`;
  }

  private load(): Queued[] {
    try {
      const stored = JSON.parse(localStorage.getItem(this.storageKey) ?? "[]") as unknown;
      return Array.isArray(stored) ? (stored as Queued[]) : [];
    } catch {
      return [];
    }
  }

  private save() {
    try {
      if (this.queue.length === 0) localStorage.removeItem(this.storageKey);
      else localStorage.setItem(this.storageKey, JSON.stringify(this.queue));
    } catch {
      // Storage full or disabled: the queue still lives in memory for this page.
    }
  }
}
