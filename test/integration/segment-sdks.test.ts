/**
 * The real analytics SDKs, unchanged, pointed at the local stack with one setting each:
 * `@segment/analytics-node` (`host`) and `@rudderstack/rudder-sdk-node` (`dataPlaneUrl`, gzip on as
 * by default). Their track, identify, group, page and alias calls reach the matcher for the right
 * account, and a retry after a 503 starts nothing twice. Their 300-track flushes have files of their
 * own (segment-flush-*.test.ts): the matcher's backlog of 300 would delay every test after them.
 */
import { createRequire } from "node:module";
import { Analytics } from "@segment/analytics-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

// The RudderStack SDK is CommonJS (module.exports = class).
const RudderAnalytics = createRequire(import.meta.url)("@rudderstack/rudder-sdk-node") as new (
  writeKey: string,
  options: Record<string, unknown>,
) => {
  track(message: Record<string, unknown>): void;
  identify(message: Record<string, unknown>): void;
  group(message: Record<string, unknown>): void;
  page(message: Record<string, unknown>): void;
  alias(message: Record<string, unknown>): void;
  flush(): Promise<unknown>;
};

interface AccountView {
  traits: Record<string, unknown>;
  recentEvents: Array<{ event: string; messageId: string; timestamp: string; receivedAt: string }>;
  decisions: Array<{ event: string; momentId: string; outcome: string; message: string }>;
}

let scenario: Scenario;
let trialMoment: string;

beforeAll(async () => {
  scenario = await startSharedScenario("Segment-instrumented app");
  trialMoment = await scenario.runningMoment({
    name: "Trial follow-up",
    goal: "convert",
    start: { event: "trial_ending_soon" },
    steps: [],
  });
});

afterAll(async () => {
  await scenario?.stop();
});

const account = (accountId: string) =>
  scenario.admin<AccountView>("GET", `/v1/admin/accounts/${encodeURIComponent(accountId)}`);

/** The account's view once `done` holds of it. */
const accountWhen = (accountId: string, done: (view: AccountView) => boolean, description: string) =>
  waitFor(
    async () => {
      const view = await account(accountId);
      return view.status === 200 && done(view.body) ? view.body : undefined;
    },
    { timeoutMs: 15_000, description },
  );

const startsOf = (view: AccountView, momentId: string) =>
  view.decisions.filter((d) => d.momentId === momentId && d.outcome === "started");

/** The B2B sequence every app sends: who the user is, their account, then what they do. */
async function expectB2bSequenceReached(accountId: string, anonymousId: string) {
  const view = await accountWhen(
    accountId,
    (v) =>
      startsOf(v, trialMoment).length === 1 &&
      ["trial_ending_soon", "page_viewed", "report_exported"].every((name) =>
        v.recentEvents.some((e) => e.event === name),
      ) &&
      v.traits.plan === "pro",
    `the calls of ${accountId} to reach the matcher`,
  );
  // group traits are the account's; identify traits are the user's, not the account's.
  expect(view.traits).toMatchObject({ plan: "pro", name: "Acme" });
  expect(view.traits).not.toHaveProperty("first_name");
  expect(startsOf(view, trialMoment)).toHaveLength(1);
  return { view, anonymousId };
}

