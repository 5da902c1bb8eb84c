import { json, type TypedRoutes } from "../http-handler.js";

let document: Record<string, unknown> | undefined;

/**
 * GET /v1/openapi.json: public, built once per cold start and only when first asked for. The builder
 * (every route's request and response schemas, about 30 KB of the admin bundle) is imported then too:
 * bundled as a chunk of its own, it costs the admin function's other cold starts nothing.
 */
export function openApiRoute(): TypedRoutes {
  return {
    "GET /v1/openapi.json": async () => {
      if (!document) {
        const { buildOpenApiDocument } = await import("../openapi.js");
        document ??= buildOpenApiDocument();
      }
      return json(200, document, { "cache-control": "public, max-age=300" });
    },
  };
}
