import { describe, expect, it } from "vitest";
import { domainMatches, isOriginAllowed, parseOrigin } from "../../../shared/domain/origin.js";

describe("isOriginAllowed", () => {
  it.each([
    // exact host
    ["https://app.acme.com", ["app.acme.com"], true],
    ["http://app.acme.com", ["app.acme.com"], true],
    ["https://APP.Acme.com", ["app.acme.com"], true],
    ["https://app.acme.com", ["APP.ACME.COM"], true],
    ["https://acme.com", ["app.acme.com"], false],
    ["https://www.app.acme.com", ["app.acme.com"], false],
    ["https://app.acme.com.evil.com", ["app.acme.com"], false],
    ["https://evilapp.acme.com", ["app.acme.com"], false],
    // wildcard: subdomains at any depth, never the apex
    ["https://app.acme.com", ["*.acme.com"], true],
    ["https://a.b.acme.com", ["*.acme.com"], true],
    ["https://acme.com", ["*.acme.com"], false],
    ["https://notacme.com", ["*.acme.com"], false],
    ["https://acme.com.evil.com", ["*.acme.com"], false],
    // ports: none in the pattern means any; a port in the pattern means that one
    ["http://localhost:3000", ["localhost"], true],
    ["http://localhost:3000", ["localhost:3000"], true],
    ["http://localhost:5173", ["localhost:3000"], false],
    ["https://app.acme.com", ["app.acme.com:443"], true],
    ["http://app.acme.com", ["app.acme.com:443"], false],
    ["https://app.acme.com:8443", ["*.acme.com:8443"], true],
    // several patterns: any may match
    ["https://shop.example.org", ["app.acme.com", "shop.example.org"], true],
    // nothing listed: no browser may send
    ["https://app.acme.com", [], false],
    // not http(s) origins
    ["null", ["app.acme.com"], false],
    ["file://", ["app.acme.com"], false],
    ["chrome-extension://abcdef", ["abcdef"], false],
    ["app.acme.com", ["app.acme.com"], false],
    ["https://app.acme.com/path", ["app.acme.com"], false],
    ["https://app.acme.com/", ["app.acme.com"], false],
    ["https://user@app.acme.com", ["app.acme.com"], false],
    ["", ["app.acme.com"], false],
  ] as const)("%s with %j -> %s", (origin, allowed, expected) => {
    expect(isOriginAllowed(origin, allowed)).toBe(expected);
  });

  it("compares internationalised hosts in their ASCII form, as browsers send them", () => {
    expect(isOriginAllowed("https://café.fr", ["xn--caf-dma.fr"])).toBe(true);
  });
});

describe("parseOrigin", () => {
  it("gives the scheme's default port when the origin names none", () => {
    expect(parseOrigin("https://app.acme.com")).toEqual({ host: "app.acme.com", port: 443 });
    expect(parseOrigin("http://app.acme.com")).toEqual({ host: "app.acme.com", port: 80 });
    expect(parseOrigin("http://localhost:8080")).toEqual({ host: "localhost", port: 8080 });
  });
});

describe("domainMatches", () => {
  it("never matches a malformed pattern", () => {
    expect(domainMatches("", { host: "app.acme.com", port: 443 })).toBe(false);
    expect(domainMatches("*.", { host: "app.acme.com", port: 443 })).toBe(false);
  });
});
