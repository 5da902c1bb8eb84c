/**
 * The console's usability and accessibility details, each found by a QA pass, in a real Chromium
 * against the local stack: unsaved edits never lost to a status change, a source's identity secret
 * shown once and rotated, the navigation usable at 375px, "Skip to content", page titles and focus
 * after navigation, a template's name following the chosen template, empty number fields, the
 * reporting page's live region and feedback rates, errors cleared once they no longer apply, empty
 * states naming their filter. Console-wide flows (and axe on every page) are in console.test.ts.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { launchBrowser, seriousAccessibilityViolations } from "../support/browser.js";

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
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

/** A fresh context (viewport as asked), signed in. */
async function openConsole(viewport = { width: 1280, height: 860 }) {
  context = await browser.newContext({ viewport });
  page = await context.newPage();
  await page.goto(`${stack.consoleUrl}/admin-keys`);
  await page.getByLabel("Admin key").fill(stack.adminKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await eventually(() => page.getByRole("heading", { level: 1, name: "Admin keys" }).isVisible()).toBe(true);
}

const go = async (path: string, heading: string | RegExp) => {
  await page.goto(`${stack.consoleUrl}${path}`);
  await eventually(() => page.getByRole("heading", { level: 1, name: heading }).isVisible()).toBe(true);
};

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
    await eventually(() => page.locator("h1 .badge").textContent()).toBe("Running");
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
    await eventually(() => page.locator("h1 .badge").textContent()).toBe("Stopped");
    expect(await page.getByLabel("Description").inputValue()).toBe("Saved first");

    // With nothing unsaved the dialog asks only about the status.
    await page.getByRole("button", { name: "Archive", exact: true }).click();
    const archive = page.getByRole("dialog", { name: "Archive" });
    expect(await archive.textContent()).not.toContain("unsaved");
    expect(await archive.getByRole("button").allTextContents()).toEqual(["Cancel", "Archive"]);
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
      await go(path, heading);
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
});
