import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, generateApiTypes, schemaType } from "../../../infra/console/api-types.js";
import { buildOpenApiDocument } from "../../../shared/http/openapi.js";

describe("the console's API types", () => {
  it("are what the current OpenAPI document generates (run npm run generate:api-types when this fails)", () => {
    expect(readFileSync(API_TYPES_FILE, "utf8")).toBe(generateApiTypes(buildOpenApiDocument()));
  });

  it("map each JSON Schema construct the zod schemas produce", () => {
    expect(
      schemaType({
        type: "object",
        required: ["id", "tags"],
        properties: {
          id: { type: "string" },
          tags: { type: "array", items: { type: "string" } },
          status: { enum: ["draft", "running"] },
          rate: { anyOf: [{ type: "number" }, { type: "null" }] },
          kind: { const: "x" },
          ref: { $ref: "#/components/schemas/Moment" },
          "odd-name": { type: ["string", "null"] },
        },
        additionalProperties: false,
      }),
    ).toBe(
      [
        "{",
        "  id: string;",
        "  tags: string[];",
        '  status?: "draft" | "running";',
        "  rate?: number | null;",
        '  kind?: "x";',
        '  ref?: components["schemas"]["Moment"];',
        '  "odd-name"?: string | null;',
        "}",
      ].join("\n"),
    );
    expect(schemaType({ type: "object", additionalProperties: { type: "number" } })).toBe(
      "{\n  [key: string]: number;\n}",
    );
    expect(() => schemaType({ $ref: "https://elsewhere" })).toThrow(/Unsupported \$ref/);
    // A union of objects inside an array is parenthesised; a "|" inside a string literal is not a union.
    expect(
      schemaType({
        type: "array",
        items: { anyOf: [{ type: "object", properties: { a: { const: "x|y" } } }, { type: "null" }] },
      }),
    ).toBe('({\n  a?: "x|y";\n} | null)[]');
    expect(schemaType({ type: "array", items: { const: "x|y" } })).toBe('"x|y"[]');
  });
});
