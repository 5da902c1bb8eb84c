/**
 * Which browser origins may send a source's events. A source lists host patterns in allowedDomains:
 *
 * - `app.acme.com` matches that host only;
 * - `*.acme.com` matches every subdomain of acme.com (`app.acme.com`, `a.b.acme.com`), not acme.com;
 * - a pattern without a port matches any port; with a port (`localhost:3000`) only that one, where
 *   the scheme's default port counts (`app.acme.com:443` matches `https://app.acme.com`).
 *
 * Hosts compare case-insensitively. Only http(s) origins can match: `null` (sandboxed frames, file
 * pages) and extension schemes never do. An empty list lets no browser in; servers send no Origin
 * and are not subject to the list at all.
 */
import { OriginNotAllowedError } from "./forbidden-error.js";

export interface ParsedOrigin {
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** The host and effective port of an Origin header, or undefined when it is not an http(s) origin. */
export function parseOrigin(origin: string): ParsedOrigin | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  // An Origin is scheme://host[:port] and nothing else; anything longer is not one.
  if (defaultPort === undefined || url.username || url.password || url.host === "") return undefined;
  if (url.pathname !== "/" || url.search || url.hash || origin.endsWith("/")) return undefined;
  return { host: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : defaultPort };
}

/** Whether one allowedDomains pattern admits a parsed origin. */
export function domainMatches(pattern: string, origin: ParsedOrigin): boolean {
  const match = /^(\*\.)?([^:]+)(?::(\d{1,5}))?$/.exec(pattern.trim().toLowerCase());
  if (!match?.[2]) return false;
  const [, wildcard, domain, port] = match;
  if (port !== undefined && Number(port) !== origin.port) return false;
  return wildcard ? origin.host.endsWith(`.${domain}`) : origin.host === domain;
}

export function isOriginAllowed(origin: string, allowedDomains: readonly string[]): boolean {
  const parsed = parseOrigin(origin);
  return parsed !== undefined && allowedDomains.some((pattern) => domainMatches(pattern, parsed));
}

/**
 * Browsers send an Origin header; servers do not. A browser may call a source's routes (send, read
 * its inbox, answer a prompt, load analytics.js's settings) only from a domain the source allows: a
 * write key shipped in a web page can be copied, the origin cannot be forged by another site's page.
 * An empty allowedDomains lets no browser in.
 */
export function assertOriginAllowed(
  owner: { allowedDomains: readonly string[] },
  origin: string | undefined,
) {
  if (origin === undefined) return;
  if (!isOriginAllowed(origin, owner.allowedDomains)) {
    throw new OriginNotAllowedError(
      `Origin ${origin.slice(0, 200)} is not in this source's allowedDomains; add its host to the source to call it from that site`,
    );
  }
}
