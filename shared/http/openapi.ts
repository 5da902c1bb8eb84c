/**
 * The OpenAPI 3.1 document, generated from the route table, the route docs and the zod schemas
 * the handlers validate with, so it cannot drift from what the API accepts.
 */
import * as z from "zod/mini";
import { apiDocs, type ErrorStatus, type RouteDoc } from "../contracts/api-docs.js";
import { apiSchemas, errorEnvelopeSchema } from "../contracts/api-responses.js";
import { type RouteDefinition, type RouteKey, routeKey, routes } from "../contracts/routes.js";

type JsonObject = Record<string, unknown>;

const errorDescriptions: Record<ErrorStatus, string> = {
  400: "Invalid request: details name each failing field",
  401: "Missing, unknown or revoked key",
  403: "Not permitted (a browser origin the source does not allow; an operator-only action)",
  404: "Unknown id (also another workspace's)",
  409: "Conflict with the current state (lifecycle, in use, limits)",
  412: "If-Match names a version that is no longer current: read it again",
  413: "Body too large",
  415: "The body is not JSON (send Content-Type: application/json)",
  428: "If-Match is required",
  502: "The provider (Slack) refused or failed",
  503: "Not accepted: retry (with the same messageId)",
};

/** What a 503 says about when to retry (browsers can read it: CORS exposes it). */
const retryAfterHeader = {
  "Retry-After": {
    description: "Seconds to wait before retrying (with the same messageIds)",
    schema: { type: "integer", minimum: 0 },
  },
};

/**
 * What the analytics SDKs send unchanged besides `application/json`: documented in words rather than
 * as more `content` entries (the body is the same JSON schema; repeating it per type would only
 * multiply the document and the generated client types).
 */
const INGESTION_TRANSPORT =
  "The body is JSON, also when sent as text/plain (analytics.js, which avoids a CORS preflight) or " +
  "application/x-www-form-urlencoded (RudderStack), and may be compressed with Content-Encoding gzip or " +
  "deflate (limits apply after decompressing: 32 KB per call, 500 KB per batch). The write key may also be " +
  "the body's writeKey field.";

/** The error statuses a route answers: those of its kind, and the ones its docs name. */
function errorStatuses(route: RouteDefinition, doc: RouteDoc): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(doc.errors ?? []);
  if (route.method === "OPTIONS" || route.path === "/health" || route.path === "/v1/openapi.json")
    return [...statuses];
  const readsBody = route.method === "POST" || route.method === "PATCH" || route.method === "PUT";
  const hasPathParams = route.path.includes("{");
  if (readsBody || hasPathParams || doc.query || doc.body) statuses.add(400);
  if (route.auth !== "none") statuses.add(401);
  if (hasPathParams) statuses.add(404);
  if (readsBody) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

/**
 * JSON Schema of a body: a request body as clients send it (`io: "input"`: defaults make fields
 * optional), a response body as the server answers it (`io: "output"`). Schemas registered in
 * `apiSchemas` (Moment, Source...) become named `components.schemas` that every operation refers
 * to, so a generated client has one type per object. Other recursive parts (conditions) come out
 * as `$defs`; in an OpenAPI document `#` is the document, so they move to `components.schemas`
 * under a name prefixed by the operation, and the refs follow.
 */
function jsonSchema(
  schema: z.ZodMiniType,
  io: "input" | "output",
  prefix: string,
  components: JsonObject,
): JsonObject {
  const {
    $schema: _drop,
    $defs,
    ...json
  } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    metadata: apiSchemas,
  }) as JsonObject & { $defs?: JsonObject };
  const named = new Set(Object.keys($defs ?? {}).filter((name) => !name.startsWith("__")));
  const rename = (name: string) => (named.has(name) ? name : `${prefix}_${name.replace(/^_+/, "")}`);
  const fixRefs = (value: JsonObject): JsonObject =>
    JSON.parse(
      JSON.stringify(value).replace(
        /"#\/\$defs\/([^"]+)"/g,
        (_m, name: string) => `"#/components/schemas/${rename(name)}"`,
      ),
    ) as JsonObject;
  for (const [name, def] of Object.entries($defs ?? {})) {
    const fixed = fixRefs(def as JsonObject);
    const existing = components[rename(name)];
    // A named schema is the same wherever it appears; the same name for two shapes is a bug.
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(fixed) && named.has(name))
      throw new Error(`components.schemas.${name} has two different shapes (${prefix})`);
    components[rename(name)] ??= fixed;
  }
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

const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

function successResponse(route: RouteDefinition, doc: RouteDoc, components: JsonObject): JsonObject {
  const { description, body, headers, text } = doc.success;
  const id = operationId(route);
  const content: JsonObject = {};
  if (body) content["application/json"] = { schema: jsonSchema(body, "output", `${id}Response`, components) };
  // Pages for a person's browser (the unsubscribe page, the console) and the console's assets.
  for (const mediaType of text ?? []) content[mediaType] = { schema: { type: "string" } };
  return {
    description,
    ...(headers
      ? {
          headers: Object.fromEntries(
            Object.entries(headers).map(([name, text]) => [
              name,
              { description: text, schema: { type: "string" } },
            ]),
          ),
        }
      : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
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
  const responses: JsonObject = { [String(doc.success.status)]: successResponse(route, doc, components) };
  for (const status of errorStatuses(route, doc))
    responses[String(status)] = {
      description: errorDescriptions[status],
      ...(status === 503 ? { headers: retryAfterHeader } : {}),
      content: errorContent,
    };
  return {
    operationId: operationId(route),
    summary: doc.summary,
    ...(route.function === "ingest" && doc.body ? { description: INGESTION_TRANSPORT } : {}),
    tags: [doc.tag],
    ...(route.auth === "none"
      ? { security: [] }
      : route.auth === "admin_key"
        ? { security: [{ adminKey: [] }] }
        : // Either scheme: Bearer (our own clients), or Basic with the key as user name (Segment's and
          // RudderStack's server libraries). analytics.js puts it in the body instead (see writeKey).
          { security: [{ writeKey: [] }, { writeKeyBasic: [] }] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: jsonSchema(doc.body, "input", operationId(route), components) },
            },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const schemas: JsonObject = {};
  schemas.Error = jsonSchema(errorEnvelopeSchema, "output", "Error", schemas);
  for (const route of routes) {
    const doc: RouteDoc = apiDocs[routeKey(route) as RouteKey];
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
        writeKey: {
          type: "http",
          scheme: "bearer",
          description:
            "A source write key (mk_write_…). On the ingestion routes it may also come as Basic auth (writeKeyBasic) or, " +
            'as analytics.js sends it, in the JSON body ("writeKey", with no Authorization header).',
        },
        writeKeyBasic: {
          type: "http",
          scheme: "basic",
          description:
            "The write key as the user name and an empty password (base64 of '<writeKey>:'): what Segment's and RudderStack's server libraries send",
        },
      },
      schemas,
    },
    paths,
  };
}
