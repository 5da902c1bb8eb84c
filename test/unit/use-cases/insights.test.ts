import { beforeEach, describe, expect, it } from "vitest";
import { runResponse } from "../../../shared/contracts/api-responses.js";
import { NotFoundError } from "../../../shared/domain/errors.js";
import type { DecisionEntry } from "../../../shared/domain/insights.js";
import { jsonBytes } from "../../../shared/domain/response-budget.js";
import type { Profile } from "../../../shared/ports/profiles.js";
import {
  accountView,
  DECISIONS_LIMIT,
  listObservedEvents,
  promoteObservedEvent,
  RECENT_EVENTS_LIMIT,
  runView,
} from "../../../shared/use-cases/insights.js";
import { momentStats } from "../../../shared/use-cases/stats.js";
import {
  aMoment,
  FakeConfigRepository,
  FakeIntegrations,
  type FixedClock,
  fixedClock,
} from "../../support/fakes.js";
import { FakeInsights, FakeStats } from "../../support/fakes-insights.js";

const WS = "ws_1";
const OTHER_WS = "ws_2";
const NOW = "2026-11-21T10:00:00.000Z";

/** Profiles as the account view reads them: a lookup by account. */
class Profiles {
  readonly stored = new Map<string, Profile>();
  async get(workspaceId: string, accountId: string) {
    return this.stored.get(`${workspaceId}/${accountId}`);
  }
  put(profile: Profile) {
    this.stored.set(`${profile.workspaceId}/${profile.accountId}`, profile);
  }
}

let config: FakeConfigRepository;
let insights: FakeInsights;
let stats: FakeStats;
let profiles: Profiles;
let clock: FixedClock;
let deps: {
  moments: FakeConfigRepository;
  sources: FakeConfigRepository;
  templates: FakeConfigRepository;
  integrations: FakeIntegrations;
  insights: FakeInsights;
  stats: FakeStats;
  profiles: Profiles;
  clock: FixedClock;
};

const minutesAgo = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

async function decide(accountId: string, messageId: string, at: string, decisions: DecisionEntry[]) {
  await insights.recordDecisions({
    workspaceId: WS,
    accountId,
    messageId,
    event: "payment_failed",
    at,
    decisions,
  });
}

beforeEach(async () => {
  config = new FakeConfigRepository();
  insights = new FakeInsights();
  stats = new FakeStats();
  profiles = new Profiles();
  clock = fixedClock(NOW);
  deps = {
    moments: config,
    sources: config,
    templates: config,
    integrations: new FakeIntegrations(),
    insights,
    stats,
    profiles,
    clock,
  };
  await config.createMoment(aMoment({ id: "m_1", workspaceId: WS, name: "Dunning" }));
  await config.createMoment(
    aMoment({
      id: "m_2",
      workspaceId: WS,
      name: "Win back",
      status: "stopped",
      start: { event: "subscription_cancelled", key: "plan" },
      end: [{ outcome: "success", event: "payment_failed" }],
    }),
  );
  await config.createMoment(aMoment({ id: "m_draft", workspaceId: WS, name: "Idea", status: "draft" }));
  await config.createMoment(aMoment({ id: "m_other", workspaceId: OTHER_WS, name: "Other's" }));
});

