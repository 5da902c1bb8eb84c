/**
 * The OpenAPI 3.1 document, generated from the route table, the route docs and the zod schemas
 * the handlers validate with, so it cannot drift from what the API accepts.
 */
import * as z from "zod/mini";
import { apiDocs, type RouteDoc } from "../contracts/api-docs.js";
import { type RouteDefinition, type RouteKey, routeKey, routes } from "../contracts/routes.js";

type JsonObject = Record<string, unknown>;

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", examples: ["invalid_request", "unauthorized", "not_found", "conflict"] },
        message: { type: "string" },
        details: {
          type: "array",
          items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
        },
      },
    },
  },
} as const;

const errorResponses: Record<string, string> = {
  "400": "Invalid request: details name each failing field",
  "401": "Missing or unknown key",
  "404": "Unknown id (also another workspace's)",
  "409": "Conflict with the current state",
  "413": "Body too large",
};

/**
 * JSON Schema of a request body, as clients send it (defaults make fields optional). Recursive
 * parts (conditions) come out as `$defs`; in an OpenAPI document `#` is the document, so they move
 * to `components.schemas` under a name prefixed by the operation, and the refs follow.
 */
function bodySchema(schema: z.ZodMiniType, prefix: string, components: JsonObject): JsonObject {
  const {
    $schema: _drop,
    $defs,
    ...json
  } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as JsonObject & { $defs?: JsonObject };
  const rename = (name: string) => `${prefix}_${name.replace(/^_+/, "")}`;
  const fixRefs = (value: JsonObject): JsonObject =>
    JSON.parse(
      JSON.stringify(value).replace(
        /"#\/\$defs\/([^"]+)"/g,
        (_m, name: string) => `"#/components/schemas/${rename(name)}"`,
      ),
    ) as JsonObject;
  for (const [name, def] of Object.entries($defs ?? {}))
    components[rename(name)] = fixRefs(def as JsonObject);
  return fixRefs(json);
}

/** "PATCH /v1/admin/moments/{id}" -> "patchAdminMomentsById". */
function operationId(route: RouteDefinition): string {
  const words = route.path
    .split("/")
    .filter((segment) => segment && segment !== "v1")
    .flatMap((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      return param ? ["by", param] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join("");
}

function operation(route: RouteDefinition, doc: RouteDoc, components: JsonObject): JsonObject {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
  const parameters = [
    ...pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...Object.entries(doc.query ?? {}).map(([name, description]) => ({
      name,
      in: "query",
      required: false,
      description,
      schema: { type: "string" },
    })),
    ...Object.entries(doc.headers ?? {}).map(([name, description]) => ({
      name,
      in: "header",
      required: false,
      description,
      schema: { type: "string" },
    })),
  ];
  const responses: JsonObject = {
    [String(doc.success.status)]: { description: doc.success.description },
  };
  for (const [status, description] of Object.entries(errorResponses)) {
    if (status === "401" && route.auth === "none") continue;
    responses[status] = {
      description,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return {
    operationId: operationId(route),
    summary: doc.summary,
    tags: [doc.tag],
    ...(route.auth === "none"
      ? { security: [] }
      : { security: [{ [route.auth === "admin_key" ? "adminKey" : "writeKey"]: [] }] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: bodySchema(doc.body, operationId(route), components) } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const schemas: JsonObject = { Error: errorSchema };
  for (const route of routes) {
    const doc = apiDocs[routeKey(route) as RouteKey];
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operation(route, doc, schemas);
    paths[route.path] = item;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Moments API",
      version: "1",
      description:
        "Ingestion (source write keys) and the config API (admin keys). All JSON; errors are { error: { code, message, details? } }.",
    },
    components: {
      securitySchemes: {
        adminKey: {
          type: "http",
          scheme: "bearer",
          description: "An admin key (mk_admin_…): sees one workspace",
        },
        writeKey: { type: "http", scheme: "bearer", description: "A source write key (mk_write_…)" },
      },
      schemas,
    },
    paths,
  };
}
