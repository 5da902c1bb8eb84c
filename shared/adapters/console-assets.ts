import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ConsoleAssets } from "../http/console-routes.js";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".html": "text/html; charset=utf-8",
};

/**
 * Reads the built console (see infra/console/build.ts) into memory once, at cold start: a few
 * hundred KB of text, served from memory without a file read per request.
 */
export function loadConsoleAssets(dir: string): ConsoleAssets {
  const files = new Map<string, { body: string; contentType: string }>();
  const assetsDir = path.join(dir, "assets");
  for (const name of readdirSync(assetsDir)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType) files.set(name, { body: readFileSync(path.join(assetsDir, name), "utf8"), contentType });
  }
  return { index: readFileSync(path.join(dir, "index.html"), "utf8"), files };
}
