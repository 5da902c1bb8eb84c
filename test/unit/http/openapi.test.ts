import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { routeKey, routes } from "../../../shared/contracts/routes.js";
import { buildOpenApiDocument } from "../../../shared/http/openapi.js";

type Operation = {
  operationId: string;
  security: unknown[];
  requestBody?: unknown;
  summary: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: unknown }>;
};
const document = buildOpenApiDocument() as { paths: Record<string, Record<string, Operation>> };

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(
      document as unknown as Parameters<Validator["validate"]>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each(routes.map((route) => [routeKey(route), route] as const))("documents %s", (_key, route) => {
    const operation = document.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation?.summary).toBeTruthy();
    // Public routes say so explicitly; the others name the key they need.
    expect(operation?.security).toEqual(
      route.auth === "none"
        ? []
        : route.auth === "admin_key"
          ? [{ adminKey: [] }]
          : [{ writeKey: [] }, { writeKeyBasic: [] }],
    );
  });

  it("documents nothing that is not a route", () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map(routeKey).sort());
  });

  it("gives every operation a unique operationId", () => {
    const ids = Object.values(document.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes request bodies with the schemas the handlers validate with", () => {
    const body = document.paths["/v1/events"]?.post?.requestBody as {
      content: {
        "application/json": { schema: { required: string[]; properties: Record<string, unknown> } };
      };
    };
    const schema = body.content["application/json"].schema;
    // One message model for every call: nothing is required by shape alone (which fields a call
    // needs depends on its type), and Moments' accountId sits beside Segment's fields.
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "type",
        "accountId",
        "userId",
        "anonymousId",
        "groupId",
        "event",
        "messageId",
        "traits",
        "properties",
        "timestamp",
        "originalTimestamp",
        "sentAt",
      ]),
    );
  });

  it("describes the body of every success response that has one, with a named schema where it can", () => {
    const bodiless = new Set(["204"]);
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      const [status, success] = Object.entries(operation?.responses ?? {})[0] ?? [];
      if (!status || bodiless.has(status)) continue;
      // JSON, or pages and scripts for a browser (the console's, the unsubscribe page, the widget).
      const content = success?.content ?? {};
      expect(
        content["application/json"]?.schema ??
          content["text/html"]?.schema ??
          content["text/javascript"]?.schema,
        routeKey(route),
      ).toBeDefined();
    }
    const source = document.paths["/v1/admin/sources/{id}"]?.get?.responses["200"];
    expect(source?.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Source" });
  });

  it("documents the error statuses each route can return", () => {
    const statuses = (method: string, path: string) =>
      Object.keys(document.paths[path]?.[method]?.responses ?? {});

    expect(statuses("post", "/v1/events")).toEqual(
      expect.arrayContaining(["400", "401", "403", "413", "415", "503"]),
    );
    expect(statuses("patch", "/v1/admin/moments/{id}")).toEqual(
      expect.arrayContaining(["404", "409", "412", "415", "428"]),
    );
    expect(statuses("get", "/v1/admin/integrations/{id}/slack/channels")).toEqual(
      expect.arrayContaining(["404", "409", "502"]),
    );
    expect(statuses("post", "/v1/admin/workspaces")).toContain("403");
    // Nothing to refuse: no key, no input.
    expect(statuses("get", "/health")).toEqual(["200"]);
  });

  it("describes the Segment routes as the SDKs call them: Basic or Bearer, JSON-ish bodies, Retry-After on 503", () => {
    const segmentRoutes = routes.filter((r) => r.function === "ingest" && r.method === "POST");
    expect(segmentRoutes.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/v1/track",
        "/v1/identify",
        "/v1/group",
        "/v1/page",
        "/v1/screen",
        "/v1/alias",
      ]),
    );
    for (const route of segmentRoutes) {
      const operation = document.paths[route.path]?.post as unknown as {
        security: unknown[];
        description: string;
        requestBody: { content: Record<string, unknown> };
        responses: Record<string, { headers?: Record<string, unknown> }>;
      };
      expect(operation.security, route.path).toEqual([{ writeKey: [] }, { writeKeyBasic: [] }]);
      expect(Object.keys(operation.requestBody.content), route.path).toEqual(["application/json"]);
      expect(operation.description, route.path).toMatch(/text\/plain.*gzip/s);
      expect(operation.responses["503"]?.headers, route.path).toHaveProperty("Retry-After");
    }
    const schemes = (document as unknown as { components: { securitySchemes: Record<string, unknown> } })
      .components.securitySchemes;
    expect(schemes.writeKeyBasic).toMatchObject({ type: "http", scheme: "basic" });
  });

  it("describes POST /v1/feedback's body, and a batch the server would answer 202 for", () => {
    expect(document.paths["/v1/feedback"]?.post?.requestBody).toBeDefined();
    const batch = document.paths["/v1/batch"]?.post?.requestBody as {
      content: { "application/json": { schema: { properties: { batch: { items: { anyOf: unknown[] } } } } } };
    };
    // A message of any type, or any other object (rejected on its own, siblings accepted).
    expect(batch.content["application/json"].schema.properties.batch.items.anyOf).toHaveLength(2);
  });

  it("names the moment's ETag on the routes that answer one", () => {
    const read = document.paths["/v1/admin/moments/{id}"]?.get?.responses["200"];
    expect(read?.headers).toHaveProperty("ETag");
  });
});
