import { describe, expect, it } from "vitest";
import { INSIGHT_TTL_SECONDS, STATS_SHARDS } from "../../../shared/contracts/table.js";
import type { Condition } from "../../../shared/domain/conditions.js";
import {
  type DecisionDetail,
  type DecisionOutcome,
  decisionOutcome,
  decisionReasons,
  describeCondition,
  eventsUsedBy,
  eventUsage,
  explainDecision,
  insightExpiresAt,
  isRetained,
  isStatCounter,
  MAX_CONDITION_TEXT,
  MAX_SAMPLE_PROPERTIES,
  mergeObservedEventShards,
  momentStatsFromShards,
  percentOf,
  promotedMomentBody,
  propertySample,
  shardFor,
  statCounter,
} from "../../../shared/domain/insights.js";
import { momentInputSchema } from "../../../shared/domain/moment.js";
import { aMoment } from "../../support/fakes.js";

describe("decision outcomes and explanations", () => {
  const cases: [DecisionDetail, DecisionOutcome, string][] = [
    [{ reason: "started", runId: "r1" }, "started", "Started run r1"],
    [
      { reason: "ended_success", runId: "r1", rule: 'event "invoice_paid"' },
      "ended",
      'Ended run r1 as success (end rule: event "invoice_paid")',
    ],
    [{ reason: "ended_failed", runId: "r1" }, "ended", "Ended run r1 as failed"],
    [
      { reason: "abandonment_armed", dueAt: "2026-11-21T11:00:00.000Z" },
      "armed",
      "Abandonment timer started: the run starts at 2026-11-21T11:00:00.000Z unless the cancelling event arrives first",
    ],
    [
      { reason: "abandonment_not_armed", cause: "newer_trigger" },
      "skipped",
      "Abandonment timer not restarted: a later trigger event had already started it (events can arrive out of order)",
    ],
    [
      { reason: "abandonment_not_armed", cause: "unless_event" },
      "skipped",
      "Abandonment timer not started: the cancelling event happened after this trigger (events can arrive out of order)",
    ],
    [
      { reason: "abandonment_cancelled" },
      "cancelled",
      "Abandonment cancelled: the cancelling event arrived within the window",
    ],
    [
      { reason: "filter_failed", condition: 'account.plan eq "pro"' },
      "skipped",
      'Not started: a condition did not hold: account.plan eq "pro"',
    ],
    [
      { reason: "filter_failed", condition: "event.total gt 100", rule: "end" },
      "skipped",
      "Not ended: an end rule condition did not hold: event.total gt 100",
    ],
    [
      { reason: "reentry_blocked", policy: "once" },
      "skipped",
      "Not started: re-entry policy is once, and the account already went through this moment",
    ],
    [
      { reason: "reentry_blocked", policy: "after_exit" },
      "skipped",
      "Not started: re-entry policy is after_exit, and the account's previous run has not ended",
    ],
    [
      { reason: "reentry_blocked", policy: "cooldown", until: "2026-12-01T00:00:00.000Z" },
      "skipped",
      "Not started: re-entry cooldown until 2026-12-01T00:00:00.000Z",
    ],
    [
      { reason: "sampled_out", samplingRate: 25 },
      "skipped",
      "Not started: sampled out (the moment admits 25% of accounts)",
    ],
    [
      { reason: "moment_not_running", status: "stopped" },
      "skipped",
      "Not started: the moment was stopped, not running",
    ],
    [{ reason: "moment_not_running", status: "deleted" }, "skipped", "Not started: the moment was deleted"],
    [
      { reason: "source_mismatch", sourceId: "src_9" },
      "skipped",
      "Not started: the event came from source src_9, which the moment does not listen to",
    ],
    [
      { reason: "already_active", runId: "r0" },
      "skipped",
      "Not started: the account already has an active run (r0)",
    ],
    [{ reason: "already_active" }, "skipped", "Not started: the account already has an active run"],
    [
      { reason: "too_old", timestamp: "2026-11-01T00:00:00.000Z", maxAgeSeconds: 72 * 3600 },
      "skipped",
      "Not started: the event's timestamp 2026-11-01T00:00:00.000Z is older than the 3 d window",
    ],
    [
      { reason: "too_old", timestamp: "2026-11-01T00:00:00.000Z", maxAgeSeconds: 90 },
      "skipped",
      "Not started: the event's timestamp 2026-11-01T00:00:00.000Z is older than the 90 s window",
    ],
    [
      { reason: "outside_time_frame", from: "2026-11-27T00:00:00.000Z", until: "2026-11-30T00:00:00.000Z" },
      "skipped",
      "Not started: the moment starts runs only from 2026-11-27T00:00:00.000Z until 2026-11-30T00:00:00.000Z",
    ],
    [
      { reason: "outside_time_frame", until: "2026-11-30T00:00:00.000Z" },
      "skipped",
      "Not started: the moment starts runs only until 2026-11-30T00:00:00.000Z",
    ],
    [{ reason: "duplicate" }, "skipped", "Ignored: this messageId was already processed"],
  ];

  it.each(cases)("%j is %s: %s", (detail, outcome, message) => {
    expect(decisionOutcome(detail.reason)).toBe(outcome);
    expect(explainDecision(detail)).toBe(message);
  });

  it("covers every reason", () => {
    expect(new Set(cases.map(([detail]) => detail.reason))).toEqual(new Set(decisionReasons));
  });
});

