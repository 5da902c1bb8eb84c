/**
 * Property: no input makes the API answer 5xx. fast-check throws random bodies, ids, query strings
 * and content types at every route in the route table (with valid keys, so the input reaches the
 * handlers) and accepts only 2xx-4xx. A 500 here is a bug: bad input must be a 4xx naming the field.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { routeKey, routes } from "../../shared/contracts/routes.js";
import { apiClient } from "../support/local-api.js";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let writeKey = "";

// Enough random inputs per route to find a missing check, few enough to keep the suite fast.
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 30);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, timeScale: 0, logLevel: "CRITICAL" });
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
          const key = route.auth === "write_key" ? writeKey : stack.adminKey;
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
