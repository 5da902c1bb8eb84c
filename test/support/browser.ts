/**
 * A real headless Chromium for browser tests, from npm alone: @sparticuz/chromium ships the binary
 * inside its package (unpacked to /tmp on first use) and playwright-core drives it. One browser per
 * test file (`launchBrowser` in beforeAll, `close` in afterAll), a new context per test, or one page
 * cleared between tests where a renderer process per test cost too much (console-usability.test.ts).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import chromium from "@sparticuz/chromium";
import { type Browser, type Page, chromium as playwright } from "playwright-core";

const require = createRequire(import.meta.url);

/**
 * Flags of @sparticuz/chromium's Lambda defaults that a test browser must not have. --single-process takes
 * the whole browser down when a context closes (tests open one per test); --disable-web-security would turn
 * off CORS and Origin headers. And the GPU ones (--use-gl=angle --use-angle=swiftshader, in-process GPU):
 * WebGL through SwiftShader, a GPU emulated on the CPU, composites every frame; the tests draw no WebGL
 * (the charts are 2D canvas), and with --disable-gpu Chromium composites in software without it, a third
 * less CPU for the browser files (the console's fell from 34 s to 23 s of CPU on a 2-core machine).
 * And its --disable-features and --enable-features: Chromium keeps the last of a repeated switch, so
 * theirs (given after Playwright's) replaced Playwright's own lists, which turn off paint holding and
 * turn on the screenshot path Playwright expects; site isolation stays off by --disable-site-isolation-trials.
 */
const DROPPED_ARGS =
  /^--(disable-features|enable-features|single-process|disable-web-security|use-gl|use-angle|enable-unsafe-swiftshader|in-process-gpu|ignore-gpu-blocklist)(=|$)/;

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    // Without --lang this Chromium reports the POSIX locale "en-US@posix", which Intl (and libraries
    // formatting with navigator.language, like uPlot) refuse with a RangeError. Some of the
    // Lambda-oriented flags go (DROPPED_ARGS).
    args: [...chromium.args.filter((arg) => !DROPPED_ARGS.test(arg)), "--disable-gpu", "--lang=en-US"],
    // The renderer processes take their locale from the environment, not from --lang: without a
    // LANG they too report "en-US@posix".
    env: { ...process.env, LANG: "en_US.UTF-8" },
    headless: true,
  });
}

/**
 * Opens another page of the console in the page shown, as its links do (the router's navigate: the
 * address pushed, the page rendered for it, scrolled to the top). No reload: the console's scripts,
 * Playwright's and axe-core (half a megabyte) are not loaded and compiled again.
 */
export function navigateInPage(page: Page, consoleUrl: string, path: string): Promise<void> {
  return page.evaluate(
    (url) => {
      history.pushState(null, "", url);
      dispatchEvent(new PopStateEvent("popstate"));
      scrollTo(0, 0);
    },
    `${new URL(consoleUrl).pathname}${path}`,
  );
}

export interface AxeViolation {
  id: string;
  impact: "minor" | "moderate" | "serious" | "critical" | null;
  help: string;
  nodes: { target: string[] }[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core inside the page; returns the serious and critical violations (the budget is 0).
 * Evaluated through the DevTools protocol rather than added as a script tag, so pages with a strict
 * Content-Security-Policy (no inline script, like the console's) are checked too. Every rule runs on
 * every element, as by default; only the violations name every element they found (resultTypes: the
 * other results, passes among them, which nothing reads, name one element each instead of a selector,
 * an XPath and an ancestry computed for every element checked), a quarter less CPU per run on a
 * moment's page (0.15 s of the renderer's instead of 0.19 s).
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a global the script tag above defines
    const axe = (globalThis as any).axe;
    const result = await axe.run({ resultTypes: ["violations"] });
    return result.violations as AxeViolation[];
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