describe("describeCondition", () => {
  const cases: [Condition, string][] = [
    [{ field: "account.plan", op: "eq", value: "pro" }, 'account.plan eq "pro"'],
    [{ field: "event.total", op: "gte", value: 100 }, "event.total gte 100"],
    [{ field: "event.total", op: "eq", value: "100" }, 'event.total eq "100"'],
    [{ field: "user.role", op: "in", value: ["admin", "owner"] }, 'user.role in ["admin","owner"]'],
    [{ field: "account.churned", op: "exists" }, "account.churned exists"],
    [{ field: "account.flag", op: "eq", value: null }, "account.flag eq null"],
    [
      {
        any: [
          { field: "account.plan", op: "eq", value: "pro" },
          { any: [{ field: "event.x", op: "not_exists" }] },
        ],
      },
      'any of (account.plan eq "pro", any of (event.x not_exists))',
    ],
  ];

  it.each(cases)("%j reads %s", (condition, text) => {
    expect(describeCondition(condition)).toBe(text);
  });

  it("cuts a huge condition to a bounded text", () => {
    const text = describeCondition({ field: "event.note", op: "eq", value: "x".repeat(5000) });
    expect(text).toHaveLength(MAX_CONDITION_TEXT);
    expect(text.endsWith("…")).toBe(true);
  });
});

describe("retention", () => {
  it("expires an insight INSIGHT_TTL_SECONDS after it was recorded (epoch seconds)", () => {
    expect(insightExpiresAt("2026-11-21T10:00:00.500Z")).toBe(
      Math.floor(Date.parse("2026-11-21T10:00:00.000Z") / 1000) + INSIGHT_TTL_SECONDS,
    );
  });

  const now = new Date("2026-11-21T10:00:00.000Z");
  it.each([
    ["2026-11-21T09:00:00.000Z", true],
    ["2026-11-14T10:00:00.001Z", true],
    ["2026-11-14T10:00:00.000Z", false],
    ["2026-10-01T00:00:00.000Z", false],
    ["not a date", false],
  ])("recorded at %s is retained: %s", (at, retained) => {
    expect(isRetained(at, now)).toBe(retained);
  });
});

describe("propertySample", () => {
  it("takes at most 20 names in name order, leaving out empty and over-long names", () => {
    const properties: Record<string, unknown> = { "": 1, ["x".repeat(129)]: 2, ["y".repeat(128)]: 3 };
    for (let i = 0; i < 30; i++) properties[`p${String(i).padStart(2, "0")}`] = i;
    const sample = propertySample(properties);
    expect(sample).toHaveLength(20);
    expect(sample[0]).toBe("p00");
    expect(sample).not.toContain("");
    expect(sample).not.toContain("x".repeat(129));
    expect(propertySample({ b: 1, a: 2 })).toEqual(["a", "b"]);
    expect(propertySample({})).toEqual([]);
  });
});