describe("@segment/analytics-node, pointed at Moments with `host`", () => {
  const client = () =>
    new Analytics({
      writeKey: scenario.writeKey,
      host: scenario.stack.apiUrl,
      flushInterval: 20,
      maxRetries: 3,
    });

  it("sends identify, group, track, page and alias; each reaches the matcher for the group's account", async () => {
    const analytics = client();
    const accountId = unique("acct-seg");
    const userId = unique("user-seg");
    const anonymousId = unique("anon-seg");
    analytics.identify({ userId, traits: { first_name: "Ada", email: "ada@example.com" } });
    analytics.group({ userId, groupId: accountId, traits: { plan: "pro", name: "Acme" } });
    analytics.track({ userId, event: "trial_ending_soon", properties: { days_left: 3 } });
    analytics.page({ userId, name: "Pricing", properties: { path: "/pricing" } });
    analytics.alias({ previousId: anonymousId, userId });
    // A visitor's event, after the alias linked them to the user: the user's account.
    analytics.track({ anonymousId, event: "report_exported" });
    await analytics.closeAndFlush();

    await expectB2bSequenceReached(accountId, anonymousId);
    const debug = await scenario.admin<{ counts: { accepted: number; rejected: number } }>(
      "GET",
      `/v1/admin/sources/${scenario.sourceId}/debugger`,
    );
    expect(debug.body.counts.rejected).toBe(0);
  });

  it("keeps a historical timestamp given to the SDK, moved only by the server clock's error", async () => {
    // analytics-node sends the timestamp it was given with the batch's sentAt (its own clock): the
    // correction is the server's clock error, here the same clock, so at most the request's latency.
    const analytics = client();
    const accountId = unique("acct-seg-hist");
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    analytics.track({
      userId: "u",
      event: "report_exported",
      context: { groupId: accountId },
      messageId: `${accountId}-m`,
      timestamp: twoDaysAgo,
    });
    await analytics.closeAndFlush();

    const view = await accountWhen(
      accountId,
      (v) => v.recentEvents.some((e) => e.messageId === `${accountId}-m`),
      "the historical track to be recorded",
    );
    const recorded = view.recentEvents.find((e) => e.messageId === `${accountId}-m`);
    const moved = Date.parse(recorded?.timestamp ?? "") - twoDaysAgo.getTime();
    expect(moved).toBeGreaterThanOrEqual(0);
    expect(moved).toBeLessThan(5_000);
  });

  it("starts the moment exactly once when the SDK retries a batch answered 503 after it was processed", async () => {
    const analytics = client();
    const accountId = unique("acct-retry");
    scenario.stack.failNextResponse("/v1/batch");
    const responses: number[] = [];
    analytics.on("http_request", () => responses.push(0));
    analytics.track({ userId: "u", event: "trial_ending_soon", context: { groupId: accountId } });
    await analytics.closeAndFlush();

    expect(responses.length).toBe(2);
    const view = await accountWhen(
      accountId,
      (v) => v.decisions.some((d) => d.outcome === "skipped" && /already processed/.test(d.message)),
      "the retried track to be recognised as a duplicate",
    );
    expect(startsOf(view, trialMoment)).toHaveLength(1);
  });
});

describe("@rudderstack/rudder-sdk-node, pointed at Moments with `dataPlaneUrl` (gzip on)", () => {
  const client = (options: Record<string, unknown> = {}) =>
    new RudderAnalytics(scenario.writeKey, {
      dataPlaneUrl: scenario.stack.apiUrl,
      flushInterval: 20,
      logLevel: "error",
      ...options,
    });

  it("sends identify, group, track, page and alias; each reaches the matcher for the group's account", async () => {
    const analytics = client();
    const accountId = unique("acct-rs");
    const userId = unique("user-rs");
    const anonymousId = unique("anon-rs");
    analytics.identify({ userId, traits: { first_name: "Ada" } });
    analytics.group({ userId, groupId: accountId, traits: { plan: "pro", name: "Acme" } });
    analytics.track({ userId, event: "trial_ending_soon", properties: { days_left: 3 } });
    analytics.page({ userId, name: "Pricing" });
    analytics.alias({ previousId: anonymousId, userId });
    analytics.track({ anonymousId, event: "report_exported" });
    await analytics.flush();

    await expectB2bSequenceReached(accountId, anonymousId);
  });

  it("starts the moment exactly once when the SDK retries a batch answered 503 after it was processed", async () => {
    const analytics = client({ retryCount: 2 });
    const accountId = unique("acct-rs-retry");
    scenario.stack.failNextResponse("/v1/batch");
    analytics.track({ userId: "u", event: "trial_ending_soon", context: { groupId: accountId } });
    await analytics.flush();

    const view = await accountWhen(
      accountId,
      (v) => v.decisions.some((d) => d.outcome === "skipped" && /already processed/.test(d.message)),
      "the retried track to be recognised as a duplicate",
    );
    expect(startsOf(view, trialMoment)).toHaveLength(1);
  });
});
