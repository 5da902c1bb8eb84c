/**
 * The parts of http-exchange.ts that are pure rules. The request itself (written or not, TLS
 * handshake, timeouts, cut-short bodies) is exercised through both of its clients against real
 * sockets: test/unit/adapters/{slack,attio}-client.test.ts.
 */
import { describe, expect, it } from "vitest";
import { retryAfterMs, waitsInline } from "../../../shared/adapters/http-exchange.js";

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-21T10:00:00.000Z");

  it("reads an HTTP date against the caller's clock, seconds, and falls back to one second", () => {
    expect(retryAfterMs("Sat, 21 Nov 2026 10:00:02 GMT", now)).toBe(2_000);
    expect(retryAfterMs("Sat, 21 Nov 2026 09:59:58 GMT", now)).toBe(0);
    expect(retryAfterMs("3", now)).toBe(3_000);
    expect(retryAfterMs("0.5", now)).toBe(500);
    expect(retryAfterMs(undefined, now)).toBe(1_000);
    expect(retryAfterMs("soon", now)).toBe(1_000);
  });

  it("takes a missing header as fetch reports it (null) and an empty one as one second", () => {
    expect(retryAfterMs(null, now)).toBe(1_000);
    expect(retryAfterMs(" ", now)).toBe(1_000);
  });
});

describe("waitsInline", () => {
  it("waits once, and only for a Retry-After the caller can afford", () => {
    expect(waitsInline(0, 2_000, 3_000)).toBe(true);
    expect(waitsInline(0, 3_000, 3_000)).toBe(true);
    expect(waitsInline(0, 3_001, 3_000)).toBe(false);
    expect(waitsInline(1, 0, 3_000)).toBe(false);
  });

  it("makes no second attempt at all when it may not wait, not even for Retry-After: 0", () => {
    expect(waitsInline(0, 0, 0)).toBe(false);
  });
});
