import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, seriousAccessibilityViolations } from "../support/browser.js";

describe("the browser used by the browser tests", () => {
  let browser: Browser;
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><label>Name <input id="n"></label><button type="button" onclick="document.getElementById(\'out\').textContent=\'hi \'+document.getElementById(\'n\').value">Greet</button><p id="out"></p></main></body></html>',
    );
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server.close();
  });

  it("renders a local page, runs its script and reports accessibility violations", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.getByLabel("Name").fill("Ada");
    await page.getByRole("button", { name: "Greet" }).click();
    await expect.poll(() => page.locator("#out").textContent()).toBe("hi Ada");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});