describe("mergeObservedEventShards", () => {
  it("sums counts, keeps the earliest first and latest last seen, and sorts by count then name", () => {
    const merged = mergeObservedEventShards([
      { name: "b", count: 2, firstSeenAt: "2026-11-02", lastSeenAt: "2026-11-05", sampleProperties: ["x"] },
      { name: "a", count: 1, firstSeenAt: "2026-11-01", lastSeenAt: "2026-11-01", sampleProperties: [] },
      {
        name: "b",
        count: 3,
        firstSeenAt: "2026-11-01",
        lastSeenAt: "2026-11-03",
        sampleProperties: ["y", "x"],
      },
      { name: "c", count: 5, sampleProperties: [] },
      { name: "d", count: 1, firstSeenAt: "2026-11-09", lastSeenAt: "2026-11-09", sampleProperties: [] },
    ]);
    expect(merged).toEqual([
      {
        name: "b",
        count: 5,
        firstSeenAt: "2026-11-01",
        lastSeenAt: "2026-11-05",
        sampleProperties: ["x", "y"],
      },
      { name: "c", count: 5, firstSeenAt: "", lastSeenAt: "", sampleProperties: [] },
      { name: "a", count: 1, firstSeenAt: "2026-11-01", lastSeenAt: "2026-11-01", sampleProperties: [] },
      { name: "d", count: 1, firstSeenAt: "2026-11-09", lastSeenAt: "2026-11-09", sampleProperties: [] },
    ]);
  });

  it("caps the property sample, names seen by more shards first", () => {
    const many = Array.from({ length: 60 }, (_, i) => `p${String(i).padStart(2, "0")}`);
    const merged = mergeObservedEventShards([
      { name: "e", count: 1, sampleProperties: many.slice(0, 40) },
      { name: "e", count: 1, sampleProperties: [...many.slice(20, 60)] },
    ]);
    const sample = merged[0]?.sampleProperties ?? [];
    expect(sample).toHaveLength(MAX_SAMPLE_PROPERTIES);
    // p20..p39 were in both shards: they lead.
    expect(sample.slice(0, 20)).toEqual(many.slice(20, 40));
  });
});

describe("which moments use an event", () => {
  const moment = aMoment({
    id: "m_1",
    name: "Cart abandon",
    status: "running",
    start: {
      event: "cart_item_added",
      unless: { event: "order_completed", within: { amount: 1, unit: "hours" } },
    },
    end: [
      { outcome: "success", event: "order_completed" },
      { outcome: "failed", event: "cart_emptied" },
      { outcome: "failed", after: { amount: 2, unit: "days" } },
    ],
  });

  it("is the start event, the unless event and the end events", () => {
    expect([...eventsUsedBy(moment)].sort()).toEqual(["cart_emptied", "cart_item_added", "order_completed"]);
  });

  it("maps each event name to its moments, once per moment", () => {
    const other = aMoment({
      id: "m_2",
      name: "Upsell",
      status: "draft",
      start: { event: "order_completed" },
    });
    const usage = eventUsage([moment, other]);
    expect(usage.get("order_completed")).toEqual([
      { momentId: "m_1", name: "Cart abandon", status: "running" },
      { momentId: "m_2", name: "Upsell", status: "draft" },
    ]);
    expect(usage.get("cart_item_added")).toEqual([
      { momentId: "m_1", name: "Cart abandon", status: "running" },
    ]);
    expect(usage.get("page_viewed")).toBeUndefined();
  });
});

describe("promotedMomentBody", () => {
  it("is a valid draft body starting on the event", () => {
    const body = promotedMomentBody("trial_started");
    expect(body).toEqual({
      name: "trial_started moment",
      goal: "other",
      start: { event: "trial_started" },
      steps: [],
    });
    expect(momentInputSchema.safeParse(body).success).toBe(true);
  });

  it.each([
    ["a 200-character name", "e".repeat(200)],
    ["a name cut inside a surrogate pair", `${"e".repeat(192)}😀😀😀`],
    ["a name of spaces", "   "],
  ])("stays a valid moment name for %s", (_label, eventName) => {
    const body = promotedMomentBody(eventName);
    expect(body.start.event).toBe(eventName);
    expect(momentInputSchema.safeParse(body).success).toBe(true);
    expect(body.name.endsWith("moment")).toBe(true);
  });
});

describe("stats counters", () => {
  it.each([
    ["entered", true],
    ["success", true],
    ["succeeded", true],
    ["failed", true],
    ["stopped", true],
    ["completed", true],
    ["steps.s1.executed", true],
    ["steps.send-email_2.skipped", true],
    ["steps.s1.failed", true],
    ["feedback.positive", true],
    ["feedback.frustrated", true],
    ["active", false],
    ["steps.s1.done", false],
    ["steps.a.b.executed", false],
    ["steps..executed", false],
    ["steps.s 1.executed", false],
    ["feedback.angry", false],
    ["pk", false],
    ["type", false],
  ])("%s is a counter: %s", (name, expected) => {
    expect(isStatCounter(name)).toBe(expected);
  });

  it("builds step and feedback counter names", () => {
    expect(statCounter.step("s1", "executed")).toBe("steps.s1.executed");
    expect(statCounter.feedback("neutral")).toBe("feedback.neutral");
  });
});

