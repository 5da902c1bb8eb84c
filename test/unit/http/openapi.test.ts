import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { routeKey, routes } from "../../../shared/contracts/routes.js";
import { buildOpenApiDocument } from "../../../shared/http/openapi.js";

type Operation = { operationId: string; security: unknown[]; requestBody?: unknown; summary: string };
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
      route.auth === "none" ? [] : [{ [route.auth === "admin_key" ? "adminKey" : "writeKey"]: [] }],
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
});
