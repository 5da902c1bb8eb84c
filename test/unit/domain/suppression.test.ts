import { describe, expect, it } from "vitest";
import { normaliseAddress, suppressedReason } from "../../../shared/domain/suppression.js";

describe("normaliseAddress", () => {
  it("trims and lower-cases the domain, keeping the local part's case", () => {
    expect(normaliseAddress("  Ada.Lovelace@Example.COM \n")).toBe("Ada.Lovelace@example.com");
  });

  it("answers nothing for what is not an address", () => {
    expect(normaliseAddress("Ada <ada@example.com>")).toBeUndefined();
    expect(normaliseAddress("")).toBeUndefined();
  });
});

describe("suppressedReason", () => {
  it("names the reason and not the address", () => {
    expect(suppressedReason({ reason: "unsubscribed" })).toBe("suppressed: unsubscribed");
  });
});
