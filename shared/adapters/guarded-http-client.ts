import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { AddressPolicy, BlockedCategory } from "../domain/network-policy.js";
import type { HttpExchange, OutgoingHttp, OutgoingRequest } from "../use-cases/actions/webhook.js";

/** Every address a host name resolves to (the system resolver by default; tests inject one). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface GuardedHttpClientOptions {
  /** Which addresses may be connected to: checked for every address of every hop, at connect time. */
  policy: AddressPolicy;
  resolve?: Resolver;
  /** For the whole exchange: every hop, and reading the response. */
  timeoutMs?: number;
  maxRedirects?: number;
  /** Read of a response body; the rest is dropped (an error text needs 200 characters). */
  maxBodyBytes?: number;
}

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body: dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = /^content-/i;

/** A refusal raised inside the connect-time lookup, carried out through the socket's error. */
class BlockedAddressError extends Error {
  override readonly name = "BlockedAddressError";
  constructor(
    readonly host: string,
    readonly address: string,
    readonly category: BlockedCategory,
  ) {
    super(`${host} resolves to a blocked address`);
  }
}

interface Hop {
  method: string;
  url: URL;
  body: string | undefined;
  headers: Record<string, string>;
  /** Whether this hop is still the original target (credential and signature headers go there only). */
  atTarget: boolean;
}

/**
 * HTTP(S) requests to addresses an admin typed in, guarded against server-side request forgery.
 *
 * The guard sits where the address is used, not before: node:http is given a `lookup` that resolves
 * the host, refuses it if ANY address it resolves to is refused by the policy, and otherwise hands
 * those same addresses to the socket. A DNS answer that changes between a check and the connect
 * (rebinding) therefore cannot slip through, and neither can a host that mixes a public address
 * with a private one. IP literals, which node connects to without a lookup, are checked before the
 * request starts. Redirects are followed by hand, each hop through the same guard; the original
 * target's own headers (credentials, signatures) never go to another host. No connection is
 * reused (`agent: false`): a pooled socket opened by other code would skip the check.
 */
export class GuardedHttpClient implements OutgoingHttp {
  private readonly policy: AddressPolicy;
  private readonly resolve: Resolver;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly maxBodyBytes: number;

  constructor(options: GuardedHttpClientOptions) {
    this.policy = options.policy;
    this.resolve = options.resolve ?? systemResolver;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRedirects = options.maxRedirects ?? 3;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  }

