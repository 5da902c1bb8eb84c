/**
 * Property: no input makes the API answer 5xx. fast-check throws random bodies, ids, query strings
 * and content types at every route in the route table (with valid keys, so the input reaches the
 * handlers) and accepts only 2xx-4xx. A 500 here is a bug: bad input must be a 4xx naming the field.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeKey, routes } from "../../shared/contracts/routes.js";
import { buildOpenApiDocument } from "../../shared/http/openapi.js";
import { apiClient } from "../support/local-api.js";
import { type SharedStack, sharedLocalStack } from "../support/shared-stack.js";

let stack: SharedStack;
let api: ReturnType<typeof apiClient>;
let writeKey = "";

// Enough random inputs per route to find a missing check, few enough to keep the suite fast.
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 30);

beforeAll(async () => {
  stack = await sharedLocalStack();
  api = apiClient(stack.apiUrl);
  const source = await api<{ writeKey: string }>("POST", "/v1/admin/sources", {
    key: stack.adminKey,
    body: { name: "Fuzz" },
  });
  writeKey = source.body.writeKey;
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * A key that lets the input reach the route's handler: the write key, the file's own admin key, or
 * for creating workspaces the operator's. The operator workspace itself is not this file's: random
 * bodies would rename it, and sources-and-keys.test.ts checks its name.
 */
const keyFor = (route: (typeof routes)[number]) =>
  route.auth === "write_key"
    ? writeKey
    : routeKey(route) === "POST /v1/admin/workspaces"
      ? stack.operatorKey
      : stack.adminKey;

const segment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom("0", "-1", "null", "undefined", "%00", "..", "a".repeat(300), "01m7y69xyzvmhasprzny08dp11"),
);
const body = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.json({ maxDepth: 4 }).map((text) => ({ raw: text })),
  fc.string().map((text) => ({ raw: text })),
  fc.dictionary(
    fc.constantFrom(
      "name",
      "goal",
      "event",
      "accountId",
      "steps",
      "start",
      "status",
      "from",
      "kind",
      "allowedDomains",
      "traits",
      "properties",
    ),
    fc.anything({ maxDepth: 3 }),
  ),
);
const query = fc.dictionary(
  fc.constantFrom("limit", "cursor", "goal", "status", "q", "groupBy", "all"),
  fc.string({ maxLength: 30 }),
  { maxKeys: 3 },
);

describe("no input makes the API answer 5xx", () => {
  it.each(routes.map((route) => [routeKey(route), route] as const))("%s", async (_key, route) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 2, maxLength: 2 }),
        body,
        query,
        fc.boolean(),
        async (ids, input, params, jsonType) => {
          let index = 0;
          const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(ids[index++] ?? "x"));
          const search = new URLSearchParams(params).toString();
          const key = keyFor(route);
          const raw =
            typeof input === "object" && input !== null && "raw" in input
              ? String((input as { raw: unknown }).raw)
              : undefined;
          const response = await api(route.method, `${path}${search ? `?${search}` : ""}`, {
            key,
            ...(route.method === "GET" || route.method === "DELETE"
              ? {}
              : raw !== undefined
                ? { rawBody: raw, headers: { "content-type": jsonType ? "application/json" : "text/plain" } }
                : { body: input === undefined ? null : input }),
          }).catch((error: unknown) => ({ status: 599, body: String(error) }));
          expect(
            response.status,
            `${route.method} ${path} answered ${JSON.stringify(response.body)}`,
          ).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS_PER_ROUTE },
    );
  });
});

/**
 * The fuzzer above draws its bodies at random, so a field that breaks only with one wrong type can hide
 * for many runs. Here every body field the OpenAPI document names (top level, and one level down) is
 * given each JSON type in turn, alone and all at once, on every route with a body: each must be a 4xx.
 */
type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

function fieldPaths(document: Record<string, unknown>, method: string, path: string): string[][] {
  const components = ((document.components as { schemas?: Record<string, Schema> }).schemas ?? {}) as Record<
    string,
    Schema
  >;
  const resolve = (schema: Schema | undefined): Schema[] => {
    if (!schema) return [];
    if (schema.$ref) return resolve(components[schema.$ref.split("/").pop() ?? ""]);
    const parts = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
    return [schema, ...parts.flatMap(resolve)];
  };
  const operation = (document.paths as Record<string, Record<string, unknown>>)[path]?.[
    method.toLowerCase()
  ] as { requestBody?: { content: Record<string, { schema: Schema }> } } | undefined;
  const body = operation?.requestBody?.content["application/json"]?.schema;
  const found = new Map<string, string[]>();
  for (const schema of resolve(body))
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      found.set(name, [name]);
      for (const inner of resolve(property))
        for (const child of Object.keys(inner.properties ?? {})) found.set(`${name}.${child}`, [name, child]);
    }
  return [...found.values()];
}

// null (Object.keys(null)), an object where text belongs (.trim() of an object), a number where either does.
const WRONG_VALUES: unknown[] = [null, {}, 7];

describe("no field given the wrong JSON type makes the API answer 5xx", () => {
  const document = buildOpenApiDocument();
  const withBody = routes.filter((route) => fieldPaths(document, route.method, route.path).length > 0);
  it.each(withBody.map((route) => [routeKey(route), route] as const))("%s", async (_key, route) => {
    const fields = fieldPaths(document, route.method, route.path);
    const path = route.path.replace(/\{\w+\}/g, "x");
    const key = keyFor(route);
    const bodies: unknown[] = [];
    const set = (target: Record<string, unknown>, [name, child]: string[], value: unknown) => {
      if (!name) return;
      if (child === undefined) target[name] = value;
      else target[name] = { ...((target[name] as Record<string, unknown>) ?? {}), [child]: value };
    };
    for (const value of WRONG_VALUES) {
      const all: Record<string, unknown> = {};
      for (const field of fields) set(all, field, value);
      bodies.push(all);
      for (const field of fields) {
        const one: Record<string, unknown> = {};
        set(one, field, value);
        bodies.push(one);
      }
    }
    const failures: string[] = [];
    // A few at a time, as clients would send them: the local stack answers concurrent requests.
    const queue = [...bodies];
    const worker = async () => {
      for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
        const response = await api(route.method, path, { key, body });
        if (response.status >= 500) failures.push(`${JSON.stringify(body)} -> ${response.status}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(failures).toEqual([]);
  });
});
