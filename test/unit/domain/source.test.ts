import { describe, expect, it } from "vitest";
import { sourceInputSchema, sourcePatchSchema, toSourceView } from "../../../shared/domain/source.js";
import { aSource } from "../../support/fakes.js";

describe("sourceInputSchema", () => {
  it("defaults allowedDomains to none and the subject to accounts", () => {
    expect(sourceInputSchema.parse({ name: "Web app" })).toEqual({
      name: "Web app",
      allowedDomains: [],
      subject: "account",
      requireUserToken: true,
    });
  });

  it("takes consumer mode (each person is an account) and nothing else", () => {
    expect(sourceInputSchema.parse({ name: "Shop", subject: "user" }).subject).toBe("user");
    expect(sourceInputSchema.safeParse({ name: "Shop", subject: "person" }).success).toBe(false);
  });

  it.each(["app.acme.com", "*.acme.com", "localhost", "localhost:3000", "xn--caf-dma.fr", "*.acme.com:8443"])(
    "accepts the domain %s",
    (domain) => {
      expect(sourceInputSchema.safeParse({ name: "Web", allowedDomains: [domain] }).success).toBe(true);
    },
  );

  it("stores domains trimmed and lower-cased (hosts are case-insensitive)", () => {
    expect(
      sourceInputSchema.parse({ name: "Web", allowedDomains: [" App.Acme.COM "] }).allowedDomains,
    ).toEqual(["app.acme.com"]);
  });

  it.each([
    "https://acme.com",
    "acme.com/path",
    "*.*.acme.com",
    "app.*.com",
    "-acme.com",
    "acme..com",
    "",
    "*",
  ])("refuses the domain %j", (domain) => {
    expect(sourceInputSchema.safeParse({ name: "Web", allowedDomains: [domain] }).success).toBe(false);
  });

  it("refuses unknown fields", () => {
    expect(sourceInputSchema.safeParse({ name: "Web", writeKey: "mk_write_x" }).success).toBe(false);
  });

  it("refuses more than 50 domains", () => {
    const allowedDomains = Array.from({ length: 51 }, (_, i) => `app${i}.acme.com`);
    expect(sourceInputSchema.safeParse({ name: "Web", allowedDomains }).success).toBe(false);
  });
});

describe("sourcePatchSchema", () => {
  it.each([[{ name: "Web" }], [{ allowedDomains: [] }], [{ name: "Web", allowedDomains: ["*.acme.com"] }]])(
    "accepts %j",
    (patch) => {
      expect(sourcePatchSchema.safeParse(patch).success).toBe(true);
    },
  );

  it.each([[{}], [{ id: "x" }], [{ name: null }], [{ allowedDomains: "acme.com" }]])(
    "refuses %j",
    (patch) => {
      expect(sourcePatchSchema.safeParse(patch).success).toBe(false);
    },
  );
});

describe("toSourceView", () => {
  it("shows no workspace, and createdAt as updatedAt for a source never changed; a source from before identity verification requires no token and has no secret", () => {
    const view = toSourceView(aSource({ id: "src_1", createdAt: "2026-11-01T00:00:00.000Z" }));

    expect(view).toEqual({
      id: "src_1",
      name: "Web app",
      allowedDomains: [],
      subject: "account",
      requireUserToken: false,
      createdAt: "2026-11-01T00:00:00.000Z",
      updatedAt: "2026-11-01T00:00:00.000Z",
    });
  });
});
