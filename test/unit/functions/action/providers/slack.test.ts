/**
 * The time a send_slack step may take at worst, from the limits the wiring gives the Slack client:
 * one round of lookups (side by side), then one post, each at most its timeout, one inline
 * Retry-After wait and its timeout again (test/unit/adapters/slack-client.test.ts shows the client
 * never makes a third attempt, nor a second one when it may not wait).
 */
import { describe, expect, it } from "vitest";
import { SLACK_LIMITS } from "../../../../../functions/action/providers/slack.js";

/** One call at worst: a timeout, and with an inline wait allowed, the wait and a second timeout. */
const callMs = (timeoutMs: number, maxRetryAfterMs: number) =>
  maxRetryAfterMs > 0 ? timeoutMs + maxRetryAfterMs + timeoutMs : timeoutMs;

const worstCaseMs = ({ requestTimeoutMs, postTimeoutMs, maxRetryAfterMs }: (typeof SLACK_LIMITS)["step"]) =>
  callMs(requestTimeoutMs, maxRetryAfterMs) + callMs(postTimeoutMs, maxRetryAfterMs);

describe("Slack's limits", () => {
  it("keep a step within 25 s of the action function's 30 s", () => {
    expect(worstCaseMs(SLACK_LIMITS.step)).toBeLessThanOrEqual(25_000);
  });

  it("keep a test send within 10 s of the admin function's 15 s, with no inline wait", () => {
    expect(SLACK_LIMITS.interactive.maxRetryAfterMs).toBe(0);
    expect(worstCaseMs(SLACK_LIMITS.interactive)).toBeLessThanOrEqual(10_000);
  });

  it("give a post longer than a lookup: a post that times out fails for good", () => {
    for (const limits of Object.values(SLACK_LIMITS)) {
      expect(limits.postTimeoutMs).toBeGreaterThan(limits.requestTimeoutMs);
    }
  });
});
