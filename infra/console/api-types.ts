/**
 * TypeScript types of the API, generated from its OpenAPI document (shared/http/openapi.ts, itself
 * generated from the zod schemas the handlers validate with), in the shape openapi-typescript emits
 * and openapi-fetch consumes: `paths`, `operations`, `components`. The console's API client is typed
 * by them alone, so a field the API renames breaks the console's build, not its users.
 *
 * Why not openapi-typescript itself: it builds its output with the TypeScript 5 compiler API, which
 * the TypeScript 7 this project compiles with no longer offers. The JSON Schema our zod schemas
 * produce is a small, known subset, which this module covers (and fails loudly outside of).
 *
 * `npm run generate:api-types` writes functions/console/app/api/schema.ts; a unit test fails when
 * the committed file differs from what the current document generates.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

type Json = Record<string, unknown>;

/** Where the generated types live (committed: the console's type check needs them). */
export const API_TYPES_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../functions/console/app/api/schema.ts",
);

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export const GENERATED_HEADER =
  "// Generated from the OpenAPI document by `npm run generate:api-types` (infra/console/api-types.ts).\n" +
  "// Do not edit: a unit test fails when this file differs from what the document generates.\n";

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const key = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));

const indent = (text: string, by: string) => text.split("\n").join(`\n${by}`);

/** One JSON Schema as a TypeScript type. */
export function schemaType(schema: unknown, depth = 0): string {
  if (schema === true || schema === undefined) return "unknown";
  if (schema === false) return "never";
  if (!isObject(schema)) throw new Error(`Not a JSON Schema: ${JSON.stringify(schema)}`);
  const pad = "  ".repeat(depth);
  if (typeof schema.$ref === "string") {
    const match = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
    if (!match?.[1]) throw new Error(`Unsupported $ref ${schema.$ref}`);
    return `components["schemas"][${JSON.stringify(match[1])}]`;
  }
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ") || "never";
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((s) => wrap(schemaType(s, depth))).join(" | ") || "never";
  if (Array.isArray(schema.allOf)) return schema.allOf.map((s) => wrap(schemaType(s, depth))).join(" & ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.length > 1) return types.map((type) => wrap(schemaType({ ...schema, type }, depth))).join(" | ");
  switch (types[0]) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      if (Array.isArray(schema.prefixItems)) {
        return `[${schema.prefixItems.map((s) => schemaType(s, depth)).join(", ")}]`;
      }
      return `${wrap(schemaType(schema.items, depth))}[]`;
    }
    case "object":
    case undefined:
      return objectType(schema, depth, pad);
    default:
      throw new Error(`Unsupported JSON Schema type ${String(types[0])}`);
  }
}

function objectType(schema: Json, depth: number, pad: string): string {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const lines = Object.entries(properties).map(
    ([name, property]) =>
      `${pad}  ${key(name)}${required.has(name) ? "" : "?"}: ${schemaType(property, depth + 1)};`,
  );
  const extra = schema.additionalProperties ?? (isObject(schema.propertyNames) ? true : undefined);
  if (extra !== undefined && extra !== false) {
    lines.push(`${pad}  [key: string]: ${extra === true ? "unknown" : schemaType(extra, depth + 1)};`);
  }
  if (lines.length === 0) return schema.type === "object" ? "Record<string, never>" : "unknown";
  return `{\n${lines.join("\n")}\n${pad}}`;
}

/** Parenthesised when it is a union or intersection at its top level (outside braces and strings). */
function wrap(type: string): string {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{" || c === "(" || c === "[" || c === "<") depth++;
    else if (c === "}" || c === ")" || c === "]" || c === ">") depth--;
    else if (depth === 0 && (c === "|" || c === "&")) return `(${type})`;
  }
  return type;
}

function parametersType(parameters: unknown[], depth: number): string {
  const pad = "  ".repeat(depth);
  const groups = new Map<string, string[]>();
  for (const parameter of parameters) {
    if (!isObject(parameter)) continue;
    const location = String(parameter.in);
    const lines = groups.get(location) ?? [];
    lines.push(
      `${pad}    ${key(String(parameter.name))}${parameter.required ? "" : "?"}: ${schemaType(parameter.schema, depth + 2)};`,
    );
    groups.set(location, lines);
  }
  const group = (location: string) => {
    const lines = groups.get(location);
    if (!lines) return `${pad}  ${location}?: never;`;
    const optional = parameters.every((p) => !isObject(p) || p.in !== location || !p.required);
    return `${pad}  ${location}${optional ? "?" : ""}: {\n${lines.join("\n")}\n${pad}  };`;
  };
  return `{\n${["query", "header", "path", "cookie"].map(group).join("\n")}\n${pad}}`;
}

function contentType(content: unknown, depth: number): string | undefined {
  if (!isObject(content)) return undefined;
  const pad = "  ".repeat(depth);
  const lines = Object.entries(content).map(
    ([media, value]) =>
      `${pad}  ${JSON.stringify(media)}: ${schemaType(isObject(value) ? value.schema : undefined, depth + 1)};`,
  );
  return `{\n${lines.join("\n")}\n${pad}}`;
}

function operationType(operation: Json): string {
  const parameters = parametersType(Array.isArray(operation.parameters) ? operation.parameters : [], 1);
  const body = isObject(operation.requestBody) ? operation.requestBody : undefined;
  const bodyContent = body ? contentType(body.content, 2) : undefined;
  const requestBody = bodyContent
    ? `  requestBody${body?.required ? "" : "?"}: {\n    content: ${bodyContent};\n  };`
    : "  requestBody?: never;";
  const responses = Object.entries(isObject(operation.responses) ? operation.responses : {}).map(
    ([status, response]) => {
      const content = isObject(response) ? contentType(response.content, 3) : undefined;
      return [
        `    ${/^\d+$/.test(status) ? status : key(status)}: {`,
        "      headers: {\n        [name: string]: unknown;\n      };",
        content ? `      content: ${content};` : "      content?: never;",
        "    };",
      ].join("\n");
    },
  );
  return `{\n  parameters: ${parameters};\n${requestBody}\n  responses: {\n${responses.join("\n")}\n  };\n}`;
}

/** The whole module: `paths`, `operations`, `components`. */
export function generateApiTypes(document: Json): string {
  const paths = isObject(document.paths) ? document.paths : {};
  const pathLines: string[] = [];
  const operationLines: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const methods = METHODS.map((method) => {
      const operation = item[method];
      if (!isObject(operation)) return `    ${method}?: never;`;
      const id = String(operation.operationId);
      operationLines.push(`  ${key(id)}: ${indent(operationType(operation), "  ")};`);
      return `    ${method}: operations[${JSON.stringify(id)}];`;
    });
    pathLines.push(
      `  ${JSON.stringify(path)}: {\n    parameters: {\n      query?: never;\n      header?: never;\n      path?: never;\n      cookie?: never;\n    };\n${methods.join("\n")}\n  };`,
    );
  }
  const components = isObject(document.components) ? document.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const schemaLines = Object.entries(schemas).map(
    ([name, schema]) => `    ${key(name)}: ${schemaType(schema, 2)};`,
  );
  return [
    GENERATED_HEADER,
    `export interface paths {\n${pathLines.join("\n")}\n}`,
    "",
    `export interface components {\n  schemas: {\n${schemaLines.join("\n")}\n  };\n}`,
    "",
    `export interface operations {\n${operationLines.join("\n")}\n}`,
    "",
  ].join("\n");
}
