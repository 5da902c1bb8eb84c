import { beforeEach, describe, expect, it } from "vitest";
import type { FeedbackAnswer } from "../../../shared/domain/inbox.js";
import { listMoments } from "../../../shared/use-cases/moments.js";
import { momentReport } from "../../../shared/use-cases/report.js";
import { aMoment, FakeConfigRepository, type FixedClock, fixedClock } from "../../support/fakes.js";
import { FakeStats } from "../../support/fakes-insights.js";

const WS = "ws_1";
let config: FakeConfigRepository;
let stats: FakeStats;
let clock: FixedClock;
let answers: FeedbackAnswer[];
let deps: Parameters<typeof momentReport>[0];

beforeEach(async () => {
  config = new FakeConfigRepository();
  stats = new FakeStats();
  clock = fixedClock("2026-12-06T13:20:00.000Z");
  answers = [];
  deps = {
    moments: config,
    stats,
    clock,
    inbox: {
      // Newest first, as the report asks.
      listFeedback: async (_ws, momentId, page, order) => {
        const mine = answers.filter((a) => a.momentId === momentId);
        return { items: (order === "newest" ? [...mine].reverse() : mine).slice(0, page.limit) };
      },
    },
  };
  await config.createMoment(
    aMoment({
      id: "m_1",
      steps: [
        {
          id: "ask",
          phase: "entry",
          delay: { amount: 0, unit: "minutes" },
          action: { type: "feedback_prompt", question: "?" },
        },
        {
          id: "mail",
          phase: "entry",
          delay: { amount: 1, unit: "days" },
          action: { type: "send_email", templateId: "t_1" },
        },
      ],
    }),
  );
});

/** A run entering at `at` and, optionally, ending, counted as the run engine counts it. */
async function run(
  shard: number,
  at: string,
  end?: { outcome: "success" | "failed"; cause: string; at: string },
) {
  await stats.increment(WS, "m_1", shard, { entered: 1 });
  stats.count(WS, "m_1", at, { entered: 1 });
  if (end) {
    await stats.increment(WS, "m_1", shard, { [end.outcome]: 1, [`ends.${end.outcome}.${end.cause}`]: 1 });
    stats.count(WS, "m_1", end.at, { [end.outcome]: 1 });
  }
}

describe("momentReport", () => {
  it("answers totals, a daily series with active runs, ends by rule, the step funnel and feedback", async () => {
    await run(1, "2026-12-04T09:00:00.000Z", {
      outcome: "success",
      cause: "event:invoice_paid",
      at: "2026-12-05T10:00:00.000Z",
    });
    await run(2, "2026-12-04T10:00:00.000Z", {
      outcome: "failed",
      cause: "timeout",
      at: "2026-12-06T10:00:00.000Z",
    });
    await run(3, "2026-12-05T11:00:00.000Z");
    await stats.increment(WS, "m_1", 1, {
      "steps.ask.executed": 3,
      "steps.mail.skipped": 1,
      "steps.mail.skipped.suppressed": 1,
    });
    await stats.increment(WS, "m_1", 2, { "feedback.frustrated": 2, "feedback.positive": 1 });
    answers.push(
      {
        promptId: "p1",
        momentId: "m_1",
        accountId: "a1",
        reaction: "frustrated",
        comment: "Slow",
        answeredAt: "2026-12-05T00:00:00.000Z",
      },
      {
        promptId: "p2",
        momentId: "m_1",
        accountId: "a2",
        reaction: "positive",
        answeredAt: "2026-12-05T01:00:00.000Z",
      },
      {
        promptId: "p3",
        momentId: "m_1",
        accountId: "a3",
        reaction: "frustrated",
        comment: "Broken",
        answeredAt: "2026-12-05T02:00:00.000Z",
      },
    );

    const report = await momentReport(deps, WS, "m_1", {
      bucket: "day",
      from: "2026-12-03T00:00:00Z",
      to: "2026-12-05T23:59:59Z",
    });

    expect(report).toMatchObject({
      momentId: "m_1",
      bucket: "day",
      totals: { entered: 3, active: 1, succeeded: 1, failed: 1, successRate: 50 },
      ends: {
        success: [{ rule: "event", event: "invoice_paid", count: 1 }],
        failed: [{ rule: "timeout", count: 1 }],
      },
      steps: [
        { stepId: "ask", executed: 3, skipped: 0, failed: 0, skippedBy: {}, failedBy: {} },
        { stepId: "mail", executed: 0, skipped: 1, failed: 0, skippedBy: { suppressed: 1 }, failedBy: {} },
      ],
      feedback: {
        positive: 1,
        neutral: 0,
        frustrated: 2,
        latestComments: [
          expect.objectContaining({ promptId: "p3", comment: "Broken" }),
          expect.objectContaining({ promptId: "p1", comment: "Slow" }),
        ],
      },
    });
    // The failure on the 6th is after the range: 1 active now, so 2 at the end of the 5th.
    expect(
      report.series.map((p) => [p.start.slice(0, 10), p.entered, p.succeeded, p.failed, p.active]),
    ).toEqual([
      ["2026-12-03", 0, 0, 0, 0],
      ["2026-12-04", 2, 0, 0, 2],
      ["2026-12-05", 1, 1, 0, 2],
    ]);
  });

  it("answers hourly buckets, walking back through the later days", async () => {
    await run(1, "2026-12-04T09:10:00.000Z");
    await run(2, "2026-12-04T10:10:00.000Z", {
      outcome: "success",
      cause: "event:paid",
      at: "2026-12-06T08:00:00.000Z",
    });

    const report = await momentReport(deps, WS, "m_1", {
      bucket: "hour",
      from: "2026-12-04T08:00:00Z",
      to: "2026-12-04T10:59:00Z",
    });

    expect(report.series.map((p) => [p.start, p.entered, p.active])).toEqual([
      ["2026-12-04T08:00:00.000Z", 0, 0],
      ["2026-12-04T09:00:00.000Z", 1, 1],
      ["2026-12-04T10:00:00.000Z", 1, 2],
    ]);
  });

  it("is a 404 for another workspace's moment and a 400 naming a bad query", async () => {
    await expect(momentReport(deps, "ws_2", "m_1", {})).rejects.toMatchObject({ statusCode: 404 });
    await expect(momentReport(deps, WS, "m_1", { bucket: "minute" })).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "bucket" }],
    });
  });
});

describe("listMoments: the trend", () => {
  it("gives each listed moment its entries per day over the last 7 days, today last", async () => {
    await run(1, "2026-12-06T01:00:00.000Z");
    await run(2, "2026-12-06T02:00:00.000Z");
    await run(3, "2026-11-30T23:00:00.000Z");
    await run(4, "2026-11-29T23:00:00.000Z");

    const list = await listMoments({ moments: config, stats, clock }, WS, {});

    const trend = "items" in list ? list.items[0]?.trend : undefined;
    expect(trend).toEqual([
      { day: "2026-11-30", entered: 1 },
      { day: "2026-12-01", entered: 0 },
      { day: "2026-12-02", entered: 0 },
      { day: "2026-12-03", entered: 0 },
      { day: "2026-12-04", entered: 0 },
      { day: "2026-12-05", entered: 0 },
      { day: "2026-12-06", entered: 2 },
    ]);
  });
});
