/**
 * The console's serving and sessions on the local stack, over HTTP: its page and hashed assets with
 * their caching and CSP, the admin key exchanged for an HttpOnly cookie that the admin API accepts,
 * CSRF-checked writes, and sign-out ending the session server-side.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.js";
import { sharedLocalStack } from "../support/shared-stack.js";

let stack: LocalStack;

beforeAll(async () => {
  stack = await sharedLocalStack();
});

afterAll(async () => {
  await stack?.stop();
});

const url = (path: string) => new URL(path, stack.apiUrl);

async function signIn(adminKey: string) {
  return fetch(url("/console/session"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ adminKey }),
  });
}

/** The cookie pair ("moments_session=…") of a Set-Cookie header. */
const cookieOf = (response: Response) => (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

describe("the console's page and assets", () => {
  it("serves its page for every console path (a trailing slash too), never cached, with a strict CSP and hashed assets cached for good", async () => {
    for (const path of [
      "/console",
      "/console/",
      "/console/moments/abc",
      "/console/moments/abc/",
      "/console/sources",
    ]) {
      const page = await fetch(url(path));
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("cache-control")).toBe("no-cache");
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await page.text();
      expect(html).not.toMatch(/<script>|<style|style=/);
      const script = /<script type="module" src="(\/console\/assets\/app-[A-Z0-9]+\.js)">/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(url(script ?? ""));
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    expect((await fetch(url("/console/assets/app-NOPE.js"))).status).toBe(404);
  });
});

describe("console sessions", () => {
  it("exchanges an admin key for an HttpOnly, SameSite=Strict cookie with an expiry that the admin API accepts", async () => {
    const response = await signIn(stack.adminKey);
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^moments_session=[A-Za-z0-9_-]{32}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toMatch(/Max-Age=604800/);
    // Plain http on localhost: a Secure cookie would never come back.
    expect(setCookie).not.toContain("Secure");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ workspaceId: stack.workspaceId, endsAt: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain(stack.adminKey);

    const moments = await fetch(url("/v1/admin/moments"), { headers: { cookie: cookieOf(response) } });
    expect(moments.status).toBe(200);
  });

  it("refuses an unknown key with the API's error body, and a missing one naming the field", async () => {
    const unknown = await signIn("mk_admin_nope");
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("set-cookie")).toBeNull();
    expect(await unknown.json()).toEqual({
      error: { code: "unauthorized", message: "Unknown or revoked admin key" },
    });
    const missing = await fetch(url("/console/session"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("adminKey");
  });

  it("accepts a cookie-authenticated write only with the CSRF header and from the API's own origin", async () => {
    const cookie = cookieOf(await signIn(stack.adminKey));
    const create = (headers: Record<string, string>) =>
      fetch(url("/v1/admin/sources"), {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ name: "From the console" }),
      });
    const noHeader = await create({});
    expect(noHeader.status).toBe(403);
    expect(((await noHeader.json()) as { error: { code: string } }).error.code).toBe("csrf_check_failed");
    const crossSite = await create({ "x-moments-console": "1", origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    const host = new URL(stack.apiUrl).host;
    expect((await create({ "x-moments-console": "1", origin: `http://${host}` })).status).toBe(201);
    // Reads need no CSRF header; a bearer key needs none either.
    expect((await fetch(url("/v1/admin/sources"), { headers: { cookie } })).status).toBe(200);
  });

  it("ends the session server-side on sign-out: the same cookie no longer works", async () => {
    const cookie = cookieOf(await signIn(stack.adminKey));
    const refused = await fetch(url("/console/session"), { method: "DELETE", headers: { cookie } });
    expect(refused.status).toBe(403);
    const out = await fetch(url("/console/session"), {
      method: "DELETE",
      headers: { cookie, "x-moments-console": "1" },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    const after = await fetch(url("/v1/admin/moments"), { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/sign in again/);
  });

  it("ends a session when the admin key it was opened with is revoked", async () => {
    const bearer = { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" };
    const issued = (await (
      await fetch(url("/v1/admin/admin-keys"), { method: "POST", headers: bearer })
    ).json()) as { id: string; adminKey: string };
    const cookie = cookieOf(await signIn(issued.adminKey));
    expect((await fetch(url("/v1/admin/moments"), { headers: { cookie } })).status).toBe(200);
    await fetch(url(`/v1/admin/admin-keys/${issued.id}`), { method: "DELETE", headers: bearer });
    expect((await fetch(url("/v1/admin/moments"), { headers: { cookie } })).status).toBe(401);
  });
});
