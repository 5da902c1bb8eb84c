/**
 * The time a create_attio_task step may take at worst, from the limits the wiring gives the Attio
 * client: a lookup of its task when it is in doubt (its pages, each at most its timeout, never an
 * inline wait), then one create, at most its timeout, one inline Retry-After wait and its timeout
 * again (test/unit/adapters/attio-client.test.ts shows the client never makes a third attempt, nor
 * a second one when it may not wait, and never waits inline during a lookup).
 */
import { describe, expect, it } from "vitest";
import { ATTIO_LIMITS } from "../../../../../functions/action/providers/attio.js";

const worstCaseMs = ({
  requestTimeoutMs,
  maxRetryAfterMs,
  lookupTimeoutMs,
  lookupPages,
}: (typeof ATTIO_LIMITS)["step"]) =>
  lookupPages * lookupTimeoutMs +
  (maxRetryAfterMs > 0 ? requestTimeoutMs + maxRetryAfterMs + requestTimeoutMs : requestTimeoutMs);

describe("Attio's limits", () => {
  it("keep a step within 25 s of the action function's 30 s", () => {
    expect(worstCaseMs(ATTIO_LIMITS.step)).toBeLessThanOrEqual(25_000);
  });

  it("let a step in doubt look its task up through two pages of the linked record's tasks", () => {
    expect(ATTIO_LIMITS.step.lookupPages).toBeGreaterThanOrEqual(2);
  });

  it("keep a test send within 10 s of the admin function's 15 s, with no inline wait", () => {
    expect(ATTIO_LIMITS.interactive.maxRetryAfterMs).toBe(0);
    expect(worstCaseMs(ATTIO_LIMITS.interactive)).toBeLessThanOrEqual(10_000);
  });
});
