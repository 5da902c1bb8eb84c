/**
 * The SSRF-guarded client against real local servers. The guard's policy here lets exactly
 * 127.0.0.1 through (standing in for "the public internet", which tests cannot reach) and refuses
 * everything else as production does; host names resolve through an injected resolver, so a test
 * decides what DNS answers, and when.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GuardedHttpClient, type Resolver } from "../../../shared/adapters/guarded-http-client.js";
import { type AddressPolicy, networkPolicy } from "../../../shared/domain/network-policy.js";
import type { OutgoingRequest } from "../../../shared/use-cases/actions/webhook.js";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../../support/fake-webhook-receiver.js";

const strict = networkPolicy({ allowLoopback: false });
const publicStandIn: AddressPolicy = (address) => (address === "127.0.0.1" ? undefined : strict(address));

let receiver: FakeWebhookReceiver;
let dns: Map<string, string[]>;
let lookups: string[];
const resolver: Resolver = async (hostname) => {
  lookups.push(hostname);
  const addresses = dns.get(hostname);
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  receiver = await startFakeWebhookReceiver();
  stops.push(receiver.stop);
  dns = new Map([
    ["hooks.example.com", ["127.0.0.1"]],
    ["other.example.net", ["127.0.0.1"]],
  ]);
  lookups = [];
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function client(options: Partial<ConstructorParameters<typeof GuardedHttpClient>[0]> = {}) {
  return new GuardedHttpClient({ policy: publicStandIn, resolve: resolver, ...options });
}

const at = (path: string, host = "hooks.example.com", port = receiver.port) =>
  new URL(`http://${host}:${port}${path}`);

function post(url: URL, extra: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return {
    method: "POST",
    url,
    headers: { "user-agent": "Moments-Webhooks/1", "content-type": "application/json" },
    body: '{"hello":"world"}',
    ...extra,
  };
}

async function listen(handler: Parameters<typeof createServer>[1], host = "127.0.0.1"): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return server;
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe("GuardedHttpClient: sending", () => {
  it("sends the method, path, query, headers and body, and answers with the status and body", async () => {
    receiver.respondNext(1, { status: 201, body: "created" });
    const result = await client().send(
      post(at("/hooks/in?source=moments"), { targetHeaders: () => ({ authorization: "Bearer t0ken" }) }),
    );

    expect(result).toEqual({ kind: "response", status: 201, body: "created", redirects: 0 });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]).toMatchObject({
      method: "POST",
      path: "/hooks/in",
      query: { source: "moments" },
      body: '{"hello":"world"}',
      headers: expect.objectContaining({
        host: `hooks.example.com:${receiver.port}`,
        "user-agent": "Moments-Webhooks/1",
        "content-type": "application/json",
        "content-length": "17",
        authorization: "Bearer t0ken",
      }),
    });
  });

  it("reads at most maxBodyBytes of a response and does not wait for the rest", async () => {
    const server = await listen((_req, res) => {
      res.writeHead(400, { "content-type": "text/plain" });
      res.write("x".repeat(64 * 1024));
      // The rest never comes: the read must not wait for it.
    });
    const started = Date.now();
    const result = await client({ maxBodyBytes: 1024, timeoutMs: 5_000 }).send(
      post(new URL(`http://127.0.0.1:${portOf(server)}/`)),
    );

    expect(result).toMatchObject({ kind: "response", status: 400 });
    expect(result.kind === "response" && result.body.length).toBe(1024);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("gives up after timeoutMs when no response comes, as a retryable failure", async () => {
    const server = await listen(() => {
      // Accepts the request and never answers.
    });
    const started = Date.now();
    const result = await client({ timeoutMs: 300 }).send(
      post(new URL(`http://127.0.0.1:${portOf(server)}/`)),
    );

    expect(result).toEqual({
      kind: "failed",
      host: "127.0.0.1",
      reason: "no response within 0.3 s",
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("keeps the status it got when the body stalls past the deadline", async () => {
    const server = await listen((_req, res) => {
      res.writeHead(503);
      res.write("overloaded, ");
    });
    const result = await client({ timeoutMs: 300 }).send(
      post(new URL(`http://127.0.0.1:${portOf(server)}/`)),
    );

    expect(result).toMatchObject({ kind: "response", status: 503, body: "overloaded, " });
  });

  it("reports a refused connection and a name that does not resolve as retryable failures", async () => {
    const server = await listen(() => undefined);
    const port = portOf(server);
    await stops.pop()?.();
    expect(await client().send(post(new URL(`http://127.0.0.1:${port}/`)))).toEqual({
      kind: "failed",
      host: "127.0.0.1",
      reason: "connection refused (ECONNREFUSED)",
      retryable: true,
    });
    expect(await client().send(post(at("/", "nowhere.example.org")))).toEqual({
      kind: "failed",
      host: "nowhere.example.org",
      reason: "host not found (ENOTFOUND)",
      retryable: true,
    });
  });
});

/** A throwaway self-signed certificate, or undefined where openssl is missing. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "guarded-http-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
      ].concat([
        "-subj",
        "/CN=hooks.example.com",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const certificate = selfSignedCertificate();

describe("GuardedHttpClient: TLS", () => {
  it.skipIf(certificate === undefined)(
    "refuses a certificate it cannot verify, as a failure retrying will not fix",
    async () => {
      const server = createHttpsServer(certificate ?? {}, (_req, res) => res.end("ok"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

      const result = await client().send(post(new URL(`https://hooks.example.com:${portOf(server)}/`)));
      expect(result).toEqual({
        kind: "failed",
        host: "hooks.example.com",
        reason: "TLS certificate rejected (DEPTH_ZERO_SELF_SIGNED_CERT)",
        retryable: false,
      });
    },
  );
});

describe("GuardedHttpClient: the address guard", () => {
  it("refuses a blocked IP literal before connecting", async () => {
    const strictClient = new GuardedHttpClient({ policy: strict, resolve: resolver });
    for (const [url, address, category] of [
      [receiver.url, "127.0.0.1", "loopback"],
      [`http://[::1]:${receiver.port}/`, "::1", "loopback"],
      [`http://[::ffff:127.0.0.1]:${receiver.port}/`, "::ffff:7f00:1", "loopback"],
      ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "metadata"],
      ["http://10.0.0.1/", "10.0.0.1", "private"],
      ["http://0.0.0.0/", "0.0.0.0", "unspecified"],
      // The URL parser normalizes the numeric forms first: 2130706433 is 127.0.0.1.
      [`http://2130706433:${receiver.port}/`, "127.0.0.1", "loopback"],
    ] as const) {
      expect(await strictClient.send(post(new URL(url)))).toEqual({
        kind: "blocked",
        host: address,
        address,
        category,
        redirects: 0,
      });
    }
    expect(receiver.requests).toEqual([]);
    expect(lookups).toEqual([]);
  });

  it("refuses a host name that resolves to a private address, at connect time", async () => {
    dns.set("intranet.example.com", ["10.1.2.3"]);
    const result = await client().send(post(at("/", "intranet.example.com")));

    expect(result).toEqual({
      kind: "blocked",
      host: "intranet.example.com",
      address: "10.1.2.3",
      category: "private",
      redirects: 0,
    });
    expect(lookups).toEqual(["intranet.example.com"]);
  });

  it("refuses a host name if any of its addresses is blocked, even when another is allowed", async () => {
    dns.set("mixed.example.com", ["127.0.0.1", "169.254.169.254"]);
    const result = await client().send(post(at("/", "mixed.example.com")));

    expect(result).toMatchObject({ kind: "blocked", address: "169.254.169.254", category: "metadata" });
    expect(receiver.requests).toEqual([]);
  });

  it("checks the addresses of every connection, so a DNS answer that changes cannot slip through", async () => {
    dns.set("rebind.example.com", ["127.0.0.1"]);
    const first = await client().send(post(at("/", "rebind.example.com")));
    dns.set("rebind.example.com", ["::ffff:127.0.0.2"]);
    const second = await client().send(post(at("/", "rebind.example.com")));

    expect(first).toMatchObject({ kind: "response", status: 204 });
    expect(second).toMatchObject({ kind: "blocked", address: "::ffff:127.0.0.2", category: "loopback" });
    expect(receiver.requests).toHaveLength(1);
    expect(lookups).toEqual(["rebind.example.com", "rebind.example.com"]);
  });

  it("lets loopback through with the opt-in, to any name that resolves there", async () => {
    dns.set("localhost", ["::1", "127.0.0.1"]);
    const local = new GuardedHttpClient({
      policy: networkPolicy({ allowLoopback: true }),
      resolve: resolver,
    });
    const result = await local.send(post(new URL(`http://localhost:${receiver.port}/`)));

    expect(result).toMatchObject({ kind: "response", status: 204 });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe("GuardedHttpClient: redirects", () => {
  it("refuses a redirect to a blocked address, and the server there gets nothing", async () => {
    const internal = await startFakeWebhookReceiver({ host: "127.0.0.2" });
    stops.push(internal.stop);
    receiver.respondOn("/moved", { status: 307, headers: { location: `${internal.url}/admin` } });
    const result = await client().send(post(at("/moved")));

    expect(result).toEqual({
      kind: "blocked",
      host: "127.0.0.2",
      address: "127.0.0.2",
      category: "loopback",
      redirects: 1,
    });
    expect(receiver.requestsTo("/moved")).toHaveLength(1);
    expect(internal.requests).toEqual([]);
  });

  it("refuses a redirect to the metadata address and to a name that resolves privately", async () => {
    dns.set("internal.example.com", ["192.168.0.10"]);
    receiver.respondOn("/to-metadata", {
      status: 302,
      headers: { location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" },
    });
    receiver.respondOn("/to-internal", {
      status: 308,
      headers: { location: "http://internal.example.com/" },
    });

    expect(await client().send(post(at("/to-metadata")))).toMatchObject({
      kind: "blocked",
      category: "metadata",
      redirects: 1,
    });
    expect(await client().send(post(at("/to-internal")))).toMatchObject({
      kind: "blocked",
      host: "internal.example.com",
      category: "private",
      redirects: 1,
    });
  });

  it("follows up to 3 redirects and answers the 4th redirect itself", async () => {
    for (const hop of [1, 2, 3, 4])
      receiver.respondOn(`/r${hop}`, { status: 302, headers: { location: `/r${hop + 1}` } });
    receiver.respondOn("/r5", { status: 200, body: "done" });

    const result = await client().send({ ...post(at("/r1")), method: "PUT" });
    expect(result).toMatchObject({
      kind: "response",
      status: 302,
      redirects: 3,
      unfollowed: "redirect_limit",
    });
    expect(receiver.requests.map((r) => r.path)).toEqual(["/r1", "/r2", "/r3", "/r4"]);

    const short = await client().send({ ...post(at("/r3")), method: "PUT" });
    expect(short).toMatchObject({ kind: "response", status: 200, body: "done", redirects: 2 });
  });

  it("does not follow a redirect to a location that is not http(s)", async () => {
    receiver.respondOn("/ftp", { status: 301, headers: { location: "ftp://files.example.com/" } });
    expect(await client().send(post(at("/ftp")))).toMatchObject({
      kind: "response",
      status: 301,
      unfollowed: "bad_location",
    });
  });

  it("turns a POST into a bodiless GET on 303, and keeps method and body on 307", async () => {
    receiver.respondOn("/see-other", { status: 303, headers: { location: "/result" } });
    receiver.respondOn("/temporary", { status: 307, headers: { location: "/elsewhere" } });
    const signedBodies: string[] = [];
    const request = (path: string) =>
      post(at(path), {
        targetHeaders: (hop) => {
          signedBodies.push(`${hop.method} ${hop.body}`);
          return { "webhook-signature": `sig-of:${hop.body}` };
        },
      });

    await client().send(request("/see-other"));
    const [, result] = receiver.requests;
    expect(result).toMatchObject({ method: "GET", path: "/result", body: "" });
    expect(result?.headers["content-type"]).toBeUndefined();
    expect(result?.headers["webhook-signature"]).toBe("sig-of:");

    await client().send(request("/temporary"));
    const elsewhere = receiver.requestsTo("/elsewhere")[0];
    expect(elsewhere).toMatchObject({ method: "POST", body: '{"hello":"world"}' });
    expect(elsewhere?.headers["content-type"]).toBe("application/json");
    expect(signedBodies).toEqual([
      'POST {"hello":"world"}',
      "GET ",
      'POST {"hello":"world"}',
      'POST {"hello":"world"}',
    ]);
  });

  it("never sends the target's own headers (credentials, signature) to another host", async () => {
    const other = await startFakeWebhookReceiver();
    stops.push(other.stop);
    receiver.respondOn("/away", {
      status: 307,
      headers: { location: `http://other.example.net:${other.port}/in` },
    });
    receiver.respondOn("/other-port", {
      status: 308,
      headers: { location: `http://hooks.example.com:${other.port}/in` },
    });
    const request = (path: string) =>
      post(at(path), {
        targetHeaders: () => ({ authorization: "Bearer t0ken", "webhook-signature": "v1,abc" }),
      });

    await client().send(request("/away"));
    await client().send(request("/other-port"));

    expect(other.requests).toHaveLength(2);
    for (const forwarded of other.requests) {
      expect(forwarded.headers.authorization).toBeUndefined();
      expect(forwarded.headers["webhook-signature"]).toBeUndefined();
      // What describes the request still goes along.
      expect(forwarded.headers["user-agent"]).toBe("Moments-Webhooks/1");
      expect(forwarded.body).toBe('{"hello":"world"}');
    }
  });
});
