import { describe, expect, it } from "vitest";
import { isLocalHost, sessionCookie, sessionTokenFrom } from "../../../shared/domain/console-session.js";

describe("console session cookies", () => {
  it("are Secure everywhere but plain-http localhost", () => {
    expect(sessionCookie("tok", "abc.execute-api.eu-west-1.amazonaws.com")).toBe(
      "moments_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800; Secure",
    );
    expect(sessionCookie("tok", "127.0.0.1:3000")).not.toContain("Secure");
    expect(isLocalHost("localhost:5173")).toBe(true);
    expect(isLocalHost("localhost.evil.example")).toBe(false);
    expect(isLocalHost(undefined)).toBe(false);
  });

  it("expire at once when a session ends", () => {
    expect(sessionCookie(undefined, "console.acme.com")).toMatch(/^moments_session=; .*Max-Age=0; Secure$/);
  });

  it("are read from a Cookie header among others, and malformed tokens are no token", () => {
    expect(sessionTokenFrom("a=1; moments_session=AbC_-9; b=2")).toBe("AbC_-9");
    expect(sessionTokenFrom("moments_session=<script>")).toBeUndefined();
    expect(sessionTokenFrom("other=1")).toBeUndefined();
    expect(sessionTokenFrom(undefined)).toBeUndefined();
  });
});
