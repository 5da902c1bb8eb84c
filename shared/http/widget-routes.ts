/**
 * `GET /v1/widget.js` (script tag) and `GET /v1/widget.mjs` (ES module): the in-app widget, built at
 * deploy time into the function's asset and read once at cold start. Public code, so any origin may
 * load it (`crossorigin` + `integrity` work). Versioned by content: `?v=<version>` of the current
 * build is cached for a year (immutable); without it (or with an old one), for 5 minutes, so a
 * redeploy reaches unpinned pages soon.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { HttpRequest, HttpResponse, RouteHandler } from "./http-handler.js";

export interface WidgetAsset {
  text: string;
  /** First 16 hex characters of the SHA-256: the `?v=` that pins this build. */
  version: string;
  /** Subresource Integrity value (`sha384-…`) for the `integrity` attribute. */
  integrity: string;
}

export function widgetAsset(text: string): WidgetAsset {
  return {
    text,
    version: createHash("sha256").update(text).digest("hex").slice(0, 16),
    integrity: `sha384-${createHash("sha384").update(text).digest("base64")}`,
  };
}

/** Reads the built files from the folder the deployment put them in (MOMENTS_WIDGET_DIR). */
export function readWidgetAssets(dir: string) {
  const read = (name: string) => widgetAsset(readFileSync(path.join(dir, name), "utf8"));
  return { script: read("widget.js"), module: read("widget.mjs") };
}

const YEAR_SECONDS = 365 * 24 * 3600;

function serve(asset: WidgetAsset): RouteHandler<undefined> {
  return async (request: HttpRequest): Promise<HttpResponse<undefined>> => {
    const pinned = request.query.v === asset.version;
    return {
      statusCode: 200,
      rawBody: asset.text,
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": pinned ? `public, max-age=${YEAR_SECONDS}, immutable` : "public, max-age=300",
        etag: `"${asset.version}"`,
        "access-control-allow-origin": "*",
        "x-content-type-options": "nosniff",
        "x-moments-widget-version": asset.version,
        "x-moments-widget-integrity": asset.integrity,
      },
    };
  };
}

export function widgetRoutes(assets: ReturnType<typeof readWidgetAssets>) {
  return { "GET /v1/widget.js": serve(assets.script), "GET /v1/widget.mjs": serve(assets.module) };
}