describe("accountView", () => {
  it("answers 404 for an account the workspace never saw", async () => {
    await expect(accountView(deps, WS, "acct_ghost")).rejects.toThrow(NotFoundError);
    await expect(accountView(deps, WS, "")).rejects.toThrow(NotFoundError);
    await expect(accountView(deps, WS, "a".repeat(257))).rejects.toThrow(NotFoundError);
  });

  it("answers 404 for another workspace's account", async () => {
    profiles.put({ workspaceId: OTHER_WS, accountId: "acct_1", traits: { plan: "pro" } });
    await decide("acct_1", "msg_1", minutesAgo(1), [{ momentId: "m_1", reason: "started", runId: "r" }]);
    await expect(accountView(deps, OTHER_WS, "acct_9")).rejects.toThrow(NotFoundError);
    await expect(accountView(deps, "ws_3", "acct_1")).rejects.toThrow(NotFoundError);
  });

  it("shows an account known only by its profile", async () => {
    profiles.put({
      workspaceId: WS,
      accountId: "acct_1",
      traits: { plan: "pro" },
      lastSeenAt: minutesAgo(5),
    });
    expect(await accountView(deps, WS, "acct_1")).toEqual({
      accountId: "acct_1",
      traits: { plan: "pro" },
      lastSeenAt: minutesAgo(5),
      recentEvents: [],
      runs: [],
      decisions: [],
    });
  });

  it("explains each decision, newest first, naming the moment", async () => {
    // Prepare
    await decide("acct_1", "msg_1", minutesAgo(30), [
      { momentId: "m_1", reason: "filter_failed", condition: 'account.plan eq "pro"' },
    ]);
    await decide("acct_1", "msg_2", minutesAgo(10), [
      { momentId: "m_1", momentName: "Dunning (old name)", reason: "started", runId: "run_1" },
      { momentId: "m_2", reason: "sampled_out", samplingRate: 10 },
    ]);
    await decide("acct_1", "msg_2", minutesAgo(5), [{ reason: "duplicate" }]);

    // Act
    const view = await accountView(deps, WS, "acct_1");

    // Assess
    expect(view.decisions.map((d) => [d.messageId, d.momentId, d.momentName, d.outcome, d.message])).toEqual([
      ["msg_2", undefined, undefined, "skipped", "Ignored: this messageId was already processed"],
      ["msg_2", "m_2", "Win back", "skipped", "Not started: sampled out (the moment admits 10% of accounts)"],
      ["msg_2", "m_1", "Dunning (old name)", "started", "Started run run_1"],
      ["msg_1", "m_1", "Dunning", "skipped", 'Not started: a condition did not hold: account.plan eq "pro"'],
    ]);
    expect(view.decisions[3]).toMatchObject({
      event: "payment_failed",
      at: minutesAgo(30),
      reason: "filter_failed",
      condition: 'account.plan eq "pro"',
    });
  });

  it("keeps to the latest 100 decisions and 50 events, and drops those past their 7 days", async () => {
    // Prepare
    for (let i = 0; i < 120; i++) {
      await decide("acct_1", `msg_${String(i).padStart(3, "0")}`, minutesAgo(120 - i), [
        { momentId: "m_1", reason: "already_active" },
      ]);
    }
    for (let i = 0; i < 60; i++) {
      await insights.recordAccountEvent(WS, "acct_1", {
        messageId: `msg_${i}`,
        event: "page_viewed",
        timestamp: minutesAgo(200 - i),
        receivedAt: minutesAgo(200 - i),
        propertyNames: [],
        sourceId: "src_1",
      });
    }
    await decide("acct_2", "msg_old", "2026-11-10T00:00:00.000Z", [{ momentId: "m_1", reason: "duplicate" }]);

    // Act
    const view = await accountView(deps, WS, "acct_1");

    // Assess
    expect(view.decisions).toHaveLength(DECISIONS_LIMIT);
    expect(view.decisions[0]?.messageId).toBe("msg_119");
    expect(view.recentEvents).toHaveLength(RECENT_EVENTS_LIMIT);
    expect(view.recentEvents[0]?.messageId).toBe("msg_59");
    // Without a profile, last seen is the latest event's timestamp.
    expect(view.lastSeenAt).toBe(minutesAgo(141));
    // An account with nothing but an expired decision is not seen any more.
    await expect(accountView(deps, WS, "acct_2")).rejects.toThrow(NotFoundError);
  });

  it("lists the account's runs, latest first, with their moment's name", async () => {
    // Prepare
    insights.addRun(WS, "acct_1", {
      momentId: "m_1",
      runId: "run_1",
      status: "success",
      startedAt: minutesAgo(60),
      endedAt: minutesAgo(50),
    });
    insights.addRun(WS, "acct_1", {
      momentId: "m_2",
      runKey: "pro",
      runId: "run_2",
      status: "active",
      startedAt: minutesAgo(5),
    });
    insights.addRun(WS, "acct_1", {
      momentId: "m_gone",
      runId: "run_3",
      status: "active",
      startedAt: minutesAgo(1),
    });

    // Act
    const view = await accountView(deps, WS, "acct_1");

    // Assess: runs of moments that no longer exist are not shown
    expect(view.runs).toEqual([
      {
        momentId: "m_2",
        momentName: "Win back",
        runKey: "pro",
        runId: "run_2",
        status: "active",
        startedAt: minutesAgo(5),
      },
      {
        momentId: "m_1",
        momentName: "Dunning",
        runId: "run_1",
        status: "success",
        startedAt: minutesAgo(60),
        endedAt: minutesAgo(50),
      },
    ]);
  });

  it("asks for runs in every moment that may have some, saying which are keyed", async () => {
    const asked: { momentId: string; keyed: boolean }[][] = [];
    profiles.put({ workspaceId: WS, accountId: "acct_1", traits: {} });
    await accountView(
      {
        ...deps,
        insights: Object.assign(Object.create(insights) as FakeInsights, {
          listAccountRuns: async (
            _ws: string,
            _account: string,
            moments: { momentId: string; keyed: boolean }[],
          ) => {
            asked.push(moments);
            return [];
          },
        }),
      },
      WS,
      "acct_1",
    );
    expect(asked).toEqual([
      [
        { momentId: "m_1", keyed: false },
        { momentId: "m_2", keyed: true },
      ],
    ]);
  });
});