describe("momentStatsFromShards", () => {
  it("is all zeros, with no rates, when nothing was counted", () => {
    expect(momentStatsFromShards([])).toEqual({
      entered: 0,
      active: 0,
      succeeded: 0,
      failed: 0,
      stopped: 0,
      completed: 0,
      successRate: null,
      failedRate: null,
      steps: {},
      feedback: {
        positive: 0,
        neutral: 0,
        frustrated: 0,
        shown: 0,
        answered: 0,
        dismissed: 0,
        responseRate: null,
      },
      feedbackSteps: {},
    });
  });

  it("sums every shard, ignoring storage attributes and unknown names", () => {
    const stats = momentStatsFromShards([
      {
        pk: "WS#w#MOMENTSTATS#m#0",
        sk: "STATS",
        type: "moment_stats",
        momentId: "m",
        entered: 5,
        success: 2,
      },
      {
        entered: 3,
        failed: 1,
        stopped: 1,
        "steps.s1.executed": 4,
        "steps.s1.failed": 1,
        "feedback.positive": 2,
      },
      { entered: 2, completed: 1, "steps.s1.executed": 2, "steps.s2.skipped": 3, "feedback.frustrated": 1 },
      { bogus: 99, "steps.s1.exploded": 7, entered: "12", "prompts.ask.exploded": 3 },
      {
        "prompts.ask.shown": 4,
        "prompts.ask.positive": 1,
        "prompts.ask.frustrated": 1,
        "prompts.ask.dismissed": 1,
      },
    ]);
    expect(stats).toEqual({
      entered: 10,
      active: 5,
      succeeded: 2,
      failed: 1,
      stopped: 1,
      completed: 1,
      // Of the 3 runs that reached an outcome (stopped and completed runs did not).
      successRate: 66.7,
      failedRate: 33.3,
      steps: { s1: { executed: 6, skipped: 0, failed: 1 }, s2: { executed: 0, skipped: 3, failed: 0 } },
      // The moment's reactions include answers counted before per-step counters existed.
      feedback: {
        positive: 2,
        neutral: 0,
        frustrated: 1,
        shown: 4,
        answered: 3,
        dismissed: 1,
        responseRate: 75,
      },
      feedbackSteps: {
        ask: {
          shown: 4,
          answered: 2,
          dismissed: 1,
          positive: 1,
          neutral: 0,
          frustrated: 1,
          responseRate: 50,
        },
      },
    });
  });

  it("counts succeeded as an alias of success", () => {
    expect(momentStatsFromShards([{ entered: 2, success: 1 }, { succeeded: 1 }]).succeeded).toBe(2);
  });

  it("rates are of ended runs, with one decimal", () => {
    const stats = momentStatsFromShards([{ entered: 10, success: 1, failed: 2 }]);
    expect(stats.successRate).toBe(33.3);
    expect(stats.failedRate).toBe(66.7);
    expect(stats.active).toBe(7);
  });

  it("never shows a negative active count", () => {
    expect(momentStatsFromShards([{ entered: 1, success: 2 }]).active).toBe(0);
  });
});

describe("percentOf", () => {
  it.each([
    [1, 3, 33.3],
    [2, 3, 66.7],
    [1, 1, 100],
    [0, 4, 0],
    [1, 0, null],
  ])("%d of %d is %s", (part, whole, expected) => {
    expect(percentOf(part, whole)).toBe(expected);
  });
});

describe("shardFor", () => {
  it("is stable and within range", () => {
    expect(shardFor("msg-1")).toBe(shardFor("msg-1"));
    for (let i = 0; i < 200; i++) {
      const shard = shardFor(`msg-${i}`);
      expect(Number.isInteger(shard) && shard >= 0 && shard < STATS_SHARDS).toBe(true);
    }
  });

  it("spreads ids over every shard", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => shardFor(`msg-${i}`)));
    expect(used.size).toBe(STATS_SHARDS);
  });
});
