/**
 * The in-app widget in a real Chromium against the local stack: a page on an allowed origin loads
 * /v1/widget.js, identifies with a token its "backend" (this test) computed, tracks an event, and
 * the moment's feedback prompt and notification appear and are answered, dismissed and read as a
 * user would. A wrong token reads nothing, a page on another origin is refused, events tracked
 * offline arrive once, a 503 or 429 is retried later with the same messageIds (a 503's Retry-After
 * honoured), sign-out or another user's identify forgets the user, a page that replaces its body
 * gets the bell, the list and a showing prompt back, and the widget's CSS and the page's stay apart.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Locator, Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Faults } from "../../infra/local/faults.js";
import { RETRY_AFTER_SECONDS } from "../../shared/domain/errors.js";
import { launchBrowser, seriousAccessibilityViolations } from "../support/browser.js";
import { userTokenHeader } from "../support/local-api.js";
import { type Scenario, startScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;
let browser: Browser;
let server: Server;
let port = 0;
const appUrl = (host: string) => `http://${host}:${port}/`;
/**
 * The local runtime's fault seam: the bus refuses what a test names, so the API itself answers 503.
 * Only the bus is behind a fault proxy: the rest is reached by message, as without a plan.
 */
const faults = new Faults();

/**
 * The host app's page: its own CSS that must not reach the widget, and a button of its own after a
 * link (so the control after the button and the page's first control differ).
 */
const PAGE = `<!doctype html><html lang="en"><head><title>Acme app</title>
<style>
  * { color: rgb(0, 0, 128) !important; font-family: serif !important; }
  button { background: rgb(255, 255, 0) !important; font-size: 30px !important; }
</style></head>
<body><header><a href="#home">Home</a></header>
<main><h1>Acme</h1><button type="button" id="own">Our button</button></main></body></html>`;

