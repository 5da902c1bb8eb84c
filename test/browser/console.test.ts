/**
 * The console end to end in a real Chromium against the local stack: sign in, create a source,
 * create a moment from the Cart Abandon template, start it, send events through the ingestion API,
 * watch reporting and the accounts list change, read an account's decision log and a run, meet a
 * conflicting edit, stop, duplicate, delete the copy. Every page is checked with axe-core (0 serious
 * or critical violations) and screenshotted into docs/screenshots/ for the README (`npm run screenshots`).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { launchBrowser, navigateInPage, seriousAccessibilityViolations } from "../support/browser.js";

/**
 * `npm run screenshots` (UPDATE_SCREENSHOTS=1) screenshots every page into docs/screenshots/ for the
 * README. Other runs take none: a full-page PNG of every page was an eighth of this file's CPU, and the
 * suite runs on two cores (a test run leaves the working tree as it found it either way).
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/screenshots")
  : undefined;

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** The page's requests under way: a page is checked once it has none (see checkPage). */
const inFlight = new Set<Request>();

beforeAll(async () => {
  // A minute of abandonment lasts 60 ms.
  [stack, browser] = await Promise.all([
    startLocalStack({ port: 0, timeScale: 0.001, logLevel: "CRITICAL" }),
    launchBrowser(),
  ]);
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on("request", (request) => inFlight.add(request));
  page.on("requestfinished", (request) => inFlight.delete(request));
  page.on("requestfailed", (request) => inFlight.delete(request));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

/** Loads a page of the console from its address, as one typed or bookmarked: a new document. */
const go = (path: string) => page.goto(`${stack.consoleUrl}${path}`);

/** Opens another page of the console in the page shown (navigateInPage). Pages loaded from their address: go, and its own test. */
const open = (path: string) => navigateInPage(page, stack.consoleUrl, path);

/** Polls with a deadline generous enough for a loaded CI machine (2 cores, the whole suite running). */
const eventually = <T>(read: () => Promise<T> | T, timeout = 15_000) =>
  expect.poll(read, { timeout, interval: 100 });

/**
 * axe-core finds nothing serious on the page once it has settled: no request under way, nothing
 * loading, twice a frame apart. Then a screenshot for the README. (Not Playwright's "networkidle": a document's, reached
 * once per load, so already reached for a page opened in it; and it waits out half a second of quiet.)
 */
async function checkPage(name: string) {
  // Quiet twice in a row, a rendered frame apart: a request that an effect starts once an earlier
  // answer has rendered (a picker mounted with the moment) is under way by the second look.
  const quiet = async () => inFlight.size === 0 && (await page.locator(".loading").count()) === 0;
  await eventually(async () => {
    if (!(await quiet())) return false;
    await page.evaluate(() => new Promise((settled) => requestAnimationFrame(() => setTimeout(settled))));
    return quiet();
  }).toBe(true);
  const violations = await seriousAccessibilityViolations(page);
  expect(
    violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`),
    name,
  ).toEqual([]);
  // The throwaway stack's secrets shown once (write keys, identity secrets) are masked: a README
  // that shows a full key teaches readers that keys are fine to paste around.
  if (SCREENSHOTS)
    await page.screenshot({
      path: path.join(SCREENSHOTS, `${name}.png`),
      fullPage: true,
      mask: [page.locator("code.secret")],
      maskColor: "#c9ccd4",
    });
}

async function confirm(button: string, confirmLabel = button) {
  await page.getByRole("button", { name: button, exact: true }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: confirmLabel, exact: true }).click();
  await eventually(() => dialog.isVisible()).toBe(false);
}

async function sendEvent(writeKey: string, body: Record<string, unknown>) {
  const response = await fetch(`${stack.apiUrl}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
}

/** A group call (POST /v1/group): links a user to an account and sets its traits. */
async function sendGroup(writeKey: string, body: Record<string, unknown>) {
  const response = await fetch(`${stack.apiUrl}/v1/group`, {
    method: "POST",
    headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
}

describe("the console", () => {
  let writeKey = "";
  let momentUrl = "";

  it("signs in with an admin key, without the key reaching page script or storage", async () => {
    await go("/moments");
    await eventually(() => page.getByLabel("Admin key").isVisible()).toBe(true);
    await checkPage("sign-in");
    await page.getByLabel("Admin key").fill("mk_admin_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("Unknown or revoked admin key");
    await page.getByLabel("Admin key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("heading", { name: "Moments", level: 1 }).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    expect(stored).not.toContain("mk_admin_");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "moments_session", httpOnly: true, sameSite: "Strict" });
  });

  it("leads to creating a source first, and shows its write key once", async () => {
    await open("/moments/new");
    await eventually(() => page.getByRole("link", { name: "Create a source first" }).isVisible()).toBe(true);
    await page.getByRole("link", { name: "Create a source first" }).click();
    await page.getByLabel("Source name").fill("Web shop");
    await page.getByLabel("Allowed domains").first().fill("shop.example.com");
    await page.getByRole("button", { name: "Create source" }).click();
    const secret = page
      .locator(".notice")
      .filter({ hasText: "Copy the write key now" })
      .locator("code.secret");
    await eventually(() => secret.textContent()).toMatch(/^mk_write_/);
    writeKey = (await secret.textContent()) ?? "";
    await checkPage("sources");
    await page.reload();
    await eventually(() => page.getByRole("heading", { name: "Web shop" }).isVisible()).toBe(true);
    expect(await page.content()).not.toContain(writeKey);
  });

  it("creates a moment from the Cart Abandon template, with a time frame", async () => {
    await open("/moments/new");
    await page.getByRole("radio", { name: /Cart Abandon/ }).check();
    await page.getByLabel("Name", { exact: true }).fill("Cart abandon (web)");
    await page.getByLabel("Cart counts as abandoned after (amount)").fill("1");
    await page.getByLabel("Cart counts as abandoned after (unit)").selectOption("minutes");
    await page.getByRole("checkbox", { name: "Web shop" }).check();
    // A seasonal moment: it starts nothing after its time frame.
    await page.getByLabel("Until", { exact: true }).fill("2099-12-31T23:00");
    await checkPage("new-moment");
    await page.getByRole("button", { name: "Create moment" }).click();
    await eventually(() => page.getByRole("heading", { name: /Cart abandon \(web\)/ }).isVisible()).toBe(
      true,
    );
    momentUrl = new URL(page.url()).pathname.replace(/^\/console/, "");
    expect(await page.getByLabel("Until", { exact: true }).inputValue()).toBe("2099-12-31T23:00");
  });

  it("edits the template's settings on the moment's page", async () => {
    // The template's settings stay editable: each is the field it set (here the failed end rule's timeout).
    const settings = page.getByRole("group", { name: "Settings of the cart_abandon template" });
    expect(await settings.getByLabel("Cart counts as abandoned after (amount)").inputValue()).toBe("1");
    expect(await settings.getByLabel("Cart counts as abandoned after (unit)").inputValue()).toBe("minutes");
    await settings.getByLabel("Stop trying to recover it after (amount)").fill("8");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => page.locator(".savebar").textContent()).toContain("Saved as version 2.");
    const saved = await fetch(`${stack.apiUrl}/v1/admin/moments/${momentUrl.split("/").pop()}`, {
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    expect(((await saved.json()) as { end: unknown[] }).end).toContainEqual({
      outcome: "failed",
      after: { amount: 8, unit: "days" },
    });

    // In an unsaved draft the setting is found by what it is (the failed rule's timeout), not by the
    // saved path (/end/1/after): with the end rule before it removed, it edits that rule, now the first.
    await page.getByRole("button", { name: "Remove end rule 1" }).click();
    await settings.getByLabel("Stop trying to recover it after (amount)").fill("9");
    const timeout = page.getByLabel("End rule 1: after (amount)", { exact: true });
    expect(await timeout.count()).toBe(1);
    expect(await timeout.inputValue()).toBe("9");
    await page.getByRole("button", { name: "Discard changes" }).click();
    await eventually(() => page.locator(".savebar").textContent()).toContain("All changes saved");
    expect(await settings.getByLabel("Stop trying to recover it after (amount)").inputValue()).toBe("8");
  });

  it("starts the moment, and tests a step", async () => {
    await confirm("Start");
    await eventually(() => page.locator(".page-header .badge").textContent()).toBe("Running");
    // A step's test: a dry-run preview rendered by the API, nothing sent.
    await page.getByRole("button", { name: "Test step cart-reminder" }).click();
    await page.getByRole("button", { name: "Preview (dry run)" }).click();
    const result = page.locator(".test-step figure pre");
    await eventually(() => result.textContent()).toContain('"dryRun": true');
    expect(await result.textContent()).toContain("You left something in your cart");
    await checkPage("moment");
  });

  it("shows reporting and the accounts list change as events come in", async () => {
    // The page is live: it reads the report again every 5 s. Watched in a context of its own (signed
    // in with this one's session) whose clock the test moves on to the next refresh (Playwright's
    // clock: the page's own interval fires) instead of waiting it out: 3 s instead of 7 for this test.
    const live = await browser.newContext({ storageState: await context.storageState() });
    try {
      await live.clock.install();
      const watched = await live.newPage();
      await watched.goto(`${stack.consoleUrl}${momentUrl}/reporting`);
      const entered = watched.locator(".kpi .value").first();
      await eventually(() => entered.textContent()).toBe("0");
      for (const [account, cart] of [
        ["acct_ada", "cart-1"],
        ["acct_bob", "cart-2"],
      ]) {
        await sendEvent(writeKey, {
          event: "cart_item_added",
          accountId: account,
          properties: { cart_id: cart, total: 42 },
          traits: { organization_name: account === "acct_ada" ? "Ada Labs" : "Bob & Co", plan: "pro" },
        });
      }
      // Abandoned after a (scaled) minute: both runs start, and the live page shows it. Each try
      // is a refresh (a read of the report): four a second.
      await expect
        .poll(
          async () => {
            await watched.clock.fastForward(5_000);
            return entered.textContent();
          },
          { timeout: 15_000, interval: 250 },
        )
        .toBe("2");
    } finally {
      await live.close();
    }
    await open(`${momentUrl}/reporting`);
    await eventually(() => page.locator(".kpi .value").first().textContent()).toBe("2");
    await checkPage("reporting");

    await open(`${momentUrl}/accounts`);
    await eventually(() => page.getByRole("link", { name: "acct_ada" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "acct_bob" }).isVisible()).toBe(true);
    await checkPage("moment-accounts");
  });

  it("shows reporting in a browser whose locale Intl rejects (Chromium on a POSIX locale: en-US@posix)", async () => {
    const posix = await context.newPage();
    try {
      await posix.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, "language", {
          get: () => "en-US@posix",
          configurable: true,
        });
      });
      const errors: string[] = [];
      posix.on("pageerror", (error) => errors.push(error.message));
      await posix.goto(`${stack.consoleUrl}${momentUrl}/reporting`);
      await expect
        .poll(() => posix.locator(".kpi .value").first().textContent(), { timeout: 15_000 })
        .toBe("2");
      await expect.poll(() => posix.locator(".uplot canvas").count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await posix.close();
    }
  });

  it("says why when a page cannot load (its chunk unreachable), with a way to reload, not a blank page", async () => {
    const broken = await context.newPage();
    try {
      await broken.route(/\/chunk-reporting-[^/]*\.js$/, (route) => route.abort());
      await broken.goto(`${stack.consoleUrl}${momentUrl}/reporting`);
      const alert = broken.getByRole("alert");
      await expect
        .poll(() => alert.textContent(), { timeout: 15_000 })
        .toContain("This page could not be shown");
      expect(await broken.getByRole("button", { name: "Reload" }).isVisible()).toBe(true);
      // The navigation still works: another page renders in place of the failed one.
      await broken.getByRole("link", { name: "Sources" }).click();
      await expect
        .poll(() => broken.getByRole("heading", { name: "Sources", level: 1 }).isVisible())
        .toBe(true);
      expect(await alert.count()).toBe(0);
    } finally {
      await broken.close();
    }
  });

  it("shows a source's debugger: the items it accepted while open, and those it could not use with the reason", async () => {
    // No account named and none linked: accepted (202), kept in the debugger with the reason.
    await sendEvent(writeKey, {
      event: "cart_item_added",
      userId: "visitor-1",
      properties: { cart_id: "c" },
    });
    await open("/sources");
    await page.getByRole("link", { name: "Debugger: what Web shop received" }).click();
    await eventually(() => page.getByRole("heading", { name: "Debugger" }).isVisible()).toBe(true);
    // The source's name is the page's title, once; its card holds the settings and write keys.
    expect(await page.getByRole("heading", { name: "Web shop" }).count()).toBe(1);
    expect(await page.getByRole("heading", { name: "Settings and write keys" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: /^Debugger: what/ }).count()).toBe(0);
    const count = (label: string) => page.locator(".kpi").filter({ hasText: label }).locator(".value");
    await eventually(() => count("Rejected").textContent()).toBe("1");
    // The carts were sent before anyone watched: counted, not kept.
    expect(Number(await count("Accepted").textContent())).toBeGreaterThanOrEqual(2);
    await eventually(() => page.getByText(/^Sampling accepted items until/).isVisible()).toBe(true);
    const items = page.getByRole("list", { name: "Received items" }).locator(":scope > li");
    await page.getByRole("combobox", { name: /^Show/ }).selectOption("accepted");
    expect(await page.getByText("No accepted item in the last 7 days.").isVisible()).toBe(true);
    // Sent while the page is open: kept once ingestion has seen the mark (within its 5 s key trust).
    // Each try sends an event and reads the debugger: half a second apart, not ten times a second.
    await expect
      .poll(
        async () => {
          await sendGroup(writeKey, { userId: "ada", groupId: "acct_ada", traits: { plan: "pro" } });
          await page.getByRole("button", { name: "Refresh" }).click();
          return items.filter({ hasText: "acct_ada" }).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(1);
    await page.getByRole("combobox", { name: /^Show/ }).selectOption("rejected");
    await eventually(() => items.count()).toBe(1);
    await items.first().locator("summary").click();
    expect(await items.first().textContent()).toContain("account_unresolved");
    await page.getByRole("combobox", { name: /^Show/ }).selectOption("all");
    await checkPage("source");
    // Consumer mode (issue 13): each person is an account of their own.
    await page.getByLabel("Who Web shop's events are about").selectOption("user");
    await page.getByRole("button", { name: "Save Web shop's settings" }).click();
    await eventually(() => page.locator(".subtitle").textContent()).toContain("Consumer mode");
  });

  it("opens an account's decision log and one of its runs", async () => {
    await open(`${momentUrl}/accounts`);
    await page.getByRole("link", { name: "acct_ada" }).click();
    await eventually(() => page.getByRole("heading", { name: "Decision log" }).isVisible()).toBe(true);
    await eventually(() => page.locator(".timeline").textContent()).toContain("cart_item_added");
    await checkPage("account");
    await page.getByRole("link", { name: "Open the run" }).first().click();
    await eventually(() => page.locator(".timeline").textContent()).toContain("cart-reminder");
    await checkPage("run");
  });

  it("shows a conflicting edit instead of overwriting it", async () => {
    await open(momentUrl);
    const description = page.getByLabel("Description");
    await eventually(() => description.isVisible()).toBe(true);
    // Someone else saves a change meanwhile (with the admin key, as a script would).
    const id = momentUrl.split("/").pop() ?? "";
    const current = await fetch(`${stack.apiUrl}/v1/admin/moments/${id}`, {
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    const other = await fetch(`${stack.apiUrl}/v1/admin/moments/${id}`, {
      method: "PATCH",
      headers: {
        authorization: `Bearer ${stack.adminKey}`,
        "content-type": "application/json",
        "if-match": current.headers.get("etag") ?? "",
      },
      body: JSON.stringify({ name: "Cart abandon (renamed elsewhere)" }),
    });
    expect(other.status).toBe(200);
    await description.fill("My edit on a stale version");
    await page.getByRole("button", { name: "Save changes" }).click();
    const alert = page.getByRole("alert");
    await eventually(() => alert.textContent()).toContain("This moment changed since you opened it");
    expect(await alert.textContent()).toContain("name");
    await checkPage("moment-conflict");
    await page.getByRole("button", { name: "Load the latest version (discard my edits)" }).click();
    await eventually(() => page.getByRole("heading", { name: /renamed elsewhere/ }).isVisible()).toBe(true);
  });

  it("stops the moment, duplicates it and deletes the copy", async () => {
    await go(momentUrl);
    // Exactly the status changes the API allows a running moment, each saying what it does.
    const offered = page.locator(".transitions .transition");
    await eventually(() => offered.locator(":scope > button").allTextContents()).toEqual(["Stop", "Archive"]);
    expect(await offered.first().textContent()).toContain("runs in progress end now");
    await confirm("Stop");
    await eventually(() => page.locator(".page-header .badge").textContent()).toBe("Stopped");

    await confirm("Duplicate");
    await eventually(() => page.getByRole("heading", { name: /\(copy\)/ }).isVisible()).toBe(true);
    expect(await page.locator(".page-header .badge").textContent()).toBe("Draft");
    await confirm("Delete");
    await eventually(() => page.getByRole("heading", { name: "Moments", level: 1 }).isVisible()).toBe(true);
    await eventually(() =>
      page.getByRole("link", { name: "Cart abandon (renamed elsewhere)", exact: true }).isVisible(),
    ).toBe(true);
    expect(await page.getByRole("link", { name: /\(copy\)/ }).count()).toBe(0);
    await checkPage("moments");
  });

  it("previews an email template with its unsaved edits, the HTML sandboxed", async () => {
    await open("/email-templates?id=new");
    await page.getByLabel("Template name").fill("Welcome");
    await page.getByLabel("From").fill('"Anna at Acme" <anna@mail.acme.com>');
    await page.getByLabel("Subject").fill("Welcome, {first_name}");
    await page.getByLabel("Plain text").fill("Hi {first_name}, welcome aboard.");
    await page.getByLabel("HTML (optional)").fill(
      // An email a user would write (the README's screenshot shows it), and a script that must not run.
      '<div style="font-family: sans-serif; max-width: 480px; color: #1f2937">' +
        '<p id="greeting" style="color: rgb(67, 56, 202); font-size: 20px">Hi {first_name}</p>' +
        "<p>Your workspace is ready. Invite your team and send your first event: it takes two minutes.</p>" +
        '<p><a href="https://example.com/start">Get started</a></p>' +
        '<p style="color: #6b7280; font-size: 13px">Anna, at Acme</p></div>' +
        '<script>document.body.dataset.ran = "yes"</script>',
    );
    await page.getByRole("button", { name: "Create template" }).click();
    const preview = page.getByRole("region", { name: "Preview" });
    await eventually(() => preview.textContent()).toContain("Subject: Welcome, Ada");
    // Not saved yet: the preview follows the editor.
    await page.getByLabel("Subject").fill("Still here, {first_name}?");
    await eventually(() => preview.textContent()).toContain("Subject: Still here, Ada?");
    const frame = preview.locator("iframe");
    expect(await frame.getAttribute("sandbox")).toBe("");
    const html = page.frameLocator("iframe.html-preview");
    await eventually(() => html.locator("#greeting").textContent()).toBe("Hi Ada");
    // The email's inline styles apply; its script does not run.
    expect(await html.locator("#greeting").evaluate((p) => getComputedStyle(p).color)).toBe(
      "rgb(67, 56, 202)",
    );
    expect(await html.locator("body").getAttribute("data-ran")).toBeNull();
    expect(await page.getByRole("list", { name: "Email templates" }).textContent()).toContain(
      "Welcome, {first_name}",
    );
    await checkPage("email-template-editor");
  });

  it.each([
    ["/observed-events", "Observed events", "observed-events"],
    ["/email-templates", "Email templates", "email-templates"],
    ["/integrations", "Integrations", "integrations"],
    ["/suppressions", "Suppressions", "suppressions"],
    ["/admin-keys", "Admin keys", "admin-keys"],
  ] as const)("has the %s page, accessible", async (path, heading, name) => {
    await open(path);
    await eventually(() => page.getByRole("heading", { name: heading, level: 1 }).isVisible()).toBe(true);
    if (name === "observed-events") {
      // What was sent, with the moment that uses it.
      await eventually(() => page.locator("table").textContent()).toContain("cart_item_added");
    }
    await checkPage(name);
  });

  it("opens a page at its address typed with a trailing slash, and shows the address without it", async () => {
    await go("/");
    await eventually(() => page.getByRole("heading", { name: "Moments", level: 1 }).isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe("/console/moments");
    await go("/sources/");
    await eventually(() => page.getByRole("heading", { name: "Sources", level: 1 }).isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe("/console/sources");
  });

  it("signs out server-side: the page returns to sign-in", async () => {
    await open("/moments");
    await page.getByRole("button", { name: "Sign out" }).click();
    await eventually(() => page.getByLabel("Admin key").isVisible()).toBe(true);
    await go("/moments");
    await eventually(() => page.getByLabel("Admin key").isVisible()).toBe(true);
  });

  it("pages a source's write keys when there are more than one page of them", async () => {
    const admin = (method: string, route: string) =>
      fetch(`${stack.apiUrl}${route}`, { method, headers: { authorization: `Bearer ${stack.adminKey}` } });
    const sources = (await (await admin("GET", "/v1/admin/sources")).json()) as {
      items: Array<{ id: string; name: string }>;
    };
    const shop = sources.items.find((source) => source.name === "Web shop");
    if (!shop) throw new Error("no Web shop source");
    // Revoked keys stay listed (at most 5 are active at once): 50 rotations make more than a page of 50.
    for (let i = 0; i < 50; i++) {
      const issued = await admin("POST", `/v1/admin/sources/${shop.id}/write-keys`);
      expect(issued.status).toBe(201);
      const { id } = (await issued.json()) as { id: string };
      expect((await admin("DELETE", `/v1/admin/sources/${shop.id}/write-keys/${id}`)).status).toBeLessThan(
        300,
      );
    }
    // Signed out by the test before: sign in again.
    await go("/sources");
    await page.getByLabel("Admin key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    const pages = page.getByRole("navigation", { name: "Web shop's write keys pages" });
    await pages.getByRole("button", { name: "Next" }).click();
    await eventually(() => pages.textContent()).toContain("Page 2");
    await pages.getByRole("button", { name: "Previous" }).click();
    await eventually(() => pages.textContent()).toContain("Page 1");
  });
});
