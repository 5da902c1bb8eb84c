/**
 * The console's page is served for every address under /console, a trailing slash too: on AWS a
 * request for "/console/" reaches either route (the greedy one with an empty rest), and the app's
 * router shows the page for the address without the slash.
 */
import { describe, expect, it } from "vitest";
import { type ConsoleAssets, consoleRoutes } from "../../../shared/http/console-routes.js";
import type { HttpRequest } from "../../../shared/http/http-handler.js";

const assets: ConsoleAssets = {
  index: "<!doctype html><title>Moments console</title>",
  files: new Map([["app-ABC.js", { body: "export {}", contentType: "text/javascript; charset=utf-8" }]]),
};
const routes = consoleRoutes(
  async () => ({}) as never,
  () => assets,
);
const request = (routeKey: string, path: Record<string, string>): HttpRequest => ({
  routeKey,
  path,
  query: {},
  headers: {},
  body: undefined,
});

describe("the console's page", () => {
  it.each<Record<string, string>>([{}, { proxy: "" }, { proxy: "moments/" }, { proxy: "moments/abc" }])(
    "is served for /console/{proxy+} with %j",
    async (path) => {
      const page = await routes["GET /console/{proxy+}"]?.(request("GET /console/{proxy+}", path));
      expect(page).toMatchObject({ statusCode: 200, rawBody: assets.index });
      expect(page?.headers?.["content-security-policy"]).toContain("script-src 'self'");
    },
  );

  it("serves a hashed asset for good, and no page for an unknown one", async () => {
    const asset = await routes["GET /console/{proxy+}"]?.(
      request("GET /console/{proxy+}", { proxy: "assets/app-ABC.js" }),
    );
    expect(asset?.headers?.["cache-control"]).toBe("public, max-age=31536000, immutable");
    await expect(
      routes["GET /console/{proxy+}"]?.(request("GET /console/{proxy+}", { proxy: "assets/app-NOPE.js" })),
    ).rejects.toThrow(/No console asset/);
  });
});
