/**
 * The console's usability and accessibility details, each found by a QA pass, in a real Chromium
 * against the local stack: unsaved edits never lost to a status change, a source's identity secret
 * shown once and rotated, the navigation usable at 375px, "Skip to content", page titles and focus
 * after navigation, a template's name following the chosen template, empty number fields, the
 * reporting page's live region and feedback rates, errors cleared once they no longer apply, empty
 * states naming their filter; save errors named by the fields the user sees, unique and stable field
 * names, focus kept off the page's body when its control goes, a failed status change shown where it
 * happened, headings that name what they show, tables that scroll at 375px. Console-wide flows (and
 * axe on every page) are in console.test.ts.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { launchBrowser, navigateInPage, seriousAccessibilityViolations } from "../support/browser.js";

let stack: LocalStack;
let browser: Browser;
/** A context of a test's own (the sign-in page's, the live reporting page's), closed after it. */
let context: BrowserContext | undefined;
let page: Page;
let sourceId = "";

/** Polls with a deadline generous enough for a loaded CI machine. */
const eventually = <T>(read: () => Promise<T> | T, timeout = 15_000) =>
  expect.poll(read, { timeout, interval: 100 });

async function admin<T>(method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.adminKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${route}`).toBeLessThan(300);
  return (await response.json()) as T;
}

async function createMoment(name: string): Promise<string> {
  const moment = await admin<{ id: string }>("POST", "/v1/admin/moments", {
    template: "cart_abandon",
    name,
    sourceIds: [sourceId],
  });
  return moment.id;
}

let signedInPage: Promise<Page> | undefined;

/** A page in a context of its own, signed in through the sign-in page with the admin key. */
async function signIn(): Promise<Page> {
  const own = await browser.newContext();
  try {
    const signedIn = await own.newPage();
    await signedIn.goto(`${stack.consoleUrl}/admin-keys`);
    await signedIn.getByLabel("Admin key").fill(stack.adminKey);
    await signedIn.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => signedIn.getByRole("heading", { level: 1, name: "Admin keys" }).isVisible()).toBe(
      true,
    );
    return signedIn;
  } catch (error) {
    await own.close();
    throw error;
  }
}

/**
 * The shared signed-in page: signed in again (in a new context) when there is none yet, the last
 * sign-in failed, the page closed or crashed, or its session no longer opens the admin API (a test
 * that ended it must not fail every test after it).
 */
async function signedIn(): Promise<Page> {
  const current = await signedInPage?.catch(() => undefined);
  const usable = async (page: Page) =>
    !page.isClosed() &&
    (await page.evaluate(() => true).catch(() => false)) &&
    (
      await page.request.get(`${new URL(stack.consoleUrl).origin}/v1/admin/moments`).catch(() => undefined)
    )?.ok();
  if (current && (await usable(current))) return current;
  await current?.context().close();
  signedInPage = signIn();
  signedInPage.catch(() => undefined);
  return signedInPage;
}

/**
 * The signed-in page, blank, as a new one would be. The tests share one page (the first test, about
 * the sign-in page, has a context of its own), signed in once and cleared for each test of what an
 * earlier one left: its document (about:blank: each test loads the console anew), its routes and
 * listeners, its viewport, the mouse's position. Its cookie holds the session (`signedIn` signs in again
 * if a test ended it).
 * A context per test, each signed in through the sign-in page, cost a renderer process started and
 * stopped and a sign-in (a page load, the key sent, the Admin keys page) per test: this file took 80 s
 * of CPU and 56 s on a 2-core machine, 48 s and 34 s with the page shared (most of the difference;
 * the rest is `open`'s and axe's lighter runs).
 */
async function openConsole(viewport = { width: 1280, height: 860 }) {
  page = await signedIn();
  await page.unrouteAll({ behavior: "ignoreErrors" });
  // What a test listens to; not every event: Playwright itself listens for the page's close and crash.
  for (const event of ["request", "response", "requestfinished", "requestfailed", "console", "pageerror"])
    page.removeAllListeners(event);
  await page.setViewportSize(viewport);
  await page.mouse.move(0, 0);
  await page.goto("about:blank");
}

/** What has focus: never the page's body after an action whose control went away. */
const focused = () =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    const label = el.getAttribute("aria-label") ?? el.querySelector("legend")?.textContent ?? "";
    return `${el.tagName.toLowerCase()}: ${label || (el.textContent ?? "").trim()}`.replace(/\s+/g, " ");
  });

/** The names on the moment form's fields (their labels): to find any that two fields share. */
const fieldNames = () =>
  page.evaluate(() =>
    [...document.querySelectorAll("form .field-label")].map((label) => label.textContent ?? ""),
  );

/** Loads a page of the console from its address (a new document), and waits for its heading. */
const go = async (path: string, heading: string | RegExp) => {
  await page.goto(`${stack.consoleUrl}${path}`);
  await eventually(() => page.getByRole("heading", { level: 1, name: heading }).isVisible()).toBe(true);
};

/** Opens another page of the console in the page shown (navigateInPage), and waits for its heading. */
const open = async (path: string, heading: string | RegExp) => {
  await navigateInPage(page, stack.consoleUrl, path);
  await eventually(() => page.getByRole("heading", { level: 1, name: heading }).isVisible()).toBe(true);
};

/** A promise and what resolves it: a request held until the test lets it through. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A new moment's page with a save on its way (its description "Sent"), held until `answer()`: the
 * time in which the user types on.
 */
async function saveHeld(name: string) {
  const id = await createMoment(name);
  await openConsole();
  await go(`/moments/${id}`, name);
  const { opened, open: answer } = gate();
  await page.route("**/v1/admin/moments/*", async (route) => {
    if (route.request().method() === "PATCH") await opened;
    await route.fallback();
  });
  await page.getByLabel("Description").fill("Sent");
  await page.getByRole("button", { name: "Save changes" }).click();
  await eventually(() => page.getByRole("button", { name: "Saving…" }).isVisible()).toBe(true);
  return { id, answer };
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStack({ port: 0, timeScale: 0.001, logLevel: "CRITICAL" }),
    launchBrowser(),
  ]);
  sourceId = (
    await admin<{ id: string }>("POST", "/v1/admin/sources", { name: "Web shop", allowedDomains: [] })
  ).id;
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the console's details", () => {
  it("focuses the key field on the sign-in page, and drops the sign-in error once the key is edited", async () => {
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${stack.consoleUrl}/moments`);
    const key = page.getByLabel("Admin key");
    await eventually(() => key.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await page.title()).toBe("Sign in · Moments console");
    await key.fill("mk_admin_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("Unknown or revoked admin key");
    await key.fill("mk_admin_");
    await eventually(() => page.getByRole("alert").allTextContents()).toEqual([]);
  });

  it("keeps unsaved edits through a status change: the dialog says so and saves or discards them, as chosen", async () => {
    const id = await createMoment("Status with edits");
    await openConsole();
    await go(`/moments/${id}`, /Status with edits/);
    const savebar = page.locator(".savebar");

    // A plain save says which version it made.
    await page.getByLabel("Description").fill("Saved first");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => savebar.textContent()).toContain("Saved as version 2.");

    // Start with an unsaved name: the dialog names it; "Save and start" keeps it.
    await page.getByLabel("Name", { exact: true }).fill("Status with edits (renamed)");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Start" });
    expect(await dialog.textContent()).toContain(
      "You have unsaved changes: name. Save them first, or discard them.",
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Save and start" }).click();
    await eventually(() => page.locator(".page-header .badge").textContent()).toBe("Running");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("(renamed)");
    expect(await savebar.textContent()).toContain("Saved as version 3.");
    const saved = await admin<{ name: string; status: string }>("GET", `/v1/admin/moments/${id}`);
    expect(saved).toMatchObject({ name: "Status with edits (renamed)", status: "running" });

    // Or discarded, when that is the choice.
    await page.getByLabel("Description").fill("Not wanted");
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    const stop = page.getByRole("dialog", { name: "Stop" });
    expect(await stop.textContent()).toContain("You have unsaved changes: description.");
    await stop.getByRole("button", { name: "Discard changes and stop" }).click();
    await eventually(() => page.locator(".page-header .badge").textContent()).toBe("Stopped");
    expect(await page.getByLabel("Description").inputValue()).toBe("Saved first");

    // With nothing unsaved the dialog asks only about the status.
    await page.getByRole("button", { name: "Archive", exact: true }).click();
    const archive = page.getByRole("dialog", { name: "Archive" });
    expect(await archive.textContent()).not.toContain("unsaved");
    expect(await archive.getByRole("button").allTextContents()).toEqual(["Cancel", "Archive"]);
  });

  it("keeps the draft and lets the user save again when a save gets no answer (offline)", async () => {
    const id = await createMoment("Saved offline");
    await openConsole();
    await go(`/moments/${id}`, /Saved offline/);
    const savebar = page.locator(".savebar");
    await page.getByLabel("Description").fill("Typed while offline");
    const offline = (route: import("playwright-core").Route) =>
      route.request().method() === "PATCH" ? route.abort("internetdisconnected") : route.fallback();
    await page.route("**/v1/admin/moments/*", offline);

    await page.getByRole("button", { name: "Save changes" }).click();

    await eventually(() => page.getByRole("alert").allTextContents()).toContainEqual(
      expect.stringContaining("The API could not be reached"),
    );
    expect(await page.getByLabel("Description").inputValue()).toBe("Typed while offline");
    await page.unroute("**/v1/admin/moments/*", offline);
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => savebar.textContent()).toContain("Saved as version 2.");
    expect((await admin<{ description?: string }>("GET", `/v1/admin/moments/${id}`)).description).toBe(
      "Typed while offline",
    );
  });

  it("shows a new source's identity secret once, and rotates it with the old one working 24 hours", async () => {
    await openConsole();
    await go("/sources", "Sources");
    await page.getByLabel("Source name").fill("Widget app");
    await page.getByRole("button", { name: "Create source" }).click();
    const notice = (what: string) => page.locator(".notice").filter({ hasText: `Copy the ${what} now` });
    await eventually(() => notice("identity secret").locator("code.secret").textContent()).toMatch(
      /^mk_idv_/,
    );
    expect(await notice("identity secret").textContent()).toContain("it is shown only once");
    expect(
      await notice("identity secret").getByRole("button", { name: "Copy identity secret" }).isVisible(),
    ).toBe(true);
    expect(await notice("write key").locator("code.secret").textContent()).toMatch(/^mk_write_/);
    const first = (await notice("identity secret").locator("code.secret").textContent()) ?? "";

    const card = page.getByRole("region", { name: "Widget app" });
    await card.getByRole("button", { name: "Rotate Widget app's identity secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate Widget app's identity secret" });
    expect(await dialog.textContent()).toContain("keep working for 24 hours");
    await dialog.getByRole("button", { name: "Rotate identity secret" }).click();
    await eventually(() => dialog.isVisible()).toBe(false);
    const rotated = card.locator(".notice").filter({ hasText: "Copy the identity secret now" });
    await eventually(() => rotated.locator("code.secret").textContent()).toMatch(/^mk_idv_/);
    expect(await rotated.locator("code.secret").textContent()).not.toBe(first);
    expect(await rotated.textContent()).toMatch(
      /The previous secret keeps working until .+: deploy the new one/,
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Shown once: not after a reload.
    const second = (await rotated.locator("code.secret").textContent()) ?? "";
    await page.reload();
    await eventually(() => page.getByRole("heading", { name: "Widget app" }).isVisible()).toBe(true);
    const html = await page.content();
    expect(html).not.toContain(first);
    expect(html).not.toContain(second);
  });

  it("keeps every navigation link visible and clickable at 375px, and no main page wider than the screen", async () => {
    const id = await createMoment("Narrow screen");
    await openConsole({ width: 375, height: 760 });
    // The first page loaded, the others opened in it.
    let show = go;
    for (const [path, heading] of [
      ["/moments", "Moments"],
      [`/moments/${id}`, /Narrow screen/],
      ["/moments/new", "New moment"],
      ["/observed-events", "Observed events"],
      ["/sources", "Sources"],
      ["/email-templates", "Email templates"],
      ["/integrations", "Integrations"],
      ["/suppressions", "Suppressions"],
      ["/admin-keys", "Admin keys"],
    ] as const) {
      await show(path, heading);
      show = open;
      await eventually(() => page.locator(".loading").count()).toBe(0);
      const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
      expect(await links.count()).toBe(7);
      for (const link of await links.all()) {
        const where = await link.evaluate((a) => {
          const box = a.getBoundingClientRect();
          const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
          return {
            inside: box.top >= 0 && box.left >= 0 && box.right <= innerWidth && box.bottom <= innerHeight,
            hit: hit === a || a.contains(hit),
          };
        });
        expect(where, `${await link.textContent()} on ${path}`).toEqual({ inside: true, hit: true });
      }
      // The page heading is not under the navigation.
      const overlap = await page.evaluate(() => {
        const bar = document.querySelector(".topbar")?.getBoundingClientRect();
        const h1 = document.querySelector("h1")?.getBoundingClientRect();
        return bar && h1 ? h1.top < bar.bottom : true;
      });
      expect(overlap, path).toBe(false);
      const width = await page.evaluate(() => [document.scrollingElement?.scrollWidth ?? 0, innerWidth]);
      expect(width[0], `${path} scroll width`).toBeLessThanOrEqual(width[1] ?? 0);
    }
    // A link reached at 375px works, by keyboard too.
    const sources = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sources" });
    await sources.focus();
    await page.keyboard.press("Enter");
    await eventually(() => page.getByRole("heading", { level: 1, name: "Sources" }).isVisible()).toBe(true);
  });

  it("moves focus to the page with Skip to content, without leaving the page", async () => {
    await openConsole();
    await go("/moments", "Moments");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    expect(await skip.evaluate((a) => a === document.activeElement)).toBe(true);
    await page.keyboard.press("Enter");
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe("main");
    const url = new URL(page.url());
    expect(url.pathname + url.hash).toBe("/console/moments#main");
    expect(await page.getByRole("heading", { level: 1, name: "Moments" }).isVisible()).toBe(true);
    // Tab goes on from the page's content, not the navigation.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("main") !== null)).toBe(true);
  });

  it("names each page in the tab title, and moves focus to its heading after navigating (not on first load)", async () => {
    await createMoment("Titled moment");
    await openConsole();
    await go("/moments", "Moments");
    expect(await page.title()).toBe("Moments · Moments console");
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sources" }).click();
    const focusedHeading = () =>
      page.evaluate(() =>
        document.activeElement?.tagName === "H1" ? document.activeElement.textContent : null,
      );
    await eventually(focusedHeading).toBe("Sources");
    expect(await page.title()).toBe("Sources · Moments console");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Moments" }).click();
    await page.getByRole("link", { name: "Titled moment", exact: true }).click();
    await eventually(focusedHeading).toContain("Titled moment");
    expect(await page.title()).toBe("Titled moment · Moments console");

    await page.goBack();
    await eventually(focusedHeading).toBe("Moments");
  });

  it("names a new moment after the chosen template until the user writes their own name", async () => {
    await openConsole();
    await go("/moments/new", "New moment");
    const name = page.getByLabel("Name", { exact: true });
    await page.getByRole("radio", { name: /Cart Abandon/ }).check();
    expect(await name.inputValue()).toBe("Cart Abandon");
    await page.getByRole("radio", { name: /Booking Abandon/ }).check();
    expect(await name.inputValue()).toBe("Booking Abandon");
    await page.getByRole("radio", { name: /Blank moment/ }).check();
    expect(await name.inputValue()).toBe("");
    await page.getByRole("radio", { name: /Cart Abandon/ }).check();
    await name.fill("Our cart reminder");
    await page.getByRole("radio", { name: /Booking Abandon/ }).check();
    expect(await name.inputValue()).toBe("Our cart reminder");
  });

  it("refuses an empty number field (Enter a number) instead of saving 0", async () => {
    const id = await createMoment("Numbers");
    await openConsole();
    await go(`/moments/${id}`, /Numbers/);
    const sampling = page.getByLabel("Sampling (% of accounts that enter)");
    await sampling.fill("");
    await eventually(() => sampling.getAttribute("aria-invalid")).toBe("true");
    const error = (field: typeof sampling) =>
      field.evaluate(
        (input) => document.getElementById(input.getAttribute("aria-describedby") ?? "")?.textContent,
      );
    expect(await error(sampling)).toBe("Enter a number");
    expect(await page.getByText("Enter a number").isVisible()).toBe(true);
    const patches: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "PATCH") patches.push(request.url());
    });
    await page.getByRole("button", { name: "Save changes" }).click();
    // Refused by the form: still unsaved, nothing sent.
    expect(await page.locator(".savebar").textContent()).toContain("Unsaved changes: samplingRate");
    expect(patches).toEqual([]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await sampling.fill("50");
    expect(await sampling.getAttribute("aria-invalid")).toBeNull();

    const amount = page
      .getByRole("group", { name: "Settings of the cart_abandon template" })
      .getByLabel("Cart counts as abandoned after (amount)");
    await amount.fill("");
    await eventually(() => error(amount)).toBe("Enter a number");
    await page.getByRole("button", { name: "Save changes" }).click();
    expect(patches).toEqual([]);
    await amount.fill("2");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => page.locator(".savebar").textContent()).toContain("Saved as version 2.");
    const saved = await admin<{ samplingRate: number; start: { unless: { within: { amount: number } } } }>(
      "GET",
      `/v1/admin/moments/${id}`,
    );
    expect(saved.samplingRate).toBe(50);
    expect(saved.start.unless.within.amount).toBe(2);
  });

  it("does not announce the reporting page's refresh time, and shows the feedback prompts' shown, dismissed and response rate", async () => {
    const id = await createMoment("Reported");
    await openConsole();
    await go(`/moments/${id}/reporting`, /Reporting: Reported/);
    await eventually(() => page.locator(".kpi .value").first().textContent()).toBe("0");
    await eventually(() => page.locator(".subtitle").textContent()).toContain("updated");
    const live = await page.locator("[aria-live], [role=status], [role=log]").allTextContents();
    expect(live.join(" ")).not.toContain("updated");
    const feedback = page.getByRole("region", { name: "Feedback" });
    const counts = await feedback.locator("dl").innerText();
    expect(counts.replace(/\s+/g, " ")).toBe("Prompts shown 0 Answered 0 Dismissed 0 Response rate —");
  });

  it("lets a load of the live reporting page that outlasts the 5 s interval finish and shows its answer, the first included, and gives up one that hung for a minute", async () => {
    const id = await createMoment("Slow report");
    // A context of its own (signed in with the shared page's session) whose clock the test moves on.
    await openConsole();
    context = await browser.newContext({ storageState: await page.context().storageState() });
    await context.clock.install();
    // The reads the page starts, counted in the page as it starts them.
    await context.addInitScript(() => {
      const w = window as unknown as { reportReads: number };
      w.reportReads = 0;
      const send = window.fetch;
      window.fetch = (input, init) => {
        if (String(input instanceof Request ? input.url : input).includes("/report")) w.reportReads += 1;
        return send(input, init);
      };
    });
    const watched = await context.newPage();
    const reads = () => watched.evaluate(() => (window as unknown as { reportReads: number }).reportReads);
    const { opened: firstReleased, open: releaseFirst } = gate();
    const { opened: released, open: release } = gate();
    let served = 0;
    await watched.route(/\/v1\/admin\/moments\/[^/]+\/report/, async (route) => {
      served += 1;
      const read = served;
      if (read >= 4) return route.fallback();
      // The first read and the second are slow (held until the test lets them through), the second
      // says 7 entered; the third hangs.
      if (read === 3) return;
      await (read === 1 ? firstReleased : released);
      const answer = await route.fetch();
      const report = await answer.json();
      if (read === 2) report.totals.entered = 7;
      await route.fulfill({ response: answer, json: report });
    });
    await watched.goto(`${stack.consoleUrl}/moments/${id}/reporting`);
    const entered = watched.locator(".kpi .value").first();
    // The page's first read outlasts an interval: it is let finish too.
    await eventually(reads).toBe(1);
    await watched.clock.fastForward(5_000);
    expect(await reads()).toBe(1);
    releaseFirst();
    await eventually(() => entered.textContent()).toBe("0");
    await watched.clock.fastForward(5_000);
    await eventually(reads).toBe(2);
    // Three more intervals pass while that refresh is on its way: none starts another.
    for (let i = 0; i < 3; i++) await watched.clock.fastForward(5_000);
    expect(await reads()).toBe(2);
    release();
    await eventually(() => entered.textContent()).toBe("7");
    // The next refresh hangs: after a minute on its way, the one after it is started, and shown.
    await watched.clock.fastForward(5_000);
    await eventually(reads).toBe(3);
    await watched.clock.fastForward(55_000);
    expect(await reads()).toBe(3);
    await watched.clock.fastForward(5_000);
    await eventually(reads).toBe(4);
    await eventually(() => entered.textContent()).toBe("0");
  });

  it("clears a confirmation's error when it is cancelled and opened again", async () => {
    const id = await createMoment("Failing start");
    await openConsole();
    await page.route(/\/v1\/admin\/moments\/[^/]+\/status$/, (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "unavailable", message: "Try again later" } }),
      }),
    );
    await go(`/moments/${id}`, /Failing start/);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Start" });
    await dialog.getByRole("button", { name: "Start", exact: true }).click();
    await eventually(() => dialog.getByRole("alert").textContent()).toContain("Try again later");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await eventually(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByRole("alert").count()).toBe(0);
  });

  it("names the filter when a filtered list of moments is empty", async () => {
    await openConsole();
    await go("/moments?status=archived", "Moments");
    await eventually(() => page.locator(".empty").textContent()).toContain("No moment with status Archived.");
    await page.getByRole("button", { name: "Clear the filters" }).click();
    await eventually(() => new URL(page.url()).search).toBe("");
  });
  it("names a refused save's problems by the fields the user sees, beside each field and in a summary that takes focus", async () => {
    const id = await createMoment("Problems");
    await openConsole();
    await go(`/moments/${id}`, "Problems");
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByLabel("Step 1: action", { exact: true }).selectOption("feedback_prompt");
    await page.getByLabel("Step 1: question", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    const summary = page.getByRole("alert").filter({ hasText: "Not saved" });
    await eventually(() => summary.isVisible()).toBe(true);
    const text = (await summary.textContent()) ?? "";
    expect(text).toContain("Name: Required: enter a value");
    expect(text).toContain("Step 1: question: Required: enter a value");
    expect(text).not.toContain("steps.0");
    expect(text).not.toMatch(/\bname:/);
    // Focus on the summary, which leads to each field.
    await eventually(() => summary.evaluate((box) => box === document.activeElement)).toBe(true);
    const description = (name: string) =>
      page.getByLabel(name, { exact: true }).evaluate((input) =>
        (input.getAttribute("aria-describedby") ?? "")
          .split(" ")
          .map((id) => document.getElementById(id)?.textContent)
          .join(" "),
      );
    for (const name of ["Name", "Step 1: question"]) {
      expect(await page.getByLabel(name, { exact: true }).getAttribute("aria-invalid"), name).toBe("true");
      expect(await description(name), name).toBe("Required: enter a value");
    }
    expect(await page.getByLabel("Description").getAttribute("aria-invalid")).toBeNull();
    await summary.getByRole("button", { name: "Step 1: question" }).click();
    expect(await page.getByLabel("Step 1: question").evaluate((i) => i === document.activeElement)).toBe(
      true,
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it("names a refused new moment's problems by the fields the user sees, beside each field and in a summary that takes focus", async () => {
    await openConsole();
    await go("/moments/new", "New moment");
    await page.getByRole("radio", { name: /Cart Abandon/ }).check();
    // Spaces pass the browser's "required" but not the API, which trims them; a window over a year.
    await page.getByLabel("Name", { exact: true }).fill("   ");
    const amount = page.getByLabel("Cart counts as abandoned after (amount)", { exact: true });
    await amount.fill("400");
    await page.getByLabel("Cart counts as abandoned after (unit)", { exact: true }).selectOption("days");
    await page.getByRole("checkbox", { name: "Web shop" }).check();
    await page.getByRole("button", { name: "Create moment" }).click();
    const summary = page.getByRole("alert").filter({ hasText: "Not created" });
    await eventually(() => summary.isVisible()).toBe(true);
    const text = (await summary.textContent()) ?? "";
    expect(text).toContain("Name: Required: enter a value");
    expect(text).toContain("Cart counts as abandoned after (amount): must be under one year");
    expect(text).not.toContain("settings.");
    expect(text).not.toMatch(/\bname\b/);
    await eventually(() => summary.evaluate((box) => box === document.activeElement)).toBe(true);
    for (const field of [page.getByLabel("Name", { exact: true }), amount]) {
      expect(await field.getAttribute("aria-invalid")).toBe("true");
    }
    expect(await page.getByLabel("Description").getAttribute("aria-invalid")).toBeNull();
    await summary.getByRole("button", { name: "Cart counts as abandoned after (amount)" }).click();
    expect(await amount.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it("takes a shown-once secret off the page once the user has copied it, and moves focus on", async () => {
    await openConsole();
    await go("/sources", "Sources");
    await page.getByLabel("Source name").fill("Copied app");
    await page.getByRole("button", { name: "Create source" }).click();
    const notice = (what: string) => page.locator(".notice").filter({ hasText: `Copy the ${what} now` });
    // Named by whose it is: a new source's write key and one issued on a card can be shown together.
    const done = (what: string, of = " of Copied app") =>
      notice(what).getByRole("button", { name: `Done, I've copied it: hide the ${what}${of}`, exact: true });
    await eventually(() => notice("identity secret").locator("code.secret").textContent()).toMatch(
      /^mk_idv_/,
    );
    const secret = (await notice("identity secret").locator("code.secret").textContent()) ?? "";
    expect(await notice("identity secret").textContent()).toContain("it is shown only once");
    // Announced by its heading alone: a screen reader does not read the secrets aloud.
    const announced = (await page.getByRole("status").allTextContents()).join(" ");
    expect(announced).toContain("Copy the identity secret now: it is shown only once.");
    expect(announced).not.toMatch(/mk_(idv|write)_/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The identity secret goes; focus to the write key, the other secret still shown.
    await done("identity secret").click();
    await eventually(() => notice("identity secret").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await eventually(focused).toMatch(/^section: Copy the write key now: it is shown only once\./);
    await done("write key").click();
    await eventually(() => notice("write key").count()).toBe(0);
    await eventually(focused).toBe("button: Create source");

    // A rotated identity secret and an issued write key on a source's card: back to what issued them.
    const card = page.getByRole("region", { name: "Copied app" });
    await card.getByRole("button", { name: "Rotate Copied app's identity secret" }).click();
    await page
      .getByRole("dialog", { name: "Rotate Copied app's identity secret" })
      .getByRole("button", { name: "Rotate identity secret" })
      .click();
    await eventually(() => done("identity secret").isVisible()).toBe(true);
    await done("identity secret").click();
    await eventually(focused).toBe("button: Rotate Copied app's identity secret");
    await card.getByRole("button", { name: "Issue a write key" }).click();
    await done("write key").click();
    await eventually(focused).toBe("button: Issue a write key");
    expect(await page.locator("code.secret").count()).toBe(0);

    // An admin key: the same.
    await open("/admin-keys", "Admin keys");
    await page.getByRole("button", { name: "Issue an admin key" }).click();
    await eventually(() => done("admin key", "").isVisible()).toBe(true);
    const key = (await notice("admin key").locator("code.secret").textContent()) ?? "";
    await done("admin key", "").click();
    await eventually(focused).toBe("button: Issue an admin key");
    expect(await page.content()).not.toContain(key);
  });

  it("closes the status dialog when “Save and start” cannot save, and focuses why on the page: the API's reasons or the field refused", async () => {
    const id = await createMoment("Not saved, not started");
    await openConsole();
    await go(`/moments/${id}`, "Not saved, not started");
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Start" });
    await dialog.getByRole("button", { name: "Save and start" }).click();
    await eventually(() => dialog.isVisible()).toBe(false);
    const summary = page.getByRole("alert").filter({ hasText: "Not saved" });
    await eventually(() => summary.evaluate((box) => box === document.activeElement)).toBe(true);
    expect(await summary.textContent()).toContain("the status did not change");
    expect(await summary.textContent()).toContain("Name: Required: enter a value");
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(".page-header .badge").textContent()).toBe("Draft");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // A field the form itself refuses (an emptied number): the dialog closes onto that field.
    await page.getByLabel("Name", { exact: true }).fill("Not saved, not started");
    const sampling = page.getByLabel("Sampling (% of accounts that enter)");
    await sampling.fill("");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await dialog.getByRole("button", { name: "Save and start" }).click();
    await eventually(() => dialog.isVisible()).toBe(false);
    await eventually(() => sampling.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await page.locator(".page-header .badge").textContent()).toBe("Draft");
  });

  it("keeps what the user typed while a save was on its way, unsaved, with focus where they typed", async () => {
    const { id, answer } = await saveHeld("Typed while saving");
    const name = page.getByLabel("Name", { exact: true });
    // The caret inside the text, not at its end (where a field made anew puts it anyway).
    await name.press("End");
    for (const _ of " saving") await name.press("ArrowLeft");
    await page.keyboard.type(" later");
    answer();
    await eventually(() => page.locator(".subtitle").textContent()).toMatch(/^Version 2 /);
    expect(await name.inputValue()).toBe("Typed while later saving");
    expect(await page.getByLabel("Description").inputValue()).toBe("Sent");
    expect(await page.locator(".savebar").textContent()).toContain(
      "Saved as version 2. Unsaved changes: name",
    );
    // Still typing in the same field, where the caret was.
    await page.keyboard.type("!");
    expect(await name.inputValue()).toBe("Typed while later! saving");
    const saved = await admin<{ name: string; description: string }>("GET", `/v1/admin/moments/${id}`);
    expect(saved).toMatchObject({ name: "Typed while saving", description: "Sent" });
  });

  it("keeps the status dialog open, Escape and Cancel included, while “Save and start” is on its way, so nothing typed is lost", async () => {
    const id = await createMoment("Started while held");
    await openConsole();
    await go(`/moments/${id}`, "Started while held");
    const { opened, open: answer } = gate();
    await page.route("**/v1/admin/moments/*", async (route) => {
      if (route.request().method() === "PATCH") await opened;
      await route.fallback();
    });
    await page.getByLabel("Description").fill("Sent with the start");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Start" });
    await dialog.getByRole("button", { name: "Save and start" }).click();
    await eventually(() => dialog.getByRole("button", { name: "Cancel" }).getAttribute("aria-disabled")).toBe(
      "true",
    );
    // Neither closes it: the request goes on whatever the user does, and the form behind is not theirs to type in yet.
    await page.keyboard.press("Escape");
    expect(await dialog.isVisible()).toBe(true);
    // (forced: Playwright will not click a control that says it is unavailable, but a user can)
    await dialog.getByRole("button", { name: "Cancel" }).click({ force: true });
    expect(await dialog.isVisible()).toBe(true);
    answer();
    await eventually(() => page.locator(".page-header .badge").textContent()).toBe("Running");
    expect(await dialog.isVisible()).toBe(false);
    expect(await page.getByLabel("Description").inputValue()).toBe("Sent with the start");
    const saved = await admin<{ description: string; status: string }>("GET", `/v1/admin/moments/${id}`);
    expect(saved).toMatchObject({ description: "Sent with the start", status: "running" });
  });

  it("shows the version a save made at once: saved again at once (Enter), what was typed during the first save is kept", async () => {
    const id = await createMoment("Saved twice");
    await openConsole();
    await go(`/moments/${id}`, "Saved twice");
    const { opened: answered, open: answer } = gate();
    // A read of the moment after the save waits until the end: a form still on the old version
    // meanwhile would be saved (and discarded) again from it.
    const { opened: reads, open: readsDone } = gate();
    let patches = 0;
    await page.route("**/v1/admin/moments/*", async (route) => {
      const method = route.request().method();
      if (method === "PATCH" && ++patches === 1) await answered;
      if (method === "GET" && patches > 0) await reads;
      await route.fallback();
    });
    try {
      await page.getByLabel("Description").fill("Sent");
      await page.getByRole("button", { name: "Save changes" }).click();
      await eventually(() => page.getByRole("button", { name: "Saving…" }).isVisible()).toBe(true);
      // While it is on its way, nothing else acts on the version it was sent from.
      for (const control of ["Saving…", "Discard changes", "Start"]) {
        const button = page.getByRole("button", { name: control, exact: true });
        expect(await button.getAttribute("aria-disabled"), control).toBe("true");
      }
      const name = page.getByLabel("Name", { exact: true });
      await name.press("Enter");
      await name.press("End");
      await page.keyboard.type(" later");
      answer();
      await eventually(() => page.locator(".savebar").textContent()).toContain(
        "Saved as version 2. Unsaved changes: name",
      );
      await page.keyboard.type(" more");
      await page.keyboard.press("Enter");
      await eventually(() => page.locator(".savebar").textContent()).toContain("Saved as version 3.");
      expect(await name.inputValue()).toBe("Saved twice later more");
      expect(await page.getByRole("alert").allTextContents()).toEqual([]);
      expect(patches).toBe(2);
      const saved = await admin<{ name: string; description: string; version: number }>(
        "GET",
        `/v1/admin/moments/${id}`,
      );
      expect(saved).toMatchObject({ name: "Saved twice later more", description: "Sent", version: 3 });
    } finally {
      readsDone();
    }
  });

  it("never lays what was typed during a save on another admin's save made right after it: the next save shows the conflict", async () => {
    const id = await createMoment("Saved by two");
    await openConsole();
    await go(`/moments/${id}`, "Saved by two");
    const { opened: answered, open: answer } = gate();
    let theirs = false;
    await page.route("**/v1/admin/moments/*", async (route) => {
      if (route.request().method() !== "PATCH" || theirs) return route.fallback();
      await answered;
      const response = await route.fetch();
      // Another admin saves on the version ours made, before the page hears of it.
      const other = await fetch(`${stack.apiUrl}/v1/admin/moments/${id}`, {
        method: "PATCH",
        headers: {
          authorization: `Bearer ${stack.adminKey}`,
          "content-type": "application/json",
          "if-match": '"2"',
        },
        body: JSON.stringify({ description: "Theirs" }),
      });
      expect(other.status).toBe(200);
      theirs = true;
      await route.fulfill({ response });
    });
    await page.getByLabel("Name", { exact: true }).fill("Saved by two, renamed");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => page.getByRole("button", { name: "Saving…" }).isVisible()).toBe(true);
    await page.getByLabel("Description").fill("Mine");
    answer();
    await eventually(() => page.locator(".savebar").textContent()).toContain(
      "Saved as version 2. Unsaved changes: description",
    );
    await page.getByRole("button", { name: "Save changes" }).click();
    const conflict = page.getByRole("alert").filter({ hasText: "changed since you opened it" });
    await eventually(() => conflict.count()).toBe(1);
    expect(await conflict.textContent()).toContain("(now version 3)");
    expect(await conflict.textContent()).toContain(
      "Changed by someone else: description. Your unsaved edits: description.",
    );
    expect(await page.getByLabel("Description").inputValue()).toBe("Mine");
    const saved = await admin<{ name: string; description: string; version: number }>(
      "GET",
      `/v1/admin/moments/${id}`,
    );
    expect(saved).toMatchObject({ name: "Saved by two, renamed", description: "Theirs", version: 3 });
  });

  it("keeps a step edited during a save, and takes an edit undone during it for none", async () => {
    const { id, answer } = await saveHeld("Step typed while saving");
    const title = page.getByLabel("Step 1: title", { exact: true });
    const before = "You left something in your cart";
    const name = page.getByLabel("Name", { exact: true });
    await name.press("End");
    await page.keyboard.type("x");
    await page.keyboard.press("Backspace");
    await title.press("End");
    await page.keyboard.type(" now");
    answer();
    await eventually(() => page.locator(".subtitle").textContent()).toMatch(/^Version 2 /);
    expect(await page.locator(".savebar").textContent()).toContain(
      "Saved as version 2. Unsaved changes: steps",
    );
    expect(await title.inputValue()).toBe(`${before} now`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => page.locator(".savebar").textContent()).toContain("Saved as version 3.");
    const saved = await admin<{ description: string; steps: { action: { title?: string } }[] }>(
      "GET",
      `/v1/admin/moments/${id}`,
    );
    expect(saved.description).toBe("Sent");
    expect(saved.steps[0]?.action.title).toBe(`${before} now`);
  });

  it("names a refused source by the Sources group, on a moment's page and the new-moment page", async () => {
    const id = await createMoment("Source gone");
    await openConsole();
    const summary = page.getByRole("alert").filter({ hasText: /^Not (saved|created)/ });
    let show = go;
    for (const [path, heading, sources, submit] of [
      [`/moments/${id}`, "Source gone", "Sources (audience)", "Save changes"],
      ["/moments/new", "New moment", "Sources (required)", "Create moment"],
    ] as const) {
      // Chosen on the page, deleted before the save: the API refuses it by its path (sourceIds.N).
      const gone = await admin<{ id: string }>("POST", "/v1/admin/sources", { name: `Gone from ${heading}` });
      await show(path, heading);
      show = open;
      if (path === "/moments/new") await page.getByRole("radio", { name: /Cart Abandon/ }).check();
      await page.getByRole("checkbox", { name: `Gone from ${heading}` }).check();
      const deleted = await fetch(`${stack.apiUrl}/v1/admin/sources/${gone.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${stack.adminKey}` },
      });
      expect(deleted.status).toBe(204);
      await page.getByRole("button", { name: submit }).click();
      await eventually(() => summary.count()).toBe(1);
      const item = summary.getByRole("listitem");
      expect(await item.textContent()).toContain(`${sources}: no source with id`);
      expect(await summary.textContent()).not.toContain("sourceIds");
      const group = page.getByRole("group", { name: sources });
      expect(await group.getAttribute("aria-describedby")).toBeTruthy();
      await item.getByRole("button", { name: sources }).click();
      expect(
        await group
          .getByRole("checkbox")
          .first()
          .evaluate((box) => box === document.activeElement),
      ).toBe(true);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    }
  });

  it("reads Allowed domains as comma-separated: a value with a space is one entry, with one problem on that field", async () => {
    await openConsole();
    await go("/sources", "Sources");
    await page.getByLabel("Source name").fill("Spaced");
    const domains = page.getByLabel("Allowed domains", { exact: true });
    await domains.fill("https://bad domain/");
    await page.getByRole("button", { name: "Create source" }).click();
    const summary = page.getByRole("alert").filter({ hasText: "Not created" });
    await eventually(() => summary.isVisible()).toBe(true);
    const items = await summary.getByRole("listitem").allTextContents();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatch(/^Allowed domains: “https:\/\/bad domain\/” must be a host name/);
    expect(await summary.textContent()).not.toContain("allowedDomains");
    expect(await domains.getAttribute("aria-invalid")).toBe("true");
    await eventually(() => summary.evaluate((box) => box === document.activeElement)).toBe(true);
  });

  it("gives every field of a moment a unique name that stays the same while the user types", async () => {
    const id = await createMoment("Named fields");
    await openConsole();
    await go(`/moments/${id}`, "Named fields");
    const start = page.getByRole("group", { name: "Start filters" });
    await start.getByRole("button", { name: "Add filter" }).last().click();
    await start.getByRole("button", { name: "Add “any of” group" }).last().click();
    // A second timeout end rule.
    await page.getByLabel("End rule 1: ends on").selectOption("timeout");
    for (const name of [
      "Start filter 1: field",
      "Start filter 1: operator",
      "Start filter 1: value",
      "Start any-of group 2, filter 1: field",
      "End rule 1: after (amount)",
      "End rule 2: after (amount)",
      "Step 1: title",
    ]) {
      expect(await page.getByLabel(name, { exact: true }).count(), name).toBe(1);
    }
    const names = await fieldNames();
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual(
      // The template's settings are the very fields they set, further down.
      names.filter((name, i) => names.indexOf(name) !== i && /^(Cart counts|Stop trying)/.test(name)),
    );
    // Typing a step's name renames none of its fields.
    await page.getByLabel("Step 1: name", { exact: true }).press("End");
    await page.keyboard.type(" nudge");
    expect(await page.getByLabel("Step 1: title", { exact: true }).count()).toBe(1);
    expect(await page.getByLabel("Step 1: name", { exact: true }).inputValue()).toBe("Cart reminder nudge");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it("keeps focus off the page's body when the control that had it goes", async () => {
    const id = await createMoment("Focus kept");
    await openConsole();
    await go(`/moments/${id}`, "Focus kept");
    const start = page.getByRole("group", { name: "Start filters" });
    await start.getByRole("button", { name: "Add “any of” group" }).last().click();
    await start.getByRole("button", { name: "Add filter" }).last().click();
    // Remove a filter, then the group: focus stays in the start filters.
    await page.getByRole("button", { name: "Remove Start filter 2" }).click();
    expect(await focused()).toBe("fieldset: Start filters");
    await page.getByRole("button", { name: "Remove Start any-of group 1", exact: true }).click();
    expect(await focused()).toBe("fieldset: Start filters");
    // Remove a step: focus on its phase's heading.
    await page.getByRole("button", { name: "Remove step cart-reminder" }).click();
    expect(await focused()).toBe("h3: Entry steps");
    // Discard: the button disables itself, so the focus goes to what it did.
    await page.getByRole("button", { name: "Discard changes" }).click();
    await eventually(focused).toBe("span: All changes saved.");

    // Save: focus on what the save says.
    await page.getByLabel("Description").fill("Focused");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(focused).toBe("span: Saved as version 2.");

    // A step's test: its panel's heading, then its result, readable, the JSON kept.
    await page.getByRole("button", { name: "Test step cart-reminder" }).click();
    await eventually(focused).toBe("h4: Test step cart-reminder");
    await page.getByRole("button", { name: "Preview (dry run)" }).click();
    const result = page.getByRole("region", { name: "Result of the test of step cart-reminder" });
    await eventually(() => result.evaluate((r) => r === document.activeElement)).toBe(true);
    expect(await result.locator("dl").first().innerText()).toMatch(
      /Mode\s+Preview \(dry run\): nothing was sent/,
    );
    expect(await result.innerText()).toMatch(/title\s+You left something in your cart/);
    expect(await result.locator("details pre").textContent()).toContain('"dryRun": true');
    await page.getByRole("button", { name: "Close" }).click();
    await eventually(focused).toBe("button: Test step cart-reminder");

    // A status change: focus on the status it changed.
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page
      .getByRole("dialog", { name: "Start" })
      .getByRole("button", { name: "Start", exact: true })
      .click();
    await eventually(() => page.locator(".page-header .badge").textContent()).toBe("Running");
    await eventually(focused).toMatch(/^div: This moment is Running since/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // A revoked key: the notice saying so.
    await open("/admin-keys", "Admin keys");
    await page.getByRole("button", { name: "Issue an admin key" }).click();
    const issued = page.locator(".notice code.secret");
    await eventually(() => issued.textContent()).toMatch(/^mk_admin_/);
    const prefix = ((await issued.textContent()) ?? "").slice(0, 12);
    const revoke = page.getByRole("button", { name: new RegExp(`^Revoke ${prefix}`) });
    await revoke.click();
    await page
      .getByRole("dialog")
      .getByRole("button", { name: /^Revoke/ })
      .click();
    await eventually(focused).toMatch(/^p: Key mk_admin_.*revoked\.$/);

    // A deleted source: the notice saying so.
    await admin("POST", "/v1/admin/sources", { name: "Short-lived", allowedDomains: [] });
    await open("/sources", "Sources");
    await page.getByRole("button", { name: "Delete Short-lived" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete Short-lived" }).click();
    await eventually(focused).toBe("p: Source “Short-lived” deleted.");
  });

  it("shows a status change that failed after its edits were saved in the status area, and moves focus there", async () => {
    const id = await createMoment("Saved, not started");
    await openConsole();
    await page.route(/\/v1\/admin\/moments\/[^/]+\/status$/, (route) =>
      route.fulfill({
        status: 409,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "conflict", message: "No source is sending events" } }),
      }),
    );
    await go(`/moments/${id}`, "Saved, not started");
    await page.getByLabel("Description").fill("Edited");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page.getByRole("dialog", { name: "Start" }).getByRole("button", { name: "Save and start" }).click();
    const status = page.getByRole("region", { name: "Status" });
    await eventually(() => status.getByRole("alert").textContent()).toContain("No source is sending events");
    expect(await status.getByRole("alert").textContent()).toContain(
      "Your changes were saved, but the status did not change",
    );
    await eventually(focused).toMatch(/^div: .*No source is sending events/);
    expect(await page.locator(".page-header .badge").textContent()).toBe("Draft");
    expect(await page.getByLabel("Description").inputValue()).toBe("Edited");
  });

  it("keeps the status out of the moment's heading, names the moment on its runs, and leads back from a missing moment", async () => {
    const id = await createMoment("Cart Abandon");
    await openConsole();
    await go(`/moments/${id}`, "Cart Abandon");
    expect(await page.getByRole("heading", { level: 1, name: "Cart Abandon", exact: true }).count()).toBe(1);
    expect(await page.locator(".page-header .badge").textContent()).toBe("Draft");
    expect(await page.getByRole("navigation", { name: "Breadcrumb" }).innerText()).toBe("Moments");

    // A real test send (to a real account) makes a run: its page names the moment.
    const { writeKey } = await admin<{ writeKey: string }>(
      "POST",
      `/v1/admin/sources/${sourceId}/write-keys`,
    );
    const group = await fetch(`${stack.apiUrl}/v1/group`, {
      method: "POST",
      headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: "named-user", groupId: "acct_named", traits: { plan: "pro" } }),
    });
    expect(group.status).toBe(202);
    await eventually(async () => {
      const account = await fetch(`${stack.apiUrl}/v1/admin/accounts/acct_named`, {
        headers: { authorization: `Bearer ${stack.adminKey}` },
      });
      return account.status;
    }).toBe(200);
    await page.getByRole("button", { name: "Test step cart-reminder" }).click();
    await page.getByLabel("Real account id (optional)").fill("acct_named");
    await page.getByRole("button", { name: "Send a test" }).click();
    await page.getByRole("link", { name: "Open the test run" }).click();
    await eventually(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(
      "Run of Cart Abandon for acct_named",
    );
    const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
    expect(await crumbs.getByRole("link").allTextContents()).toEqual([
      "Moments",
      "Cart Abandon",
      "Account acct_named",
    ]);
    // Separators between the links, none after the last.
    expect(await crumbs.innerText()).toBe("Moments / Cart Abandon / Account acct_named");
    // A list in Safari too, which drops the semantics of a list without bullets (Chromium keeps them).
    expect(await crumbs.locator("ol").getAttribute("role")).toBe("list");

    await page.goto(`${stack.consoleUrl}/moments/no-such-moment`);
    const back = page.getByRole("link", { name: "Back to the moments" });
    await eventually(() => back.isVisible()).toBe(true);
    await back.click();
    await eventually(() => page.getByRole("heading", { level: 1, name: "Moments" }).isVisible()).toBe(true);
  });

  it("scrolls a wide table sideways at 375px, by keyboard too, instead of clipping its columns", async () => {
    await createMoment("Wide table");
    await openConsole({ width: 375, height: 760 });
    await go("/moments", "Moments");
    const table = page.getByRole("region", { name: /moments$/ }).first();
    await eventually(() => table.isVisible()).toBe(true);
    expect(await table.getAttribute("tabindex")).toBe("0");
    const box = () =>
      table.evaluate((wrap) => ({ scrolls: wrap.scrollWidth > wrap.clientWidth, left: wrap.scrollLeft }));
    expect(await box()).toEqual({ scrolls: true, left: 0 });
    await table.focus();
    await page.keyboard.press("ArrowRight");
    await eventually(async () => (await box()).left).toBeGreaterThan(0);
    // The last column is reachable on screen.
    const last = table.locator("th").last();
    await last.scrollIntoViewIfNeeded();
    const edge = await last.evaluate((th) => th.getBoundingClientRect().right);
    expect(edge).toBeLessThanOrEqual(375);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});