describe("listObservedEvents", () => {
  it("pages by count then name with an opaque cursor, and refuses a foreign one", async () => {
    for (const [name, times] of [
      ["a_event", 1],
      ["b_event", 3],
      ["c_event", 1],
      ["d_event", 2],
    ] as const)
      for (let i = 0; i < times; i++) await insights.observeEvent(WS, name, [], minutesAgo(5), i);

    const first = await listObservedEvents(deps, WS, { limit: "2" });
    const second = await listObservedEvents(deps, WS, { limit: "2", cursor: first.nextCursor ?? "" });

    expect(first.items.map((e) => e.name)).toEqual(["b_event", "d_event"]);
    expect(second.items.map((e) => e.name)).toEqual(["a_event", "c_event"]);
    expect(second.nextCursor).toBeUndefined();
    await expect(listObservedEvents(deps, WS, { cursor: "bm9wZQ" })).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "cursor" }],
    });
  });

  it("stops a page before its byte budget (an event used by many moments lists them all), the cursor going on from there", async () => {
    for (let e = 0; e < 6; e++)
      await insights.observeEvent(WS, `event_${e}`, ["x".repeat(200)], minutesAgo(5), 0);
    const budget = 1_000;
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listObservedEvents(deps, WS, cursor ? { cursor } : {}, budget);
      pages += 1;
      expect(page.items.length).toBeGreaterThan(0);
      expect(jsonBytes(page.items)).toBeLessThanOrEqual(budget);
      names.push(...page.items.map((item) => item.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(names.sort()).toEqual(["event_0", "event_1", "event_2", "event_3", "event_4", "event_5"]);
  });

  it("lists every observed event by count, with the moments that use it", async () => {
    // Prepare
    await insights.observeEvent(WS, "subscription_cancelled", ["plan"], minutesAgo(50), 0);
    await insights.observeEvent(WS, "payment_failed", ["amount"], minutesAgo(40), 1);
    await insights.observeEvent(WS, "payment_failed", ["currency"], minutesAgo(20), 6);
    await insights.observeEvent(WS, "page_viewed", [], minutesAgo(10), 2);
    await insights.observeEvent(OTHER_WS, "secret_event", [], minutesAgo(10), 2);

    // Act
    const { items } = await listObservedEvents(deps, WS);

    // Assess
    expect(items).toEqual([
      {
        name: "payment_failed",
        count: 2,
        firstSeenAt: minutesAgo(40),
        lastSeenAt: minutesAgo(20),
        sampleProperties: ["amount", "currency"],
        usedBy: [
          { momentId: "m_1", name: "Dunning", status: "running" },
          { momentId: "m_draft", name: "Idea", status: "draft" },
          { momentId: "m_2", name: "Win back", status: "stopped" },
        ],
      },
      {
        name: "page_viewed",
        count: 1,
        firstSeenAt: minutesAgo(10),
        lastSeenAt: minutesAgo(10),
        sampleProperties: [],
        usedBy: [],
      },
      {
        name: "subscription_cancelled",
        count: 1,
        firstSeenAt: minutesAgo(50),
        lastSeenAt: minutesAgo(50),
        sampleProperties: ["plan"],
        usedBy: [{ momentId: "m_2", name: "Win back", status: "stopped" }],
      },
    ]);
  });
});

