/**
 * The console's figures for `npm run bench` (section `console`): its first page's size (the entry
 * script and every chunk it imports statically, gzipped; pages loaded with import() not counted) and
 * its first render on the local stack, in the Chromium the browser tests use: signed in, each run
 * opens /console/moments in a fresh page with the cache disabled and times navigation start to the
 * moments list on screen. Median of N runs. It prints figures; it asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildConsole } from "../../infra/console/build.js";
import type { LocalStack } from "../../infra/local/stack.js";
import { launchBrowser } from "../support/browser.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RUNS = 7;
export const CONSOLE_FIRST_PAGE_BUDGET_BYTES = 150 * 1024;
export const CONSOLE_FIRST_RENDER_BUDGET_MS = 1000;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export interface ConsoleReport {
  firstPageJsGzipBytes: number;
  stylesheetGzipBytes: number;
  onDemandJsGzipBytes: number;
  firstRenderMs: { median: number; min: number; max: number; runs: number };
  transferredBytes: number;
}

function firstPageSize() {
  const outdir = mkdtempSync(path.join(tmpdir(), "moments-bench-console-"));
  try {
    const built = buildConsole(outdir);
    const outputs = built.metafile.outputs;
    const key = (file: string) => path.relative(projectRoot, path.join(outdir, file));
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const imported of outputs[file]?.imports ?? [])
        if (imported.kind === "import-statement") visit(imported.path);
    };
    visit(key(built.script));
    const gzip = (file: string) => gzipSync(readFileSync(path.join(projectRoot, file))).byteLength;
    const lazy = Object.keys(outputs).filter((file) => file.endsWith(".js") && !seen.has(file));
    return {
      firstPageJsGzipBytes: [...seen].reduce((sum, file) => sum + gzip(file), 0),
      stylesheetGzipBytes: built.stylesheet ? gzip(key(built.stylesheet)) : 0,
      onDemandJsGzipBytes: lazy.reduce((sum, file) => sum + gzip(file), 0),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export async function runConsoleBench(stack: LocalStack): Promise<ConsoleReport> {
  const size = firstPageSize();
  const browser = await launchBrowser();
  try {
    // A few moments, so the list has rows to render.
    const headers = { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" };
    for (const name of ["Trial follow-up", "Cart abandon", "Onboarding nudge"]) {
      await fetch(`${stack.apiUrl}/v1/admin/moments`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          name,
          goal: "convert",
          start: { event: `${name.replace(/\W+/g, "_")}_event` },
        }),
      });
    }
    const context = await browser.newContext();
    const signIn = await context.newPage();
    await signIn.goto(stack.consoleUrl);
    await signIn.getByLabel("Admin key").fill(stack.adminKey);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await signIn.getByRole("heading", { name: "Moments", level: 1 }).waitFor();
    await signIn.close();

    const renders: number[] = [];
    let transferredBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      let bytes = 0;
      cdp.on("Network.loadingFinished", (e: { encodedDataLength: number }) => {
        bytes += e.encodedDataLength;
      });
      await page.goto(`${stack.consoleUrl}/moments`);
      await page.getByRole("link", { name: "Onboarding nudge", exact: true }).waitFor();
      renders.push(await page.evaluate(() => performance.now()));
      transferredBytes = bytes;
      await page.close();
    }
    return {
      ...size,
      firstRenderMs: {
        median: median(renders),
        min: Math.min(...renders),
        max: Math.max(...renders),
        runs: RUNS,
      },
      transferredBytes,
    };
  } finally {
    await browser.close();
  }
}

export function printConsoleReport(report: ConsoleReport) {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(
    `First page JavaScript: ${kb(report.firstPageJsGzipBytes)} gzipped (budget ${kb(CONSOLE_FIRST_PAGE_BUDGET_BYTES)}: ` +
      `${met(report.firstPageJsGzipBytes <= CONSOLE_FIRST_PAGE_BUDGET_BYTES)}); stylesheet ${kb(report.stylesheetGzipBytes)} gzipped; ` +
      `pages loaded on demand (the charts) ${kb(report.onDemandJsGzipBytes)} gzipped.`,
  );
  const r = report.firstRenderMs;
  console.log(
    `First render (navigation to the moments list on screen, local stack, cache disabled): median ${r.median.toFixed(0)} ms ` +
      `of ${r.runs} (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}); budget ${CONSOLE_FIRST_RENDER_BUDGET_MS} ms: ` +
      `${met(r.median <= CONSOLE_FIRST_RENDER_BUDGET_MS)}. Transferred ${kb(report.transferredBytes)} (the local server does not compress).`,
  );
}