  async send(request: OutgoingRequest): Promise<HttpExchange> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const target = request.url;
    let hop: Hop = {
      method: request.method,
      url: request.url,
      body: request.body,
      headers: request.headers,
      atTarget: true,
    };
    for (let redirects = 0; ; redirects++) {
      const headers = {
        ...hop.headers,
        ...(hop.atTarget ? request.targetHeaders?.({ method: hop.method, body: hop.body ?? "" }) : {}),
      };
      const exchange = await this.exchange(hop, headers, signal);
      if (exchange.kind !== "response") {
        return exchange.kind === "blocked" ? { ...exchange, redirects } : exchange;
      }
      const response = { ...exchange, redirects };
      if (!REDIRECTS.has(exchange.status)) return response;
      const location =
        exchange.location === undefined ? undefined : parseLocation(exchange.location, hop.url);
      if (location === undefined) return { ...response, unfollowed: "bad_location" };
      if (redirects >= this.maxRedirects) return { ...response, unfollowed: "redirect_limit" };
      hop = nextHop(hop, exchange.status, location, target);
    }
  }

  /** One request and its response, or why there is none. Never throws. */
  private exchange(
    hop: Hop,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<
    | { kind: "response"; status: number; body: string; retryAfter?: string; location?: string }
    | { kind: "blocked"; host: string; address: string; category: BlockedCategory }
    | { kind: "failed"; host: string; reason: string; retryable: boolean }
  > {
    const host = hop.url.hostname.replace(/^\[(.*)\]$/, "$1");
    if (isIP(host) !== 0) {
      const category = this.policy(host);
      if (category !== undefined) return Promise.resolve({ kind: "blocked", host, address: host, category });
    }
    if (signal.aborted) return Promise.resolve(timedOut(host, this.timeoutMs));
    return new Promise((resolve) => {
      let req: ClientRequest;
      // Once a status has arrived the outcome is known: a later error (the deadline cutting a
      // stalled body) must not turn it into a failure.
      let responded = false;
      const options = {
        method: hop.method,
        hostname: host,
        port: hop.url.port || (hop.url.protocol === "https:" ? 443 : 80),
        path: `${hop.url.pathname}${hop.url.search}`,
        headers,
        agent: false as const,
        lookup: this.guardedLookup(),
        signal,
      };
      try {
        req = hop.url.protocol === "https:" ? httpsRequest(options) : httpRequest(options);
      } catch (error) {
        // Node validates headers and methods synchronously; the use case checked them already.
        resolve({ kind: "failed", host, reason: `invalid request (${errorCode(error)})`, retryable: false });
        return;
      }
      req.on("error", (error) => {
        if (responded) return;
        if (error instanceof BlockedAddressError) {
          resolve({ kind: "blocked", host, address: error.address, category: error.category });
        } else if (signal.aborted) {
          resolve(timedOut(host, this.timeoutMs));
        } else {
          resolve({ kind: "failed", host, ...describeFailure(error) });
        }
      });
      req.on("response", (res) => {
        responded = true;
        void readBounded(res, this.maxBodyBytes, signal).then((body) =>
          resolve({
            kind: "response",
            status: res.statusCode ?? 0,
            body,
            ...(typeof res.headers["retry-after"] === "string"
              ? { retryAfter: res.headers["retry-after"] }
              : {}),
            ...(typeof res.headers.location === "string" ? { location: res.headers.location } : {}),
          }),
        );
      });
      req.end(hop.body);
    });
  }

  /**
   * The connect-time check: every address the host resolves to must pass, then the socket gets
   * exactly those addresses (node's happy-eyeballs connect asks for all of them).
   */
  private guardedLookup() {
    return (
      hostname: string,
      options: LookupOptions,
      callback: (
        error: NodeJS.ErrnoException | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void,
    ): void => {
      this.resolve(hostname).then(
        (addresses) => {
          for (const { address } of addresses) {
            const category = this.policy(address);
            if (category !== undefined) {
              callback(new BlockedAddressError(hostname, address, category), "");
              return;
            }
          }
          const family = options.family === 4 || options.family === 6 ? options.family : undefined;
          const usable = family === undefined ? addresses : addresses.filter((a) => a.family === family);
          const [first] = usable;
          if (first === undefined) {
            callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
          } else if (options.all) {
            callback(null, usable);
          } else {
            callback(null, first.address, first.family);
          }
        },
        (error: NodeJS.ErrnoException) => callback(error, ""),
      );
    };
  }
}

/** The next hop of a redirect, as browsers do it (the fetch standard). */
function nextHop(hop: Hop, status: number, location: URL, target: URL): Hop {
  // 303 always, and 301/302 after a POST, become a GET without the body (HEAD stays HEAD).
  const toGet =
    (status === 303 && hop.method !== "HEAD") ||
    ((status === 301 || status === 302) && hop.method === "POST");
  const keepsBody = !toGet && !(status === 303 && hop.method === "HEAD");
  const atTarget = hop.atTarget && sameTarget(target, location);
  const headers = Object.fromEntries(
    Object.entries(hop.headers).filter(([name]) => keepsBody || !BODY_HEADERS.test(name)),
  );
  return {
    method: toGet ? "GET" : hop.method,
    url: location,
    body: keepsBody ? hop.body : undefined,
    headers,
    atTarget,
  };
}

/**
 * Whether a hop still goes to the admin's target: the same host, on the same origin or upgraded
 * from http to https (a common redirect that leaks nothing). Anything else is another party.
 */
function sameTarget(target: URL, next: URL): boolean {
  if (target.hostname !== next.hostname) return false;
  return target.origin === next.origin || (target.protocol === "http:" && next.protocol === "https:");
}

function parseLocation(location: string, base: URL): URL | undefined {
  try {
    const url = new URL(location, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads at most `maxBytes` of a body. Once a status has arrived the outcome is known, so a body
 * that errors, stalls past the deadline or runs long ends the read with what came.
 */
function readBounded(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", finish);
      res.destroy();
      resolve(Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8"));
    };
    signal.addEventListener("abort", finish);
    res.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) finish();
    });
    res.on("end", finish);
    res.on("error", finish);
    res.on("close", finish);
  });
}

function timedOut(host: string, timeoutMs: number) {
  return {
    kind: "failed" as const,
    host,
    reason: `no response within ${timeoutMs / 1000} s`,
    retryable: true,
  };
}

const errorCode = (error: unknown): string =>
  (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.name : "unknown");

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EAI_FAIL: "DNS lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/**
 * Our own words for a failure, never node's message (it may quote the URL). A certificate the
 * client refuses is a configuration problem that retries within minutes will not fix.
 */
function describeFailure(error: unknown): { reason: string; retryable: boolean } {
  const code = errorCode(error);
  const known = NETWORK_FAILURES[code];
  if (known !== undefined) return { reason: `${known} (${code})`, retryable: true };
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code))
    return { reason: `TLS certificate rejected (${code})`, retryable: false };
  if (code.startsWith("HPE_")) return { reason: `invalid HTTP response (${code})`, retryable: true };
  return { reason: `request failed (${code})`, retryable: true };
}
