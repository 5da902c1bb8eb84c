import { json, type TypedRoutes } from "../http-handler.js";
import { buildOpenApiDocument } from "../openapi.js";

let document: Record<string, unknown> | undefined;

/** GET /v1/openapi.json: public, built once per cold start and only when first asked for. */
export function openApiRoute(): TypedRoutes {
  return {
    "GET /v1/openapi.json": async () => {
      document ??= buildOpenApiDocument();
      return json(200, document, { "cache-control": "public, max-age=300" });
    },
  };
}
