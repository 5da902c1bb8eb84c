import { describe, expect, it } from "vitest";
import { sourceInputSchema } from "../../../shared/domain/source.js";

describe("sourceInputSchema", () => {
  it("defaults allowedDomains to none", () => {
    expect(sourceInputSchema.parse({ name: "Web app" })).toEqual({ name: "Web app", allowedDomains: [] });
  });

  it.each(["app.acme.com", "*.acme.com", "localhost", "localhost:3000", "xn--caf-dma.fr"])(
    "accepts the domain %s",
    (domain) => {
      expect(sourceInputSchema.safeParse({ name: "Web", allowedDomains: [domain] }).success).toBe(true);
    },
  );

  it.each(["https://acme.com", "acme.com/path", "*.*.acme.com", "app.*.com", "-acme.com", "acme..com", ""])(
    "refuses the domain %j",
    (domain) => {
      expect(sourceInputSchema.safeParse({ name: "Web", allowedDomains: [domain] }).success).toBe(false);
    },
  );

  it("refuses unknown fields", () => {
    expect(sourceInputSchema.safeParse({ name: "Web", writeKey: "mk_write_x" }).success).toBe(false);
  });
});
