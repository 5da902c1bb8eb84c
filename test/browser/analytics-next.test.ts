/**
 * Segment's browser library, analytics.js (`@segment/analytics-next`), unchanged, in a real
 * Chromium, on a page of an origin the source allows, pointed at Moments with one setting
 * (`cdnURL`): it loads its settings from the API, then sends identify, group, page and track with
 * the write key; the track starts the moment for the group's account, and a track it resends after
 * a 503 starts nothing twice.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.js";
import { userTokenHeader } from "../support/local-api.js";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const require = createRequire(import.meta.url);
const analyticsJs = readFileSync(require.resolve("@segment/analytics-next/dist/umd/index.js"), "utf8");

let scenario: Scenario;
let browser: Browser;
let site: Server;
let siteUrl: string;
let momentId: string;

beforeAll(async () => {
  scenario = await startSharedScenario("Web app");
  // The first two tests send anonymous calls too, which a source requiring user tokens refuses.
  const allowed = await scenario.admin("PATCH", `/v1/admin/sources/${scenario.sourceId}`, {
    allowedDomains: ["localhost"],
    requireUserToken: false,
  });
  expect(allowed.status).toBe(200);
  momentId = await scenario.runningMoment({
    name: "Trial follow-up",
    goal: "convert",
    start: { event: "trial_ending_soon" },
    steps: [],
  });
  site = createServer((req, res) => {
    if (req.url === "/analytics.js") {
      res.setHeader("content-type", "text/javascript");
      res.end(analyticsJs);
      return;
    }
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(
      '<!doctype html><html lang="en"><head><title>App</title><script src="/analytics.js"></script></head><body><main>App</main></body></html>',
    );
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  site?.close();
  await scenario?.stop();
});

describe("@segment/analytics-next in Chromium, pointed at Moments with `cdnURL`", () => {
  it("sends identify, group, page and track from an allowed origin; the track starts the moment for the group's account", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const accountId = unique("acct-browser");
    await page.goto(siteUrl);

    const sent = await page.evaluate(
      async ({ writeKey, api, accountId }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the UMD bundle's global
        const { AnalyticsBrowser } = (globalThis as any).AnalyticsNext;
        const [analytics] = await AnalyticsBrowser.load({ writeKey, cdnURL: api });
        const results = [
          await analytics.identify("user-browser", { first_name: "Ada" }),
          await analytics.group(accountId, { plan: "pro" }),
          await analytics.page("Pricing"),
          await analytics.track("trial_ending_soon", { days_left: 3 }),
        ];
        // biome-ignore lint/suspicious/noExplicitAny: analytics.js's Context
        return results.map((ctx: any) => ctx.failedDelivery()?.reason?.message ?? "delivered");
      },
      { writeKey: scenario.writeKey, api: scenario.stack.apiUrl, accountId },
    );

    expect(sent).toEqual(["delivered", "delivered", "delivered", "delivered"]);
    const view = await waitFor(
      async () => {
        const account = await scenario.admin<{
          traits: Record<string, unknown>;
          recentEvents: Array<{ event: string }>;
          decisions: Array<{ momentId: string; outcome: string }>;
        }>("GET", `/v1/admin/accounts/${accountId}`);
        return account.status === 200 &&
          account.body.decisions.some((d) => d.momentId === momentId && d.outcome === "started") &&
          account.body.recentEvents.some((e) => e.event === "page_viewed") &&
          account.body.traits.plan === "pro"
          ? account.body
          : undefined;
      },
      { timeoutMs: 15_000, description: "the browser's track to start the moment" },
    );
    expect(view.traits).toMatchObject({ plan: "pro" });
    await context.close();
  });

  it("sends its user's token with the README's one extra setting to a source that requires one, which refuses anonymous calls", async () => {
    const source = await scenario.admin<{ writeKey: string; identitySecret: string }>(
      "POST",
      "/v1/admin/sources",
      {
        name: unique("Signed-in app"),
        allowedDomains: ["localhost"],
      },
    );
    expect(source.status).toBe(201);
    const accountId = unique("acct-browser-token");
    const token = userTokenHeader(source.body.identitySecret, accountId, "user-token")[
      "x-moments-user-token"
    ];
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(siteUrl);

    const sent = await page.evaluate(
      async ({ writeKey, api, accountId, token }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the UMD bundle's global
        const { AnalyticsBrowser } = (globalThis as any).AnalyticsNext;
        const signedIn = { headers: () => ({ "X-Moments-User-Token": token }) };
        const [anonymous] = await AnalyticsBrowser.load({ writeKey, cdnURL: api });
        const [analytics] = await AnalyticsBrowser.load(
          { writeKey, cdnURL: api },
          { integrations: { "Segment.io": { deliveryStrategy: { config: signedIn } } } },
        );
        const results = [
          await analytics.identify("user-token", { first_name: "Ada" }, { context: { groupId: accountId } }),
          await analytics.group(accountId, { plan: "pro" }),
          await analytics.track("trial_ending_soon", { days_left: 3 }, { context: { groupId: accountId } }),
          await anonymous.page("Pricing"),
        ];
        // biome-ignore lint/suspicious/noExplicitAny: analytics.js's Context
        return results.map((ctx: any) => ctx.failedDelivery()?.reason?.message ?? "delivered");
      },
      { writeKey: source.body.writeKey, api: scenario.stack.apiUrl, accountId, token },
    );

    expect(sent.slice(0, 3)).toEqual(["delivered", "delivered", "delivered"]);
    expect(sent[3]).not.toBe("delivered");
    const view = await waitFor(
      async () => {
        const account = await scenario.admin<{
          traits: Record<string, unknown>;
          recentEvents: Array<{ event: string }>;
        }>("GET", `/v1/admin/accounts/${accountId}`);
        // The group's traits and the track are separate messages, processed in either order.
        return account.status === 200 &&
          account.body.recentEvents.some((e) => e.event === "trial_ending_soon") &&
          account.body.traits.plan === "pro"
          ? account.body
          : undefined;
      },
      { timeoutMs: 15_000, description: "the signed-in browser's group and track to reach the account" },
    );
    expect(view.traits).toMatchObject({ plan: "pro" });
    await context.close();
  });

  it("starts the moment exactly once when analytics.js resends a track answered 503 after it was processed", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const accountId = unique("acct-browser-retry");
    await page.goto(siteUrl);
    const tracks: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/v1/t" && request.method() === "POST")
        tracks.push((request.postDataJSON() as { messageId: string }).messageId);
    });
    await page.evaluate(
      async ({ writeKey, api, accountId }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the UMD bundle's global
        const { AnalyticsBrowser } = (globalThis as any).AnalyticsNext;
        const [analytics] = await AnalyticsBrowser.load({ writeKey, cdnURL: api });
        await analytics.identify("user-browser-retry");
        await analytics.group(accountId, { plan: "pro" });
        // biome-ignore lint/suspicious/noExplicitAny: kept for the next evaluate
        (globalThis as any).segment = analytics;
      },
      { writeKey: scenario.writeKey, api: scenario.stack.apiUrl, accountId },
    );
    // The track is processed, then its answer is lost (a 503 without CORS headers: a failed request).
    scenario.stack.failNextResponse("/v1/t");
    await page.evaluate(() => {
      // biome-ignore lint/suspicious/noExplicitAny: the instance stored above
      void (globalThis as any).segment.track("trial_ending_soon", { days_left: 2 });
    });

    await expect.poll(() => tracks.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(new Set(tracks).size).toBe(1);
    const view = await waitFor(
      async () => {
        const account = await scenario.admin<{
          decisions: Array<{ momentId: string; outcome: string; message: string }>;
        }>("GET", `/v1/admin/accounts/${accountId}`);
        return account.status === 200 &&
          account.body.decisions.some((d) => d.outcome === "skipped" && /already processed/.test(d.message))
          ? account.body
          : undefined;
      },
      { timeoutMs: 15_000, description: "the resent track recognised as a duplicate" },
    );
    expect(view.decisions.filter((d) => d.momentId === momentId && d.outcome === "started")).toHaveLength(1);
    await context.close();
  });
});
