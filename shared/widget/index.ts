/// <reference lib="dom" />
/**
 * The in-app widget (browser, no dependencies): `Moments.init`, `identify`, `track`, `reset`,
 * `on('unread')`. It sends events through the batch endpoint, and shows what moments leave in the
 * user's inbox: feedback prompts (a non-blocking panel) and notifications (a list behind a launcher),
 * in an open shadow root. Served as /v1/widget.js (sets `window.Moments`) and /v1/widget.mjs (this
 * module's exports), both built from here by esbuild.
 */
import { css } from "./styles.js";
import { type Config, type Identity, type InboxItem, Transport } from "./transport.js";

export interface Labels {
  positive: string;
  neutral: string;
  frustrated: string;
  send: string;
  close: string;
  /** The follow-up field's label when the step has no follow-up question. */
  followUp: string;
  thanks: string;
  notifications: string;
  noNotifications: string;
  /** After the launcher's count ("Notifications, 2 unread") and an unread notification's title. */
  unread: string;
  /** Read to screen readers when a prompt appears. */
  newQuestion: string;
}

export const defaultLabels: Labels = {
  positive: "Positive",
  neutral: "Neutral",
  frustrated: "Frustrated",
  send: "Send",
  close: "Close",
  followUp: "Anything you want to add?",
  thanks: "Thanks for your feedback!",
  notifications: "Notifications",
  noNotifications: "Nothing new",
  unread: "unread",
  newQuestion: "New question",
};

export interface InitOptions extends Config {
  /** Localised texts (any subset). */
  labels?: Partial<Labels>;
  /** Corner of the viewport (default right). Colours, font, radius: CSS custom properties. */
  position?: "left" | "right";
  /** Show the notifications launcher (default true); off when the app shows its own. */
  launcher?: boolean;
}

export interface IdentifyOptions extends Identity {
  traits?: Record<string, unknown>;
  userTraits?: Record<string, unknown>;
}

type Listener = (unread: number) => void;

const CHANGE_KEYS = ["readAt", "answeredAt", "dismissedAt"] as const;
type LocalChange = Partial<Pick<InboxItem, (typeof CHANGE_KEYS)[number]>>;

/** After a send, the inbox is checked at these delays (the engine runs the moment meanwhile). */
const CHECKS_AFTER_SEND_MS = [150, 400, 700, 1_000, 1_400, 1_900, 2_500, 3_500, 5_000, 8_000];
/** While the tab is visible and nothing is sent, a slow poll with backoff. */
const SLOW_POLL_MIN_MS = 30_000;
const SLOW_POLL_MAX_MS = 300_000;

const REACTIONS = [
  ["positive", "😀"],
  ["neutral", "😐"],
  ["frustrated", "😣"],
] as const;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The launcher's icon, drawn (an emoji depends on the fonts the user has). */
function bell(): SVGSVGElement {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("fill", "currentColor");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute(
    "d",
    "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z",
  );
  svg.append(path);
  return svg;
}

/**
 * The page's controls in tab order (document order: a positive tabindex is rare), those after
 * `from` first: where the Tab key would have gone from it.
 */
function pageControls(from: HTMLElement): HTMLElement[] {
  // From inside a shadow root (the widget's bell, a row), the page's order is its host's; from a node
  // that is gone (the bell a sign-out removed) nothing comes "after", and the page's first control
  // is no place to send anyone.
  const root = from.getRootNode();
  const anchor = root instanceof ShadowRoot ? root.host : from;
  if (!anchor.isConnected) return [];
  const all = [
    ...document.querySelectorAll<HTMLElement>("a[href],button,input,select,textarea,summary,[tabindex]"),
  ].filter((node) => node.tabIndex >= 0);
  const after = all.filter((node) => anchor.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING);
  return [...after, ...all];
}

/** The same user (a new token for them is not another user). */
const sameUser = (a: Identity | undefined, b: Identity | undefined) =>
  a?.accountId === b?.accountId && a?.userId === b?.userId;

/** Sets a node's text only when it differs: every change is a mutation assistive tech hears about. */
function setText(node: Node | null | undefined, text = "") {
  if (node && node.textContent !== text) node.textContent = text;
}

