/**
 * `npm run bench` (second part): the console's first render on the local stack, in the Chromium the
 * browser tests use. Signed in, each run opens /console/moments in a fresh page (cold browser cache,
 * the session cookie kept) and times navigation start to the moments list on screen; also the bytes
 * the page transferred. Median of N runs. It prints figures; it asserts nothing.
 */
import { startLocalStack } from "../../infra/local/stack.js";
import { launchBrowser } from "../support/browser.js";

const RUNS = 7;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const stack = await startLocalStack({ port: 0, timeScale: 0, logLevel: "CRITICAL" });
const browser = await launchBrowser();
try {
  // A few moments, so the list has rows to render.
  const headers = { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" };
  for (const name of ["Trial follow-up", "Cart abandon", "Onboarding nudge"]) {
    await fetch(`${stack.apiUrl}/v1/admin/moments`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name, goal: "convert", start: { event: `${name.replace(/\W+/g, "_")}_event` } }),
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
  let transferred = 0;
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
    transferred = bytes;
    await page.close();
  }
  console.log(
    `Console first render (navigation to the moments list on screen, local stack, cold cache): ` +
      `median ${median(renders).toFixed(0)} ms of ${RUNS} (min ${Math.min(...renders).toFixed(0)}, max ${Math.max(...renders).toFixed(0)}); ` +
      `budget 1000 ms: ${median(renders) <= 1000 ? "met" : "NOT met"}. ` +
      `Transferred ${(transferred / 1024).toFixed(1)} KB uncompressed (the local server does not compress).`,
  );
} finally {
  await browser.close();
  await stack.stop();
}