beforeAll(async () => {
  s = await startScenario("Widget tests", { faults, faultProxies: ["eventbridge"] });
  server = createServer((_req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  // The page is allowed as http://localhost:<port>, not as http://127.0.0.1:<port>.
  const patched = await s.admin("PATCH", `/v1/admin/sources/${s.sourceId}`, {
    allowedDomains: [`localhost:${port}`],
  });
  expect(patched.status).toBe(200);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  await s?.stop();
});

const feedbackMoment = (event: string, question = "How was the export?") =>
  s.runningMoment({
    name: `Feedback on ${event}`,
    goal: "activate",
    start: { event },
    steps: [
      {
        id: "ask",
        delay: { amount: 0, unit: "hours" },
        action: { type: "feedback_prompt", question, followUp: "What went wrong?" },
      },
    ],
  });

interface Opened {
  context: BrowserContext;
  page: Page;
  accountId: string;
  /** Done with the page: a kept tab is left for the next open (see `release`), a context of the test's own closed. */
  close(): Promise<void>;
}

/**
 * The app's tabs, kept from one open to the next. A new page is a new renderer process, and this
 * Chromium starts each from scratch (--no-zygote): about 0.4 s of CPU and as much wall time, once or
 * twice a test. A navigation in a kept tab reuses its process (0.07 s). Each open still starts as in
 * a fresh context: a new document, no storage or cookie (openApp clears the storage, `release` the
 * cookies), online, and no route or listener of an earlier test (`release`, after each test whatever
 * its outcome).
 */
interface Tab {
  context: BrowserContext;
  page: Page;
  free: boolean;
  /** On a new document of the app's page, which no script has run in yet (`release` leaves it so). */
  fresh: boolean;
}
const tabs: Tab[] = [];
/** Contexts of a test's own (another origin), closed after it whatever its outcome. */
const owned = new Set<BrowserContext>();

async function takeTab(): Promise<Tab> {
  let tab = tabs.find((candidate) => candidate.free);
  if (!tab) {
    const context = await browser.newContext();
    tab = { context, page: await context.newPage(), free: true, fresh: false };
    tabs.push(tab);
  }
  tab.free = false;
  return tab;
}

async function release(tab: Tab) {
  if (tab.free) return;
  if (tab.page.isClosed()) {
    tabs.splice(tabs.indexOf(tab), 1);
    await tab.context.close();
    return;
  }
  for (const event of ["request", "response", "requestfailed"]) tab.page.removeAllListeners(event);
  await tab.page.unrouteAll({ behavior: "ignoreErrors" });
  await tab.context.setOffline(false);
  await tab.context.clearCookies();
  // A new document of the app's page for the next open: the widget goes with the old one, and none of
  // its timers or requests outlives the test.
  await tab.page.goto(appUrl("localhost"));
  // Where the pointer was (over the bell, say) must not hover anything of the next test's page.
  await tab.page.mouse.move(0, 0);
  tab.free = tab.fresh = true;
}

afterEach(async () => {
  for (const tab of [...tabs]) await release(tab);
  for (const context of owned) await context.close();
  owned.clear();
});

/**
 * The app's page with the widget loaded, initialised and identified: in a kept tab (`takeTab`), or, on
 * another host, in a context of its own.
 */
async function openApp(
  options: {
    host?: string;
    token?: string;
    accountId?: string;
    /** Runs on the app's page before the widget loads, as an init script would (listeners, patches). */
    prepare?: (page: Page) => Promise<unknown>;
    /** Moments.init's launcher option (default: the widget's, true). */
    launcher?: boolean;
  } = {},
): Promise<Opened> {
  const accountId = options.accountId ?? unique("acct");
  let tab: Tab | undefined;
  let own: BrowserContext | undefined;
  if (options.host) {
    own = await browser.newContext();
    owned.add(own);
  } else tab = await takeTab();
  const context = tab?.context ?? (own as BrowserContext);
  const page = tab?.page ?? (await context.newPage());
  if (!tab?.fresh) await page.goto(appUrl(options.host ?? "localhost"));
  if (tab) tab.fresh = false;
  await options.prepare?.(page);
  await page.addScriptTag({ url: `${s.stack.apiUrl}/v1/widget.js` });
  const userToken = options.token ?? Object.values(userTokenHeader(s.identitySecret, accountId))[0];
  await page.evaluate(
    ({ apiUrl, writeKey, accountId, userToken, launcher }) => {
      const w = window as unknown as {
        Moments: {
          init(o: object): void;
          identify(o: object): void;
          on(e: string, f: (n: number) => void): void;
        };
        unread: number[];
      };
      // A kept tab's storage may hold an earlier open's queue: empty, as a fresh context's is.
      localStorage.clear();
      sessionStorage.clear();
      w.unread = [];
      w.Moments.init({ apiUrl, writeKey, ...(launcher === undefined ? {} : { launcher }) });
      w.Moments.on("unread", (n) => w.unread.push(n));
      w.Moments.identify({ accountId, userToken, traits: { plan: "pro" } });
    },
    { apiUrl: s.stack.apiUrl, writeKey: s.writeKey, accountId, userToken, launcher: options.launcher },
  );
  const close = async () => {
    if (tab) await release(tab);
    else if (own && owned.delete(own)) await own.close();
  };
  return { context, page, accountId, close };
}

const track = (page: Page, event: string) =>
  page.evaluate((name) => {
    (window as unknown as { Moments: { track(e: string, p?: object): void } }).Moments.track(name, {
      format: "csv",
    });
  }, event);

/** A fresh page identified as a new account, once its identify has been sent (so later sends are tracks). */
async function identified(): Promise<Opened> {
  const opened = await openApp();
  await waitFor(async () => (await s.admin("GET", `/v1/admin/accounts/${opened.accountId}`)).status === 200, {
    timeoutMs: 10_000,
    description: "the identify processed",
  });
  return opened;
}

/** Identifies the page's widget as another account (with that account's token). */
const identifyAs = (page: Page, accountId: string) =>
  page.evaluate(
    ({ accountId, userToken }) => {
      (window as unknown as { Moments: { identify(o: object): void } }).Moments.identify({
        accountId,
        userToken,
        traits: { plan: "free" },
      });
    },
    { accountId, userToken: Object.values(userTokenHeader(s.identitySecret, accountId))[0] },
  );

interface BatchSend {
  at: number;
  events: string[];
  messageIds: string[];
}

/** Every batch the page sends from now on: when, and which events and messageIds it carried. */
function batchSends(page: Page): BatchSend[] {
  const sends: BatchSend[] = [];
  page.on("request", (request: Request) => {
    if (!request.url().endsWith("/v1/batch") || request.method() !== "POST") return;
    const { batch } = request.postDataJSON() as { batch: Array<{ event?: string; messageId: string }> };
    sends.push({
      at: Date.now(),
      events: batch.flatMap((item) => (item.event ? [item.event] : [])),
      messageIds: batch.map((item) => item.messageId),
    });
  });
  return sends;
}

/** How many runs of the moment the account's decision log shows started. */
async function startsFor(accountId: string, momentId: string) {
  const view = await s.admin<{ decisions: Array<{ momentId: string; outcome: string }> }>(
    "GET",
    `/v1/admin/accounts/${accountId}`,
  );
  return view.body.decisions.filter((d) => d.momentId === momentId && d.outcome === "started").length;
}

/** Marks the account's notification with this title read through the API, as another tab or device would. */
async function markRead(accountId: string, title: string) {
  const inbox = await s.api<{ items: Array<{ id: string; title?: string }> }>(
    "GET",
    `/v1/inbox?accountId=${accountId}`,
    { key: s.writeKey, headers: s.userToken(accountId) },
  );
  const id = inbox.body.items.find((item) => item.title === title)?.id ?? "";
  const read = await s.api("POST", `/v1/inbox/${encodeURIComponent(id)}/read?accountId=${accountId}`, {
    key: s.writeKey,
    headers: s.userToken(accountId),
  });
  expect(read.status).toBe(200);
}

/** A running moment whose one step puts a notification ("Welcome aboard") in the inbox; returns its start event. */
async function notificationMoment(title = "Welcome aboard") {
  const event = unique("trial_started");
  await s.runningMoment({
    name: `${title} ${event}`,
    goal: "activate",
    start: { event },
    steps: [
      {
        id: "hello",
        delay: { amount: 0, unit: "hours" },
        action: { type: "send_notification", title, body: "Your trial has started" },
      },
    ],
  });
  return event;
}

/**
 * Running moments that tests use as they are: each test brings accounts of its own, so none sees
 * another's prompts or notifications, and none reads these moments' stats or feedback (a test that
 * does makes its own). Made on first use, so a test run alone makes what it needs, and then once for
 * the file rather than once a test.
 */
const sharedMoments = new Map<string, Promise<string>>();
function sharedMoment(key: string, make: () => Promise<string>): Promise<string> {
  let made = sharedMoments.get(key);
  if (!made) {
    made = make();
    sharedMoments.set(key, made);
    made.catch(() => sharedMoments.delete(key));
  }
  return made;
}

/** The start event of a shared moment asking "How was the export?" (the `n`th: one account can be asked several times). */
const exportPrompt = (n = 1) =>
  sharedMoment(`export prompt ${n}`, async () => {
    const event = unique("report_exported");
    await feedbackMoment(event);
    return event;
  });

/** The start event of a shared moment asking "How was the import?". */
const importPrompt = () =>
  sharedMoment("import prompt", async () => {
    const event = unique("import_finished");
    await feedbackMoment(event, "How was the import?");
    return event;
  });

/** The start event of a shared notification moment (see notificationMoment). */
const sharedNotification = (title = "Welcome aboard") =>
  sharedMoment(`notification ${title}`, () => notificationMoment(title));

/** What has the keyboard focus, looking into the widget's shadow root: its aria-label, else its text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active === document.body ? "body" : (active?.getAttribute("aria-label") ?? active?.textContent);
  });

/** Whether the focus is in the widget (on its shadow root's host): not on the page, not on the body. */
const focusInWidget = (page: Page) =>
  page.evaluate(() => document.activeElement?.localName === "moments-widget");

/**
 * Makes the page taller than the window, scrolls it half way down, and takes the focus off
 * everything: a mouse user reading the middle of a long page.
 */
const scrollDownWithNothingFocused = (page: Page) =>
  page.evaluate(() => {
    const tall = Object.assign(document.createElement("div"), { style: "height: 4000px" });
    document.querySelector("main")?.append(tall);
    scrollTo(0, 2000);
    (document.activeElement as HTMLElement | null)?.blur();
    return scrollY;
  });

/** The app hides its own button (a menu that closed, say). */
const hideOwnButton = (page: Page) =>
  page.locator("#own").evaluate((node) => {
    (node as HTMLElement).hidden = true;
  });

/** A link after the app's own button: the next control in the page's tab order. */
const addHelpLink = (page: Page) =>
  page.evaluate(() => {
    const help = Object.assign(document.createElement("a"), { href: "#help", textContent: "Help" });
    document.querySelector("main")?.append(help);
  });

/** Moments.toggleNotifications, as the app's own launcher or keyboard shortcut calls it. */
const toggleNotifications = (page: Page, open?: boolean) =>
  page.evaluate((open) => {
    (
      window as unknown as { Moments: { toggleNotifications(open?: boolean): void } }
    ).Moments.toggleNotifications(open);
  }, open);

/**
 * In the page: resolves at the next change in the widget (its element coming or going with the page's,
 * anything in its shadow root), or after `ms` at the latest.
 */
function nextWidgetChange(ms: number) {
  return new Promise<void>((resolve) => {
    const done = () => {
      observer.disconnect();
      clearTimeout(timer);
      resolve();
    };
    const observer = new MutationObserver(done);
    const timer = setTimeout(done, ms);
    const options = { childList: true, subtree: true, attributes: true, characterData: true };
    observer.observe(document, options);
    for (const host of document.querySelectorAll("moments-widget")) {
      if (host.shadowRoot) observer.observe(host.shadowRoot, options);
    }
  });
}

/**
 * Waits until `locator` is visible (what the engine and the widget's inbox reads bring: a prompt, the
 * bell's count), looking again whenever the widget changes. Playwright's own wait looks after 0, 20, 50,
 * 100 and 100 ms, then every 500 ms: each wait lasted up to half a second more than the widget took.
 */
async function shown(locator: Locator, timeoutMs = 15_000): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  while (!(await locator.isVisible())) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${locator} to be visible`);
    // A change between the look and the observer's start is seen at the latest 250 ms later.
    await locator.page().evaluate(nextWidgetChange, Math.min(left, 250));
  }
  return locator;
}

/**
 * Tracks the event and waits for the prompt (the dialog named by its question). How fast it appears
 * is a figure of `npm run bench -- --only=widget`, not asserted here.
 */
async function promptAfterTrack(page: Page, event: string) {
  await track(page, event);
  return shown(page.getByRole("dialog", { name: "How was the export?" }));
}

type Stats = {
  feedback: Record<string, number | null>;
  feedbackSteps: Record<string, Record<string, number | null>>;
};

describe("the in-app widget", () => {
  it("shows a prompt after a tracked event; Frustrated + comment reaches the admin API; axe-clean", async () => {
    const event = unique("report_exported");
    const momentId = await feedbackMoment(event);
    const { page, accountId, close } = await openApp();

    const dialog = await promptAfterTrack(page, event);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Frustrated" }).click();
    await dialog.getByLabel("What went wrong?").fill("The CSV was empty");
    await dialog.getByRole("button", { name: "Send" }).click();
    // The panel goes once its thanks has shown (1.5 s): the admin's side is checked meanwhile.
    const gone = expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(false);
    // Awaited below; a failure of the checks in between must not leave it rejected unhandled.
    gone.catch(() => undefined);

    const feedback = await waitFor(
      async () => {
        const list = await s.admin<{ items: Array<Record<string, unknown>> }>(
          "GET",
          `/v1/admin/moments/${momentId}/feedback`,
        );
        return list.body.items.length > 0 ? list.body.items : undefined;
      },
      { timeoutMs: 10_000, description: "the answer listed for the admin" },
    );
    expect(feedback).toEqual([
      expect.objectContaining({ accountId, reaction: "frustrated", comment: "The CSV was empty" }),
    ]);
    const stats = await s.stats<Stats>(momentId);
    expect(stats.feedback).toMatchObject({ frustrated: 1, shown: 1, answered: 1, responseRate: 100 });
    await gone;
    await close();
  });

  it("takes Positive in one tap, and counts a dismissed prompt", async () => {
    const event = unique("report_exported");
    const momentId = await feedbackMoment(event);
    const happy = await openApp();
    // The prompt's "shown" (the widget marks it read as it shows it) and the answer are on the server
    // before the next user takes the tab: a navigation would cancel either.
    const shown = happy.page.waitForResponse(
      (response) =>
        /^\/v1\/inbox\/[^/]+\/read$/.test(new URL(response.url()).pathname) &&
        response.request().method() === "POST",
    );
    const dialog = await promptAfterTrack(happy.page, event);
    const sent = happy.page.waitForResponse(
      (response) => new URL(response.url()).pathname === "/v1/feedback",
    );
    await dialog.getByRole("button", { name: "Positive" }).click();
    expect(await dialog.getByRole("textbox").count()).toBe(0);
    await Promise.all([shown, sent]);
    await happy.close();

    const other = await openApp();
    const second = await promptAfterTrack(other.page, event);
    await second.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => second.isVisible()).toBe(false);

    const stats = await waitFor(
      async () => {
        const current = await s.stats<Stats>(momentId);
        return current.feedbackSteps.ask?.dismissed === 1 && current.feedback.positive === 1
          ? current
          : undefined;
      },
      { timeoutMs: 10_000, description: "one positive answer and one dismissal counted" },
    );
    expect(stats.feedbackSteps.ask).toEqual({
      shown: 2,
      answered: 1,
      dismissed: 1,
      positive: 1,
      neutral: 0,
      frustrated: 0,
      responseRate: 50,
    });
    await other.close();
  });

  it("announces a new question and the thanks in a live region that was empty when inserted", async () => {
    const event = await exportPrompt();
    // Every live region the widget inserts into its shadow root, with the text it holds then: screen
    // readers often say nothing of text a live region already holds when it appears.
    const recordLiveRegions = (page: Page) =>
      page.evaluate(() => {
        const inserted: Array<string | null> = [];
        (window as unknown as { liveInserted: typeof inserted }).liveInserted = inserted;
        const attach = Element.prototype.attachShadow;
        Element.prototype.attachShadow = function (init) {
          const root = attach.call(this, init);
          new MutationObserver((records) => {
            for (const node of records.flatMap((record) => [...record.addedNodes])) {
              if (!(node instanceof Element)) continue;
              for (const live of [node, ...node.querySelectorAll("*")]) {
                if (live.matches("[role=status],[role=alert],[aria-live]")) inserted.push(live.textContent);
              }
            }
          }).observe(root, { childList: true, subtree: true });
          return root;
        };
      });
    const { page, close } = await openApp({ prepare: recordLiveRegions });
    const dialog = await promptAfterTrack(page, event);
    const status = page.getByRole("status");
    await expect.poll(() => status.textContent()).toBe("New question: How was the export?");
    await dialog.getByRole("button", { name: "Positive" }).click();
    await expect.poll(() => status.textContent()).toBe("Thanks for your feedback!");
    const inserted = await page.evaluate(
      () => (window as unknown as { liveInserted: string[] }).liveInserted,
    );
    expect(inserted.length).toBeGreaterThan(0);
    expect(inserted).toEqual(inserted.map(() => ""));
    await close();
  });

  it("keeps the answered prompt named and axe-clean, and gives the focus back after Send, Positive or Escape", async () => {
    const events = [await exportPrompt(1), await exportPrompt(2), await exportPrompt(3)];
    const { page, close } = await openApp();
    // The user's focus is on the app's own button when each prompt appears.
    await page.locator("#own").focus();

    // Neutral, a comment and Send, from the keyboard.
    const dialog = await promptAfterTrack(page, events[0] as string);
    await dialog.getByRole("button", { name: "Neutral" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.type("Fine");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("Our button");
    // The panel showing its thanks is still the dialog named by its question, and axe finds nothing.
    await dialog.getByText("Thanks for your feedback!").waitFor({ timeout: 5_000 });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Positive (the next prompt replaces the thanks panel, under the same name).
    await track(page, events[1] as string);
    await (await shown(dialog.getByRole("button", { name: "Positive" }))).focus();
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("Our button");
    await dialog.getByText("Thanks for your feedback!").waitFor({ timeout: 5_000 });

    // Escape from the comment field dismisses the prompt.
    await track(page, events[2] as string);
    await (await shown(dialog.getByRole("button", { name: "Frustrated" }))).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await focused(page)).toBe("Our button");
    await close();
  });

  it("gives the focus to the bell, else to the page's next control, when where it was is hidden by the time the prompt is answered", async () => {
    const event = await exportPrompt();
    // The app hides its button (a menu that closed, say) while the user answers from the keyboard.
    const withBell = await openApp();
    await withBell.page.locator("#own").focus();
    const dialog = await promptAfterTrack(withBell.page, event);
    await dialog.getByRole("button", { name: "Positive" }).focus();
    await hideOwnButton(withBell.page);
    await withBell.page.keyboard.press("Enter");
    expect(await focused(withBell.page)).toMatch(/^Notifications, \d unread$/);
    await withBell.close();

    // Without the bell (launcher: false): the control after the hidden one in the page's tab order.
    const noBell = await openApp({ launcher: false });
    await addHelpLink(noBell.page);
    await noBell.page.locator("#own").focus();
    const second = await promptAfterTrack(noBell.page, event);
    await second.getByRole("button", { name: "Frustrated" }).focus();
    await hideOwnButton(noBell.page);
    await noBell.page.keyboard.press("Enter");
    await noBell.page.keyboard.press("Escape");
    await expect.poll(() => second.count()).toBe(0);
    expect(await focused(noBell.page)).toBe("Help");
    await noBell.close();
  });

  it("shows the next prompt without a page reload once one is answered", async () => {
    const first = await exportPrompt();
    const next = unique("report_exported");
    const momentId = await feedbackMoment(next);
    const { page, accountId, close } = await openApp();
    const dialog = await promptAfterTrack(page, first);
    await dialog.getByRole("button", { name: "Positive" }).click();

    const again = await promptAfterTrack(page, next);
    await again.getByRole("button", { name: "Positive" }).click();
    const feedback = await waitFor(
      async () => {
        const list = await s.admin<{ items: Array<Record<string, unknown>> }>(
          "GET",
          `/v1/admin/moments/${momentId}/feedback`,
        );
        return list.body.items.length > 0 ? list.body.items : undefined;
      },
      { timeoutMs: 10_000, description: "the second prompt's answer listed for the admin" },
    );
    expect(feedback).toEqual([expect.objectContaining({ accountId, reaction: "positive" })]);
    await close();
  });

  it("lists a notification with the unread count, says and shows it unread, and marks it read when opened", async () => {
    const event = await sharedNotification();
    const { page, accountId, close } = await openApp();
    await track(page, event);
    const launcher = page.getByRole("button", { name: "Notifications, 1 unread" });
    await shown(launcher);
    await launcher.click();
    const list = page.getByRole("region", { name: "Notifications" });
    const item = list.getByRole("button", { name: /Welcome aboard/ });
    // Unread is in its name for assistive tech, and shown by a dot (not by the background colour alone).
    const dot = () =>
      item.evaluate((node) => getComputedStyle(node.querySelector("strong") as Element, "::before").content);
    expect(
      await list
        .getByRole("button", { name: "Welcome aboard (unread) Your trial has started", exact: true })
        .count(),
    ).toBe(1);
    expect(await dot()).not.toBe("none");
    await item.click();
    await page.getByRole("button", { name: "Notifications, 0 unread" }).waitFor();
    expect(
      await list.getByRole("button", { name: "Welcome aboard Your trial has started", exact: true }).count(),
    ).toBe(1);
    expect(await dot()).toBe("none");
    expect(await page.evaluate(() => (window as unknown as { unread: number[] }).unread)).toEqual([0, 1, 0]);

    // The widget counts the item read at the click; its request marking it read may still be on its
    // way (a loaded machine), so the server's inbox is polled until it says so.
    const items = await waitFor(
      async () => {
        const inbox = await s.api<{ items: Array<{ readAt?: string }> }>(
          "GET",
          `/v1/inbox?accountId=${accountId}`,
          { key: s.writeKey, headers: s.userToken(accountId) },
        );
        return inbox.body.items.every((item) => item.readAt !== undefined) ? inbox.body.items : undefined;
      },
      { timeoutMs: 10_000, description: "the notification marked read on the server" },
    );
    expect(items).toEqual([expect.objectContaining({ readAt: expect.any(String) })]);
    await close();
  });

  it("works the notifications list from the keyboard; an inbox read keeps the focused notification", async () => {
    const first = await sharedNotification();
    const second = await sharedNotification("Export ready");
    const { page, close } = await openApp();
    await track(page, first);
    const bell = page.getByRole("button", { name: /^Notifications, \d unread$/ });
    await shown(page.getByRole("button", { name: "Notifications, 1 unread" }));
    expect(await bell.getAttribute("aria-expanded")).toBe("false");

    await bell.focus();
    await page.keyboard.press("Enter");
    const list = page.getByRole("region", { name: "Notifications" });
    await list.waitFor();
    expect(await bell.getAttribute("aria-expanded")).toBe("true");
    expect(await list.getAttribute("id")).toBe(await bell.getAttribute("aria-controls"));
    // Focus moved into the list: its first notification.
    expect(await focused(page)).toMatch(/^Welcome aboard/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Another notification arrives through the inbox reads after a track: the focus stays where it was.
    await track(page, second);
    await expect.poll(() => list.getByRole("button").count(), { timeout: 15_000 }).toBe(2);
    await page.getByRole("button", { name: "Notifications, 2 unread" }).waitFor();
    expect(await focused(page)).toMatch(/^Welcome aboard/);

    // Escape closes the list and gives the focus back to the bell.
    await page.keyboard.press("Escape");
    await expect.poll(() => list.count()).toBe(0);
    expect(await focused(page)).toBe("Notifications, 2 unread");
    expect(await bell.getAttribute("aria-expanded")).toBe("false");
    await close();
  });

  it("keeps the focused notification's row and focus when an inbox read reorders the list", async () => {
    const older = await sharedNotification();
    const newer = await sharedNotification("Export ready");
    const { page, accountId, close } = await openApp();
    await track(page, older);
    await shown(page.getByRole("button", { name: "Notifications, 1 unread" }));
    await track(page, newer);
    const bell = page.getByRole("button", { name: "Notifications, 2 unread" });
    await shown(bell);
    await bell.focus();
    await page.keyboard.press("Enter");
    // Unread first, newest first: "Export ready", then "Welcome aboard", which the user moves to.
    const rows = page.getByRole("region", { name: "Notifications" }).getByRole("button");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatch(/^Welcome aboard/);
    await page.evaluate(() => {
      const root = document.querySelector("moments-widget")?.shadowRoot;
      (window as unknown as { focusedRow: unknown }).focusedRow = root?.activeElement;
    });

    // "Export ready" is read in another tab: the next inbox read lists "Welcome aboard" first.
    await markRead(accountId, "Export ready");
    await track(page, unique("nothing_starts"));
    await expect.poll(() => rows.first().textContent(), { timeout: 15_000 }).toMatch(/^Welcome aboard/);
    expect(await focused(page)).toMatch(/^Welcome aboard/);
    expect(
      await page.evaluate(
        () =>
          document.querySelector("moments-widget")?.shadowRoot?.activeElement ===
          (window as unknown as { focusedRow: unknown }).focusedRow,
      ),
    ).toBe(true);
    await close();
  });

  it("shows a kept row's current title, body and read state when an inbox read changes them", async () => {
    const event = await sharedNotification();
    const { page, accountId, close } = await openApp();
    await track(page, event);
    await (await shown(page.getByRole("button", { name: "Notifications, 1 unread" }))).click();
    const list = page.getByRole("region", { name: "Notifications" });
    await list
      .getByRole("button", { name: "Welcome aboard (unread) Your trial has started", exact: true })
      .waitFor();
    const row = await list.getByRole("button").elementHandle();

    // The same item comes back with other content (the inbox is the source of truth; today's API never
    // changes a stored item's content, so the answer is rewritten here), and read in another tab.
    await page.route(
      (url) => url.pathname === "/v1/inbox",
      async (route) => {
        if (route.request().method() !== "GET") return route.continue();
        const response = await route.fetch();
        const json = (await response.json()) as { items: Array<Record<string, unknown>> };
        for (const item of json.items)
          Object.assign(item, { title: "Trial extended", body: "Seven more days" });
        await route.fulfill({ response, json });
      },
    );
    await markRead(accountId, "Welcome aboard");
    await track(page, unique("nothing_starts"));
    await shown(list.getByRole("button", { name: "Trial extended Seven more days", exact: true }));
    // The same row, updated in place (a new one would take a focused notification's focus away).
    expect(await list.getByRole("button").evaluate((node, kept) => node === kept, row)).toBe(true);
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await close();
  });

  it("makes the bell and the list again when the page replaces its body, as a framework's navigation does", async () => {
    const event = await sharedNotification();
    const { page, close } = await openApp();
    await track(page, event);
    await shown(page.getByRole("button", { name: "Notifications, 1 unread" }));

    await page.evaluate(() => document.body.replaceWith(document.createElement("body")));
    await toggleNotifications(page, true);

    await shown(page.getByRole("button", { name: "Notifications, 1 unread" }));
    await page
      .getByRole("region", { name: "Notifications" })
      .getByRole("button", { name: /Welcome aboard/ })
      .waitFor();
    await close();
  });

  it("shows a prompt again, unanswered, after the page replaces its body, says what was pending, and shows later prompts", async () => {
    const event = unique("report_exported");
    const momentId = await feedbackMoment(event);
    const later = await importPrompt();
    const { page, accountId, close } = await openApp();
    // The moment the prompt appears (its "New question" not yet said), the page replaces its body, as
    // a framework's navigation does.
    await page.evaluate(() => {
      const root = document.querySelector("moments-widget")?.shadowRoot as ShadowRoot;
      const navigate = new MutationObserver(() => {
        if (!root.querySelector("[role=dialog]")) return;
        navigate.disconnect();
        document.body.replaceWith(document.createElement("body"));
      });
      navigate.observe(root, { childList: true, subtree: true });
    });
    await track(page, event);
    const dialog = page.getByRole("dialog", { name: "How was the export?" });
    await shown(dialog);
    await expect.poll(() => page.getByRole("status").textContent()).toBe("New question: How was the export?");
    expect(await page.evaluate(() => document.querySelectorAll("moments-widget").length)).toBe(1);

    // Half answered when the page navigates again (and tracks a page view): the same prompt, as it was.
    await dialog.getByRole("button", { name: "Frustrated" }).click();
    await dialog.getByLabel("What went wrong?").fill("The CSV was empty");
    await page.evaluate(() => {
      const body = document.createElement("body");
      body.innerHTML = "<main><h1>Reports</h1></main>";
      document.body.replaceWith(body);
    });
    await track(page, unique("page_viewed"));
    await shown(dialog.getByLabel("What went wrong?"));
    expect(await dialog.getByLabel("What went wrong?").inputValue()).toBe("The CSV was empty");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Thanks for your feedback!");
    const stats = await waitFor(
      async () => {
        const current = await s.stats<Stats>(momentId);
        return current.feedbackSteps.ask?.answered === 1 ? current : undefined;
      },
      { timeoutMs: 10_000, description: "the answer counted" },
    );
    // Shown once (marked read when it first appeared), answered once, with the comment.
    expect(stats.feedbackSteps.ask).toMatchObject({ shown: 1, answered: 1, frustrated: 1 });
    const feedback = await s.admin<{ items: Array<Record<string, unknown>> }>(
      "GET",
      `/v1/admin/moments/${momentId}/feedback`,
    );
    expect(feedback.body.items).toEqual([
      expect.objectContaining({ accountId, reaction: "frustrated", comment: "The CSV was empty" }),
    ]);

    // The next prompt shows without a reload.
    await track(page, later);
    await shown(page.getByRole("dialog", { name: "How was the import?" }));
    await close();
  });

  it("opens the list from the app's own button with launcher: false, and Escape gives that button the focus back", async () => {
    const { page, close } = await openApp({ launcher: false });
    await page.locator("#own").focus();
    // The app's own launcher: nothing of the widget shows until it is used.
    await toggleNotifications(page);
    const list = page.getByRole("region", { name: "Notifications" });
    await list.waitFor({ timeout: 5_000 });
    expect(await page.getByRole("button", { name: /^Notifications/ }).count()).toBe(0);
    // Empty: the focus is on the list itself, which says so.
    expect(await focused(page)).toBe("Notifications");
    expect(await list.textContent()).toBe("Nothing new");
    await page.keyboard.press("Escape");
    await expect.poll(() => list.count()).toBe(0);
    expect(await focused(page)).toBe("Our button");
    await close();
  });

  it("gives the focus to the bell, else to the page's next control, when the list closes and what opened it is hidden", async () => {
    // The app's own button opens the list, then the app hides that button (a menu that closed).
    const withBell = await openApp();
    await withBell.page.locator("#own").focus();
    await toggleNotifications(withBell.page);
    expect(await focused(withBell.page)).toBe("Notifications");
    await hideOwnButton(withBell.page);
    await withBell.page.keyboard.press("Escape");
    expect(await focused(withBell.page)).toBe("Notifications, 0 unread");
    await withBell.close();

    // Without the bell (launcher: false), closed by the app's own keyboard shortcut while the focus is
    // in the list: the control after the hidden button in the page's tab order.
    const noBell = await openApp({ launcher: false });
    await addHelpLink(noBell.page);
    await noBell.page.locator("#own").focus();
    await toggleNotifications(noBell.page);
    expect(await focused(noBell.page)).toBe("Notifications");
    await hideOwnButton(noBell.page);
    await toggleNotifications(noBell.page, false);
    await expect.poll(() => noBell.page.getByRole("region", { name: "Notifications" }).count()).toBe(0);
    expect(await focused(noBell.page)).toBe("Help");
    await noBell.close();
  });

  it("keeps the page where it was when a mouse user with nothing focused answers a prompt or the list closes (launcher: false)", async () => {
    const event = await exportPrompt();
    const { page, close } = await openApp({ launcher: false });
    const scrolled = await scrollDownWithNothingFocused(page);
    const dialog = await promptAfterTrack(page, event);
    await dialog.getByRole("button", { name: "Positive" }).click();
    await dialog.getByText("Thanks for your feedback!").waitFor({ timeout: 5_000 });
    // Not the page's first control (its Home link, at the top): the widget keeps the focus.
    expect(await page.evaluate(() => scrollY)).toBe(scrolled);
    expect(await focusInWidget(page)).toBe(true);

    // The app opens the list with nothing focused (its keyboard shortcut, say), and closes it.
    await scrollDownWithNothingFocused(page);
    await toggleNotifications(page, true);
    expect(await focused(page)).toBe("Notifications");
    await toggleNotifications(page, false);
    await expect.poll(() => page.getByRole("region", { name: "Notifications" }).count()).toBe(0);
    expect(await page.evaluate(() => scrollY)).toBe(scrolled);
    expect(await focusInWidget(page)).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await close();
  });

  it("keeps a notification read when an inbox read that started before the click answers after it", async () => {
    const event = await sharedNotification();
    const { page, close } = await openApp();
    await track(page, event);
    await shown(page.getByRole("button", { name: "Notifications, 1 unread" }));

    // Hold the next inbox read: its answer (the notification still unread) is taken now, given later.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    await page.route(
      (url) => url.pathname === "/v1/inbox",
      async (route) => {
        if (route.request().method() !== "GET") return route.continue();
        const response = await route.fetch();
        held();
        await released;
        await route.fulfill({ response });
      },
    );
    await track(page, unique("nothing_starts"));
    await holding;
    await page.getByRole("button", { name: "Notifications, 1 unread" }).click();
    await page
      .getByRole("region", { name: "Notifications" })
      .getByRole("button", { name: /Welcome aboard/ })
      .click();
    await page.getByRole("button", { name: "Notifications, 0 unread" }).waitFor();
    const stale = page.waitForResponse((response) => new URL(response.url()).pathname === "/v1/inbox");
    release();
    await stale;
    // The widget handles the stale answer in a task after the response: let it, then look.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    expect(
      await page.evaluate(() => (window as unknown as { unread: number[] }).unread).then((u) => u.at(-1)),
    ).toBe(0);
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await close();
  });

  it("shows nothing and reads nothing with a wrong token", async () => {
    const event = await exportPrompt();
    const accountId = unique("acct");
    // The prompt is in the account's inbox (sent by the server, which needs no token)...
    await s.track({ event, accountId });
    await waitFor(
      async () => {
        const inbox = await s.api<{ items: unknown[] }>("GET", `/v1/inbox?accountId=${accountId}`, {
          key: s.writeKey,
          headers: s.userToken(accountId),
        });
        return inbox.body.items.length === 1;
      },
      { timeoutMs: 10_000, description: "the prompt in the inbox" },
    );
    // ...but a page with a token for someone else gets 401s and shows nothing.
    const statuses: number[] = [];
    const forged = Object.values(userTokenHeader(s.identitySecret, "somebody_else"))[0];
    const { page, close } = await openApp({
      accountId,
      token: forged,
      prepare: async (page) =>
        page.on("response", (response) => {
          if (response.url().includes("/v1/inbox")) statuses.push(response.status());
        }),
    });
    await expect.poll(() => statuses.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(await page.getByRole("dialog").count()).toBe(0);
    const inbox = await s.api<{ items: Array<{ readAt?: string }> }>(
      "GET",
      `/v1/inbox?accountId=${accountId}`,
      {
        key: s.writeKey,
        headers: s.userToken(accountId),
      },
    );
    expect(inbox.body.items[0]?.readAt).toBeUndefined();
    await close();
  });

  it("is refused on a page whose origin the source does not allow", async () => {
    const { page, accountId, close } = await openApp({ host: "127.0.0.1" });
    // The API answers 403 without CORS headers, so the browser blocks the answer: the send fails.
    const blocked = await page.waitForEvent("requestfailed", {
      predicate: (request) => request.url().endsWith("/v1/batch") && request.method() === "POST",
      timeout: 15_000,
    });
    expect(blocked.failure()?.errorText).toContain("ERR_FAILED");
    await track(page, unique("report_exported"));
    const refused = await fetch(`${s.stack.apiUrl}/v1/batch`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${s.writeKey}`,
        "content-type": "application/json",
        origin: `http://127.0.0.1:${port}`,
        ...s.userToken(accountId),
      },
      body: JSON.stringify({ batch: [{ type: "track", event: "x", accountId }] }),
    });
    expect(refused.status).toBe(403);
    // Nothing the page sent reached the engine.
    expect((await s.admin("GET", `/v1/admin/accounts/${accountId}`)).status).toBe(404);
    await close();
  });

  it("sends events tracked offline once, with the same messageIds, after reconnecting", async () => {
    const { context, page, accountId, close } = await openApp();
    // Let the identify go out first, so everything after is the offline part.
    await waitFor(async () => (await s.admin("GET", `/v1/admin/accounts/${accountId}`)).status === 200, {
      timeoutMs: 10_000,
      description: "the identify processed",
    });
    await context.setOffline(true);
    const event = unique("offline_event");
    for (let i = 0; i < 3; i++) await track(page, event);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const queued = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((key) => key.startsWith("moments:queue:"))
        .map((key) => (JSON.parse(localStorage.getItem(key) ?? "[]") as unknown[]).length),
    );
    expect(queued).toEqual([3]);
    await context.setOffline(false);

    const events = await waitFor(
      async () => {
        const account = await s.admin<{ recentEvents: Array<{ event: string; messageId: string }> }>(
          "GET",
          `/v1/admin/accounts/${accountId}`,
        );
        const mine = account.body.recentEvents.filter((e) => e.event === event);
        return mine.length >= 3 ? mine : undefined;
      },
      { timeoutMs: 15_000, description: "the three offline events received" },
    );
    expect(new Set(events.map((e) => e.messageId)).size).toBe(3);
    expect(events).toHaveLength(3);
    await close();
  });

  it("backs off after the API's 503 and resends the same messageIds no sooner than its Retry-After", async () => {
    const event = unique("report_exported");
    const momentId = await feedbackMoment(event);
    const { page, accountId, close } = await identified();
    const sends = batchSends(page);
    // The bus refuses this event until the page has seen one 503: the ingest function answers it itself.
    faults.once({
      service: "eventbridge",
      operation: "PutEvents",
      bodyIncludes: event,
      fault: "503",
      times: 1_000,
    });
    const refused = page.waitForResponse((r) => r.url().endsWith("/v1/batch") && r.status() === 503, {
      timeout: 15_000,
    });
    await track(page, event);
    const answer = await refused;
    const refusedAt = Date.now();
    faults.clear();
    // The page can read the wait: Retry-After is exposed to it.
    expect(await answer.allHeaders()).toMatchObject({
      "retry-after": String(RETRY_AFTER_SECONDS),
      "access-control-expose-headers": expect.stringContaining("retry-after"),
    });

    const dialog = page.getByRole("dialog", { name: "How was the export?" });
    await shown(dialog);
    const tracked = sends.filter((send) => send.events.includes(event));
    expect(tracked).toHaveLength(2);
    expect(tracked[1]?.messageIds).toEqual(tracked[0]?.messageIds);
    expect((tracked[1]?.at ?? 0) - refusedAt).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 200);
    expect(await startsFor(accountId, momentId)).toBe(1);
    await close();
  });

  it("backs off after API Gateway's own 429 (no CORS headers: a failed fetch) and resends the same messageIds", async () => {
    const event = unique("report_exported");
    const momentId = await feedbackMoment(event);
    const { page, accountId, close } = await identified();
    const sends = batchSends(page);
    // Processed, then answered 429 as a throttling gateway would: the resend must start nothing twice.
    s.stack.failNextResponse("/v1/batch", 429);
    await track(page, event);
    const dialog = page.getByRole("dialog", { name: "How was the export?" });
    await shown(dialog);
    await expect
      .poll(() => sends.filter((send) => send.events.includes(event)).length, { timeout: 15_000 })
      .toBe(2);
    const [first, resend] = sends.filter((send) => send.events.includes(event));
    expect(resend?.messageIds).toEqual(first?.messageIds);
    // Not at once: the widget's first backoff is a second, with jitter of a quarter either way.
    expect((resend?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(750);
    await waitFor(
      async () => {
        const current = await s.admin<{ decisions: Array<{ outcome: string; message: string }> }>(
          "GET",
          `/v1/admin/accounts/${accountId}`,
        );
        return current.body.decisions.some((d) => /already processed/.test(d.message));
      },
      { timeoutMs: 10_000, description: "the resent track recognised as a duplicate" },
    );
    expect(await startsFor(accountId, momentId)).toBe(1);
    await close();
  });

  it("forgets the user on reset(): the next user sees nothing of the previous one's prompt, list or count", async () => {
    const event = unique("report_exported");
    await s.runningMoment({
      name: `Prompt and notification on ${event}`,
      goal: "activate",
      start: { event },
      steps: [
        {
          id: "ask",
          delay: { amount: 0, unit: "hours" },
          action: { type: "feedback_prompt", question: "How was the export?" },
        },
        {
          id: "tell",
          delay: { amount: 0, unit: "hours" },
          action: { type: "send_notification", title: "Your export is ready", body: "report.csv" },
        },
      ],
    });
    const { page, close } = await identified();
    await promptAfterTrack(page, event);
    await shown(page.getByRole("button", { name: "Notifications, 1 unread" }));

    await page.evaluate(() => (window as unknown as { Moments: { reset(): void } }).Moments.reset());
    // From here on, every inbox read must be the next user's.
    const inboxReads: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/v1/inbox") inboxReads.push(request.url());
    });
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Notifications/ }).count()).toBe(0);
    await expect(track(page, "after_sign_out")).rejects.toThrow(/identify first/);

    const next = unique("acct");
    await identifyAs(page, next);
    await page.getByRole("button", { name: "Notifications, 0 unread" }).waitFor();
    await expect.poll(() => inboxReads.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(inboxReads.every((url) => new URL(url).searchParams.get("accountId") === next)).toBe(true);
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { unread: number[] }).unread.at(-1))).toBe(0);
    await close();
  });

  it("says nothing of the previous user's prompt once the next user signs in", async () => {
    const event = await exportPrompt();
    const importEvent = await importPrompt();
    const { page, close } = await openApp();
    const next = unique("acct");
    // The moment the first user's prompt appears (its announcement not yet said), they sign out and
    // the next user signs in; from then on, everything the live region holds is recorded.
    await page.evaluate(
      ({ accountId, userToken }) => {
        const w = window as unknown as {
          Moments: { reset(): void; identify(o: object): void };
          said: string[];
          switched: boolean;
        };
        w.said = [];
        w.switched = false;
        const root = document.querySelector("moments-widget")?.shadowRoot as ShadowRoot;
        new MutationObserver(() => {
          if (w.switched) w.said.push(root.querySelector("[role=status]")?.textContent ?? "");
          else if (root.querySelector("[role=dialog]")) {
            w.switched = true;
            w.Moments.reset();
            w.Moments.identify({ accountId, userToken });
          }
        }).observe(root, { childList: true, subtree: true, characterData: true });
      },
      { accountId: next, userToken: Object.values(userTokenHeader(s.identitySecret, next))[0] },
    );
    await track(page, event);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { switched: boolean }).switched), {
        timeout: 15_000,
      })
      .toBe(true);
    // The next user's own prompt: announced once it shows, after the previous one's would have been.
    await track(page, importEvent);
    await shown(page.getByRole("dialog", { name: "How was the import?" }));
    await expect.poll(() => page.getByRole("status").textContent()).toBe("New question: How was the import?");
    const said = await page.evaluate(() => (window as unknown as { said: string[] }).said);
    expect(said.filter((text) => text.includes("export"))).toEqual([]);
    await close();
  });

  it("takes the previous user's prompt and announcement away when another user signs in without reset(), and gives the focus back", async () => {
    const event = await exportPrompt();
    const { page, close } = await openApp();
    await page.locator("#own").focus();
    const dialog = await promptAfterTrack(page, event);
    const status = page.getByRole("status");
    await expect.poll(() => status.textContent()).toBe("New question: How was the export?");
    // A keyboard user is on the prompt's Positive button when the app signs in someone else.
    const positive = await dialog.getByRole("button", { name: "Positive" }).elementHandle();
    await dialog.getByRole("button", { name: "Positive" }).focus();
    await identifyAs(page, unique("acct"));
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await status.textContent()).toBe("");
    expect(await focused(page)).toBe("Our button");
    // Even a click the page still makes on the previous user's prompt (a reference it kept) sends
    // nothing as the next user.
    await page.evaluate(() => {
      const w = window as unknown as { fetched: string[] };
      w.fetched = [];
      const original = window.fetch;
      window.fetch = (input, init) => {
        w.fetched.push(String(input));
        return original(input, init);
      };
    });
    await positive?.evaluate((button) => (button as HTMLElement).click());
    // (Only an answer's requests: the sign-in's own identify may still be on its way to /v1/batch.)
    const answers = (urls: string[]) => urls.filter((url) => /\/v1\/(feedback|inbox\/)/.test(url));
    expect(answers(await page.evaluate(() => (window as unknown as { fetched: string[] }).fetched))).toEqual(
      [],
    );

    // The focus in the open list: back to what opened it when another user signs in, or on reset().
    await page.locator("#own").focus();
    await toggleNotifications(page, true);
    expect(await focused(page)).toBe("Notifications");
    await identifyAs(page, unique("acct"));
    expect(await focused(page)).toBe("Our button");
    await toggleNotifications(page, true);
    expect(await focused(page)).toBe("Notifications");
    await page.evaluate(() => (window as unknown as { Moments: { reset(): void } }).Moments.reset());
    expect(await focused(page)).toBe("Our button");
    // Opened from the bell, which the sign-out removes: the focus stays with the widget, never the
    // page's first control (its Home link, at the top).
    await identifyAs(page, unique("acct"));
    await page.getByRole("button", { name: /^Notifications, / }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("Notifications");
    await page.evaluate(() => (window as unknown as { Moments: { reset(): void } }).Moments.reset());
    expect(await focused(page)).not.toBe("Home");
    expect(await focusInWidget(page)).toBe(true);
    await close();
  });

  it("sends what the previous user tracked offline as that user after reset(), never as the next one", async () => {
    const { context, page, accountId, close } = await identified();
    await waitFor(async () => (await s.admin("GET", `/v1/admin/accounts/${accountId}`)).status === 200, {
      timeoutMs: 10_000,
      description: "the first user's identify processed",
    });
    await context.setOffline(true);
    const event = unique("offline_before_sign_out");
    await track(page, event);
    await page.evaluate(() => (window as unknown as { Moments: { reset(): void } }).Moments.reset());
    const next = unique("acct");
    await identifyAs(page, next);
    await context.setOffline(false);

    await waitFor(
      async () => {
        const view = await s.admin<{ recentEvents: Array<{ event: string }> }>(
          "GET",
          `/v1/admin/accounts/${accountId}`,
        );
        return view.body.recentEvents.some((e) => e.event === event);
      },
      { timeoutMs: 15_000, description: "the offline event on the first user's account" },
    );
    // The next user's identify went out too, and nothing of the first user's came with it.
    const other = await waitFor(
      async () => {
        const view = await s.admin<{ recentEvents: Array<{ event: string }> }>(
          "GET",
          `/v1/admin/accounts/${next}`,
        );
        return view.status === 200 ? view.body : undefined;
      },
      { timeoutMs: 15_000, description: "the next user's identify processed" },
    );
    expect(other.recentEvents.filter((e) => e.event === event)).toEqual([]);
    await close();
  });

  it("keeps its CSS out of the page and the page's out of the widget", async () => {
    const event = await exportPrompt();
    const { page, close } = await openApp();
    const dialog = await promptAfterTrack(page, event);
    const widgetButton = dialog.getByRole("button", { name: "Positive" });
    const style = (locator: typeof widgetButton) =>
      locator.evaluate((node) => {
        const computed = getComputedStyle(node);
        return { color: computed.color, background: computed.backgroundColor, font: computed.fontFamily };
      });
    const inside = await style(widgetButton);
    expect(inside.color).not.toBe("rgb(0, 0, 128)");
    expect(inside.background).not.toBe("rgb(255, 255, 0)");
    expect(inside.font).not.toBe("serif");
    const own = await style(page.locator("#own"));
    expect(own).toEqual({ color: "rgb(0, 0, 128)", background: "rgb(255, 255, 0)", font: "serif" });
    // The widget lives in an open shadow root of its own element: nothing else was added.
    expect(await page.evaluate(() => document.querySelector("moments-widget")?.shadowRoot?.mode)).toBe(
      "open",
    );
    expect(await page.evaluate(() => document.head.querySelectorAll("style").length)).toBe(1);
    await close();
  });
});