describe("promoteObservedEvent", () => {
  it("creates a draft moment starting on the event", async () => {
    await insights.observeEvent(WS, "Order Completed", [], minutesAgo(1), 4);
    const moment = await promoteObservedEvent(deps, WS, "Order Completed");
    expect(moment).toMatchObject({
      workspaceId: WS,
      name: "Order Completed moment",
      goal: "other",
      status: "draft",
      version: 1,
      start: { event: "Order Completed" },
      steps: [],
      sourceIds: [],
    });
    expect(await config.getMoment(WS, moment.id)).toEqual(moment);
  });

  it("answers 404 for an event never observed here (or not a valid name)", async () => {
    await insights.observeEvent(OTHER_WS, "theirs", [], minutesAgo(1), 0);
    await expect(promoteObservedEvent(deps, WS, "theirs")).rejects.toThrow(NotFoundError);
    await expect(promoteObservedEvent(deps, WS, "bad\u0000name")).rejects.toThrow(NotFoundError);
    await expect(promoteObservedEvent(deps, WS, "")).rejects.toThrow(NotFoundError);
    expect(await config.listMoments(WS)).toHaveLength(3);
  });
});

describe("momentStats", () => {
  it("sums the shards and lists every current step, counted or not", async () => {
    // Prepare
    await config.createMoment(
      aMoment({
        id: "m_3",
        workspaceId: WS,
        steps: [
          {
            id: "a",
            phase: "entry",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: "t" },
          },
          {
            id: "b",
            phase: "entry",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: "t" },
          },
        ],
      }),
    );
    await stats.increment(WS, "m_3", 0, { entered: 2, "steps.b.executed": 1 });
    await stats.increment(WS, "m_3", 7, { entered: 1, success: 1, "steps.removed.failed": 1 });

    // Act
    const result = await momentStats(deps, WS, "m_3");

    // Assess
    expect(result).toMatchObject({
      momentId: "m_3",
      entered: 3,
      active: 2,
      succeeded: 1,
      successRate: 100,
      failedRate: 0,
    });
    expect(Object.keys(result.steps)).toEqual(["a", "b", "removed"]);
    expect(result.steps).toEqual({
      a: { executed: 0, skipped: 0, failed: 0 },
      b: { executed: 1, skipped: 0, failed: 0 },
      removed: { executed: 0, skipped: 0, failed: 1 },
    });
  });

  it("answers 404 for an unknown moment and for another workspace's", async () => {
    await expect(momentStats(deps, WS, "m_nope")).rejects.toThrow(NotFoundError);
    await expect(momentStats(deps, WS, "m_other")).rejects.toThrow(NotFoundError);
  });
});

describe("runView", () => {
  it("shows each step as documented, without the table's bookkeeping (claim time of a recorded step, doubt)", async () => {
    const runs = {
      getRun: async () => ({
        runId: "r1",
        momentId: "m1",
        accountId: "a1",
        status: "active",
        startedAt: "2026-11-21T09:00:00.000Z",
      }),
      listRunSteps: async () => [
        {
          stepId: "mail",
          status: "executed" as const,
          outcome: { status: "executed" as const, detail: { messageId: "ses-1" } },
          recordedAt: "2026-11-21T09:00:02.000Z",
          claimedAt: "2026-11-21T09:00:01.000Z",
          doubtSince: "2026-11-21T09:00:01.500Z",
        },
        {
          stepId: "slack",
          status: "claimed" as const,
          claimedAt: "2026-11-21T09:00:03.000Z",
          doubtSince: "2026-11-21T09:00:04.000Z",
        },
      ],
    };
    const view = await runView({ runs } as never, WS, "r1");
    expect(view.steps).toEqual([
      {
        stepId: "mail",
        status: "executed",
        outcome: { status: "executed", detail: { messageId: "ses-1" } },
        recordedAt: "2026-11-21T09:00:02.000Z",
      },
      { stepId: "slack", status: "claimed", claimedAt: "2026-11-21T09:00:03.000Z" },
    ]);
    expect(runResponse.safeParse(view).success).toBe(true);
  });
});
