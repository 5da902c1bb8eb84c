/**
 * Calls the live local stack route by route and checks each answer against the OpenAPI document
 * the stack serves: the status must be documented for the route, and the body must validate
 * against that status's schema (success bodies are strict: no undocumented field). Every call
 * names its route key, so the test knows which routes of the table it has exercised.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { expect } from "vitest";
import type { RouteKey } from "../../shared/contracts/routes.js";

// ajv-formats is CommonJS: under ESM the import is its module.exports, whose `default` is the plugin.
const addFormats = ajvFormats.default;

export interface LiveAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  /** The path to request, for a greedy parameter (`{proxy+}`) the template cannot fill. */
  rawPath?: string;
  /** Path parameters, by name (`{ id }` for `/v1/admin/moments/{id}`); URL-encoded here. */
  path?: Record<string, string>;
  query?: Record<string, string>;
  /** A key sent as `Authorization: Bearer <key>`. */
  key?: string;
  body?: unknown;
  /** A body sent as is (with its own content-type header). */
  rawBody?: string;
  headers?: Record<string, string>;
}

type Operation = {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

const pointer = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1");

export function conformanceClient(apiUrl: string, document: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: "openapi.json" });
  const paths = document.paths as Record<string, Record<string, Operation>>;
  /** Route keys exercised, and the statuses seen for each. */
  const seen = new Map<RouteKey, Set<number>>();

  async function call<T = Record<string, unknown>>(
    route: RouteKey,
    options: CallOptions = {},
  ): Promise<LiveAnswer<T>> {
    const [method = "", template = ""] = route.split(" ");
    const path =
      options.rawPath ??
      template.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const value = options.path?.[name];
        if (value === undefined) throw new Error(`${route}: no value for path parameter ${name}`);
        return encodeURIComponent(value);
      });
    const url = new URL(path, apiUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    const parsed = text && contentType.includes("json") ? JSON.parse(text) : text || undefined;

    const operation = paths[template]?.[method.toLowerCase()];
    expect(operation, `${route} is not in the OpenAPI document`).toBeDefined();
    const documented = operation?.responses[String(response.status)];
    expect(
      documented,
      `${route} answered ${response.status}, which its OpenAPI operation does not document (${text.slice(0, 300)}). Document it in shared/contracts/api-docs.ts (errors: [...] or success)`,
    ).toBeDefined();
    const mediaType = contentType.split(";")[0]?.trim() ?? "";
    if (text === "") {
      expect(
        documented?.content?.["application/json"],
        `${route} ${response.status} answered no body, but its documentation describes one`,
      ).toBeUndefined();
    } else {
      expect(
        documented?.content?.[mediaType],
        `${route} ${response.status} answered ${mediaType}, which its documentation does not describe`,
      ).toBeDefined();
      if (mediaType === "application/json") {
        const ref = `openapi.json#/paths/${pointer(template)}/${method.toLowerCase()}/responses/${response.status}/content/${pointer(mediaType)}/schema`;
        const validate = ajv.getSchema(ref);
        if (!validate) throw new Error(`${route}: no schema at ${ref}`);
        const valid = validate(parsed);
        expect(
          valid ? [] : validate.errors,
          `${route} ${response.status}: the body does not match its documented schema: ${text.slice(0, 500)}`,
        ).toEqual([]);
      }
    }
    const statuses = seen.get(route) ?? new Set<number>();
    statuses.add(response.status);
    seen.set(route, statuses);
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  return { call, seen };
}