/** Only http(s) links (relative ones resolve against the page): never `javascript:`. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

class Widget {
  private transport: Transport | undefined;
  private identity: Identity | undefined;
  private labels: Labels = defaultLabels;
  private options: InitOptions | undefined;
  private listeners = new Set<Listener>();
  private items: InboxItem[] = [];
  /**
   * What this page did to items (read, answered, dismissed), laid over every inbox read: a read that
   * started before the change can answer after it, and must not bring back an unread count or a
   * settled prompt.
   */
  private local = new Map<string, LocalChange>();
  private unread = -1;
  private shadow: ShadowRoot | undefined;
  private host: HTMLElement | undefined;
  private promptId: string | undefined;
  private listOpen = false;
  /** The notifications list and the launcher, made once (see render). */
  private list: HTMLElement | undefined;
  private launcher: HTMLButtonElement | undefined;
  /** The list's rows by item id, reused across renders. */
  private rows = new Map<string, HTMLLIElement>();
  /** What had the focus when the list opened: it gets it back when the list closes (Escape, say). */
  private opener: HTMLElement | undefined;
  /** What had the focus when the prompt appeared: it gets it back when the prompt goes. */
  private promptFrom: HTMLElement | undefined;
  private checks: Array<ReturnType<typeof setTimeout>> = [];
  private poll: ReturnType<typeof setTimeout> | undefined;
  private pollMs = SLOW_POLL_MIN_MS;
  private checking: Promise<void> | undefined;
  /** The pending announcement: cleared with the user's other things (reset, another user). */
  private announcing: ReturnType<typeof setTimeout> | undefined;

  init(options: InitOptions) {
    if (this.transport) return;
    if (!options?.apiUrl || !options.writeKey) throw new Error("Moments.init needs { apiUrl, writeKey }");
    this.options = { ...options, apiUrl: options.apiUrl.replace(/\/+$/, "") };
    this.labels = { ...defaultLabels, ...options.labels };
    this.transport = new Transport(this.options, () => this.checkSoon());
    addEventListener("online", () => this.transport?.resume());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        this.transport?.flush(true);
        this.stopPolling();
      } else {
        this.transport?.resume();
        void this.check();
        this.startPolling();
      }
    });
    addEventListener("pagehide", () => this.transport?.flush(true));
    this.transport.resume();
  }

  identify(options: IdentifyOptions) {
    const transport = this.requireInit();
    if (!options?.accountId || !options.userToken) {
      throw new Error("Moments.identify needs { accountId, userToken } (and userId for a user)");
    }
    const identity = { accountId: options.accountId, userId: options.userId, userToken: options.userToken };
    const changed = !sameUser(this.identity, identity);
    this.identity = identity;
    if (changed) this.clear();
    if (options.traits || options.userTraits || changed) {
      transport.enqueue("identify", this.identity, {
        ...(options.traits ? { traits: options.traits } : {}),
        ...(options.userTraits && options.userId ? { userTraits: options.userTraits } : {}),
      });
    }
    void this.check();
    this.startPolling();
  }

  track(event: string, properties?: Record<string, unknown>) {
    const transport = this.requireInit();
    if (!this.identity) throw new Error("Moments.track needs Moments.identify first");
    transport.enqueue("track", this.identity, { event, properties: properties ?? {} });
  }

  /** Sign-out: what is queued is still sent (as the user who made it); nothing more is shown. */
  reset() {
    this.transport?.flush();
    this.identity = undefined;
    this.stopPolling();
    this.clear();
  }

  on(event: "unread", listener: Listener): () => void {
    if (event !== "unread") throw new Error(`Moments.on: unknown event ${String(event)}`);
    this.listeners.add(listener);
    if (this.unread >= 0) listener(this.unread);
    return () => this.listeners.delete(listener);
  }

  /** Opens or closes the notifications list (for apps with their own launcher). */
  toggleNotifications(open = !this.listOpen) {
    const opening = open && !this.listOpen;
    const inList = this.list?.contains(this.shadow?.activeElement ?? null);
    if (opening) this.opener = this.focused();
    this.listOpen = open;
    this.render();
    // Into the list as it opens (its first notification, else the list itself); back out as it closes,
    // to what opened it (see giveFocusBack).
    if (opening) (this.list?.querySelector("button") ?? this.list)?.focus();
    else if (!open && inList) this.giveFocusBack(this.opener, this.launcher);
  }

  /** The focused element, inside the widget's shadow root too; undefined when it is the body. */
  private focused(): HTMLElement | undefined {
    const active = document.activeElement === this.host ? this.shadow?.activeElement : document.activeElement;
    return active instanceof HTMLElement && active !== document.body ? active : undefined;
  }

  /**
   * Moves the focus out of a part of the widget that goes (a prompt, the list), to the first that
   * takes it: `from` (where it was before), the widget's `own` controls, the page's control after
   * `from` (where Tab would have gone from it), else the widget's container. One that is gone, hidden
   * (itself or an ancestor), disabled or inert does not take it, and trying it changes nothing. With
   * no `from` (a mouse user, or an app's shortcut, with nothing focused) no page control is tried:
   * that would be the page's first, and focusing it scrolls the page to its top. Nothing scrolls:
   * the user's place on the page stays.
   */
  private giveFocusBack(from: HTMLElement | undefined, ...own: Array<HTMLElement | undefined>) {
    for (const target of [from, ...own, ...(from ? pageControls(from) : []), this.container()]) {
      target?.focus({ preventScroll: true });
      if (target && this.focused() === target) return;
    }
  }

  private requireInit(): Transport {
    if (!this.transport) throw new Error("Call Moments.init({ apiUrl, writeKey }) first");
    return this.transport;
  }

  /**
   * Takes away everything of the user's (sign-out, or another user signed in): their prompt and what
   * the live region says (a pending announcement too: the next user may sign in within its delay),
   * their list, closed. The focus in the prompt or the list goes back as when they close.
   */
  private clear() {
    clearTimeout(this.announcing);
    const prompt = this.shadow?.querySelector(".prompt");
    const inPrompt = prompt?.contains(this.shadow?.activeElement ?? null);
    prompt?.remove();
    setText(this.shadow?.querySelector("[role=status]"));
    this.items = [];
    this.local.clear();
    this.promptId = undefined;
    this.setUnread(0);
    // Closes the list (the focus in it goes back) and renders: with no user, without the bell.
    this.toggleNotifications(false);
    if (inPrompt) this.giveFocusBack(this.promptFrom, this.launcher);
  }

  /** Right after a send: a few quick looks while the engine runs the moment, then the slow poll. */
  private checkSoon() {
    for (const check of this.checks) clearTimeout(check);
    this.checks = CHECKS_AFTER_SEND_MS.map((ms) => setTimeout(() => void this.check(), ms));
    this.pollMs = SLOW_POLL_MIN_MS;
    this.startPolling();
  }

  private startPolling() {
    this.stopPolling();
    if (!this.identity || document.visibilityState === "hidden") return;
    this.poll = setTimeout(() => {
      this.pollMs = Math.min(this.pollMs * 2, SLOW_POLL_MAX_MS);
      void this.check().then(() => this.startPolling());
    }, this.pollMs);
  }

  private stopPolling() {
    if (this.poll !== undefined) clearTimeout(this.poll);
    this.poll = undefined;
  }

  private check(): Promise<void> {
    this.checking ??= this.load().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async load() {
    const identity = this.identity;
    if (!identity || !this.transport) return;
    const items = await this.transport.inbox(identity);
    if (!items || identity !== this.identity) return;
    for (const item of items) {
      const mine = this.local.get(item.id);
      if (mine) for (const key of CHANGE_KEYS) item[key] ??= mine[key];
    }
    this.items = items;
    this.setUnread(items.filter((item) => !item.readAt).length);
    if (this.promptId === undefined) {
      const prompt = items.find((i) => i.kind === "feedback_prompt" && !i.answeredAt && !i.dismissedAt);
      if (prompt) this.showPrompt(prompt);
    }
    this.render();
  }

  private change(item: InboxItem, key: (typeof CHANGE_KEYS)[number]) {
    item[key] = new Date().toISOString();
    this.local.set(item.id, { ...this.local.get(item.id), [key]: item[key] });
  }

  private setUnread(unread: number) {
    if (unread === this.unread) return;
    this.unread = unread;
    for (const listener of this.listeners) listener(unread);
  }

  private root(): ShadowRoot {
    if (this.shadow && this.host?.isConnected) return this.shadow;
    // The page took the old host away (a framework replaced the body): the bell and the list were
    // in it, so the next render makes them again in the new one. A prompt showing there moves over as
    // it is (unanswered, a comment being typed kept): until it is settled no other prompt shows.
    const prompt = this.shadow?.querySelector(".prompt");
    this.list = this.launcher = undefined;
    this.rows.clear();
    this.host = document.createElement("moments-widget");
    if (this.options?.position === "left") this.host.dataset.position = "left";
    this.shadow = this.host.attachShadow({ mode: "open" });
    document.body.append(this.host);
    if (prompt) this.container().prepend(prompt);
    return this.shadow;
  }

  /** Shows a prompt once: marking it read records it as shown in the moment's stats. */
  private showPrompt(prompt: InboxItem) {
    this.promptId = prompt.id;
    // Where the focus goes back to when the prompt is answered or dismissed from inside it.
    this.promptFrom = this.focused();
    // The user it is shown to: answered for them only.
    const shownTo = this.identity;
    if (this.identity && !prompt.readAt) {
      void this.transport?.post(this.identity, `/v1/inbox/${encodeURIComponent(prompt.id)}/read`);
      this.change(prompt, "readAt");
      this.setUnread(this.items.filter((item) => !item.readAt).length);
    }
    const root = this.root();
    const l = this.labels;
    const question = el("p", { class: "q", id: "moments-q" }, prompt.question ?? "");
    const close = el("button", { class: "close", type: "button", "aria-label": l.close }, "×");
    const buttons = REACTIONS.map(([reaction, emoji]) =>
      el(
        "button",
        { type: "button", "data-reaction": reaction, "aria-pressed": "false" },
        el("span", { class: "emoji", "aria-hidden": "true" }, emoji),
        el("span", {}, l[reaction]),
      ),
    );
    const group = el(
      "div",
      { class: "reactions", role: "group", "aria-labelledby": "moments-q" },
      ...buttons,
    );
    const comment = el("textarea", { id: "moments-comment", maxlength: "2000" });
    const form = el(
      "form",
      { hidden: "" },
      el("label", { for: "moments-comment" }, prompt.followUp || l.followUp),
      comment,
      el("button", { class: "primary", type: "submit" }, l.send),
    );
    const panel = el(
      "section",
      // Named by a label, not by the question element: that goes when the panel turns into its thanks.
      { class: "panel prompt", role: "dialog", "aria-modal": "false", "aria-label": prompt.question ?? "" },
      close,
      question,
      group,
      form,
    );
    let reaction = "";
    const finish = async (body: Record<string, unknown> | undefined) => {
      // Another user signed in meanwhile (clear took the panel away; a click may still come).
      if (!this.identity || !sameUser(this.identity, shownTo)) return;
      const path = body ? "/v1/feedback" : `/v1/inbox/${encodeURIComponent(prompt.id)}/dismiss`;
      const identity = this.identity;
      // Out of the panel before its controls go (else the focus falls to the body): back to where it
      // was when the prompt appeared, else the bell or the open list (see giveFocusBack).
      if (panel.contains(this.shadow?.activeElement ?? null))
        this.giveFocusBack(this.promptFrom, this.launcher, this.listOpen ? this.list : undefined);
      if (body) {
        panel.replaceChildren(el("p", {}, l.thanks));
        this.announce(l.thanks);
      } else panel.remove();
      this.change(prompt, body ? "answeredAt" : "dismissedAt");
      await this.transport?.post(identity, path, body);
      // Settled: the next check may show the user's next prompt without a page reload.
      if (this.promptId === prompt.id) this.promptId = undefined;
      if (body) setTimeout(() => panel.remove(), 1_500);
    };
    group.addEventListener("click", (event) => {
      const button = (event.target as Element).closest("button");
      reaction = button?.dataset.reaction ?? "";
      if (!reaction) return;
      for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
      if (reaction === "positive") void finish({ promptId: prompt.id, reaction });
      else {
        form.hidden = false;
        comment.focus();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = comment.value.trim();
      void finish({ promptId: prompt.id, reaction, ...(text ? { comment: text } : {}) });
    });
    close.addEventListener("click", () => void finish(undefined));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") void finish(undefined);
    });
    root.querySelector(".prompt")?.remove();
    this.container().prepend(panel);
    this.announce(`${l.newQuestion}: ${prompt.question ?? ""}`);
  }

  /**
   * Says `text` through the widget's one live region. The region is made empty with the root and
   * the text set in a later task: screen readers often miss text a live region holds when inserted.
   */
  private announce(text: string) {
    const status = this.container().querySelector("[role=status]") as HTMLElement;
    status.textContent = "";
    clearTimeout(this.announcing);
    this.announcing = setTimeout(() => {
      if (status.isConnected) status.textContent = text;
      else {
        // The page replaced its body meanwhile: said by the new host's region, itself made empty first.
        this.render();
        this.announce(text);
      }
    }, 100);
  }

  private container(): HTMLElement {
    const root = this.root();
    let container = root.querySelector<HTMLElement>(".root");
    if (!container) {
      root.append(el("style", {}, css));
      // Focusable from script only: the focus's last place in the widget (giveFocusBack).
      container = el("div", { class: "root", tabindex: "-1" }, el("p", { class: "sr", role: "status" }));
      root.append(container);
    }
    return container;
  }

  /**
   * Updates the launcher and the list in place: both are made once, so a render (each inbox read)
   * never takes away the focus of the bell or of a notification.
   */
  private render() {
    if (!this.shadow && (!this.identity || (this.options?.launcher === false && !this.listOpen))) return;
    const container = this.container();
    if (!this.identity) {
      for (const node of [this.list, this.launcher]) node?.remove();
      this.list = this.launcher = undefined;
      this.rows.clear();
      return;
    }
    const l = this.labels;
    const onEscape = (event: KeyboardEvent) => {
      if (event.key === "Escape" && this.listOpen) this.toggleNotifications(false);
    };
    if (!this.list) {
      this.list = el(
        "section",
        {
          class: "panel list",
          role: "region",
          "aria-label": l.notifications,
          id: "moments-list",
          tabindex: "-1",
        },
        el("ul"),
        el("p", { class: "empty" }, l.noNotifications),
      );
      this.list.addEventListener("click", (event) => {
        const id = (event.target as Element).closest("li")?.dataset.id;
        const item = this.items.find((i) => i.id === id);
        if (item) void this.open(item);
      });
      this.list.addEventListener("keydown", onEscape);
      container.append(this.list);
      if (this.options?.launcher !== false) {
        this.launcher = el(
          "button",
          { type: "button", class: "launcher", "aria-controls": "moments-list" },
          bell(),
          el("span", { class: "badge", "aria-hidden": "true" }),
        );
        this.launcher.addEventListener("click", () => this.toggleNotifications());
        this.launcher.addEventListener("keydown", onEscape);
        container.append(this.launcher);
      }
    }
    const list = this.list;
    const hadFocus = list.contains(this.shadow?.activeElement ?? null);
    list.hidden = !this.listOpen;
    const [ul, empty] = list.children as unknown as [HTMLUListElement, HTMLElement];
    const notifications = this.items.filter((item) => item.kind === "notification");
    empty.hidden = notifications.length > 0;
    // Rows go in order and only those out of place move, never the focused one: moving a node blurs
    // it. The rows between it and its place go after it instead (each is placed when its turn comes).
    const focusedRow = this.shadow?.activeElement?.closest("li");
    let next = ul.firstElementChild;
    for (const item of notifications) {
      let row = this.rows.get(item.id);
      if (!row) {
        // Title, unread text and body are text nodes of their own, set below.
        const open = el(
          "button",
          { type: "button", class: "item" },
          el("strong", {}, "", el("span", { class: "sr" })),
          "",
        );
        row = el("li", { "data-id": item.id }, open);
        this.rows.set(item.id, row);
      }
      // A kept row shows the item as this read has it. Unread is said (the hidden text) and shown by a
      // dot as well as the background, not by colour alone.
      const open = row.firstChild as HTMLElement;
      const title = open.firstChild as HTMLElement;
      open.classList.toggle("unread", !item.readAt);
      setText(title.firstChild, item.title);
      setText(title.lastChild, item.readAt ? "" : `(${l.unread})`);
      setText(open.lastChild, item.body);
      if (row === focusedRow) {
        while (next && next !== row) {
          const skipped = next;
          next = next.nextElementSibling;
          ul.append(skipped);
        }
      }
      if (row === next) next = row.nextElementSibling;
      else ul.insertBefore(row, next);
    }
    while (next) {
      const stale = next as HTMLElement;
      next = next.nextElementSibling;
      stale.remove();
      this.rows.delete(stale.dataset.id ?? "");
    }
    if (hadFocus && !list.contains(this.shadow?.activeElement ?? null)) list.focus();
    if (this.launcher) {
      const unread = Math.max(this.unread, 0);
      this.launcher.setAttribute("aria-expanded", String(this.listOpen));
      this.launcher.setAttribute("aria-label", `${l.notifications}, ${unread} ${l.unread}`);
      const badge = this.launcher.lastChild as HTMLElement;
      badge.hidden = unread === 0;
      badge.textContent = String(unread);
    }
  }

  /** Opening a notification marks it read, then follows its link. */
  private async open(item: InboxItem) {
    if (this.identity && !item.readAt) {
      this.change(item, "readAt");
      this.setUnread(this.items.filter((i) => !i.readAt).length);
      this.render();
      await this.transport?.post(this.identity, `/v1/inbox/${encodeURIComponent(item.id)}/read`);
    }
    const url = safeUrl(item.url);
    if (url) location.assign(url);
  }
}

const widget = new Widget();

/** The API, as `window.Moments` and as this module's exports. */
export const Moments = {
  init: (options: InitOptions) => widget.init(options),
  identify: (options: IdentifyOptions) => widget.identify(options),
  track: (event: string, properties?: Record<string, unknown>) => widget.track(event, properties),
  reset: () => widget.reset(),
  on: (event: "unread", listener: Listener) => widget.on(event, listener),
  toggleNotifications: (open?: boolean) => widget.toggleNotifications(open),
};

export const { init, identify, track, reset, on, toggleNotifications } = Moments;
