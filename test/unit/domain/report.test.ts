import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import { isStatCounter } from "../../../shared/domain/insights.js";
import {
  breakdownCounter,
  breakdownFromShards,
  bucketKey,
  bucketKeys,
  emptySeriesCounts,
  hourCounter,
  hourCountsOfDay,
  parseReportQuery,
  reasonCode,
  seriesPoints,
} from "../../../shared/domain/report.js";

const NOW = new Date("2026-12-06T13:20:00.000Z");

function problems(query: Record<string, string>) {
  try {
    parseReportQuery(query, NOW);
  } catch (error) {
    if (error instanceof ValidationError) return error.details.map((d) => d.path);
    throw error;
  }
  return [];
}

describe("buckets", () => {
  it("cuts a time to its UTC hour or day, whatever its offset", () => {
    expect(bucketKey("hour", "2026-12-06T23:59:59.999+01:00")).toBe("2026-12-06T22");
    expect(bucketKey("day", "2026-12-06T23:30:00-02:00")).toBe("2026-12-07");
  });

  it("lists every bucket from the one holding from to the one holding to", () => {
    expect(bucketKeys("hour", "2026-12-06T22:30:00Z", "2026-12-07T01:00:00Z")).toEqual([
      "2026-12-06T22",
      "2026-12-06T23",
      "2026-12-07T00",
      "2026-12-07T01",
    ]);
    expect(bucketKeys("day", "2026-02-27T12:00:00Z", "2026-03-01T00:00:00Z")).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
    ]);
  });
});

describe("hour counters on the day item", () => {
  it("names a counter's hour in UTC, one letter per counter", () => {
    expect(hourCounter("entered", "2026-12-06T13:59:59.999Z")).toBe("ne");
    expect(hourCounter("entered", "2026-12-06T00:00:00.000Z")).toBe("ae");
    expect(hourCounter("completed", "2026-12-06T00:30:00+01:00")).toBe("xc");
    expect(
      ["success", "failed", "stopped"].map((c) => hourCounter(c as "failed", NOW.toISOString())),
    ).toEqual(["ns", "nf", "nx"]);
  });

  it("reads a day item's hours back by hour key, leaving its day counters and anything else out", () => {
    const hours = hourCountsOfDay("2026-12-06", {
      sk: "D#2026-12-06",
      pk: "WS#ws_1#MOMENTSERIES#m_1#0",
      entered: 9,
      ae: 2,
      ne: 3,
      ns: 1,
      nx: 1,
      xc: 4,
      ye: 1,
      nz: 1,
      fe: "7",
      type: "moment_series",
    });
    expect([...hours.keys()].sort()).toEqual(["2026-12-06T00", "2026-12-06T13", "2026-12-06T23"]);
    expect(hours.get("2026-12-06T13")).toEqual({
      ...emptySeriesCounts(),
      entered: 3,
      success: 1,
      stopped: 1,
    });
    expect(hours.get("2026-12-06T23")).toEqual({ ...emptySeriesCounts(), completed: 4 });
  });

  it("keeps a day's every counter in every hour within one write unit (1 KB)", () => {
    const busiest: Record<string, number> = {};
    for (let hour = 0; hour < 24; hour++)
      for (const counter of ["entered", "success", "failed", "stopped", "completed"] as const)
        busiest[hourCounter(counter, `2026-12-06T${String(hour).padStart(2, "0")}:00:00Z`)] = 99_999;
    expect(Object.keys(busiest)).toHaveLength(120);
    // DynamoDB's size: each name's bytes plus a number's (about 1 byte per 2 digits, plus 1); the
    // item's keys, type, expiry and day counters take about 200 bytes more.
    const bytes = Object.keys(busiest).reduce((sum, name) => sum + name.length + 4, 0);
    expect(bytes).toBeLessThan(1024 - 200);
  });
});

describe("parseReportQuery", () => {
  it("defaults to the last 30 days by day, or the last 48 hours by hour, ending now", () => {
    expect(parseReportQuery({}, NOW)).toEqual({
      bucket: "day",
      from: "2026-11-07T13:20:00.000Z",
      to: NOW.toISOString(),
    });
    const hourly = parseReportQuery({ bucket: "hour" }, NOW);
    expect(bucketKeys("hour", hourly.from, hourly.to)).toHaveLength(48);
  });

  it("refuses a bad bucket, a time that is not ISO 8601, a reversed or too wide range, naming the field", () => {
    expect(problems({ bucket: "week" })).toEqual(["bucket"]);
    expect(problems({ from: "yesterday", to: "2026-12-06" })).toEqual(["from", "to"]);
    expect(problems({ from: "2026-12-06T00:00:00Z", to: "2026-12-05T00:00:00Z" })).toEqual(["from"]);
    expect(problems({ bucket: "hour", from: "2026-11-01T00:00:00Z" })).toEqual(["from"]);
    expect(problems({ bucket: "day", from: "2025-11-01T00:00:00Z" })).toEqual(["from"]);
  });
});

describe("seriesPoints", () => {
  it("fills every bucket, and walks the active runs back from now through later changes", () => {
    const counts = new Map([
      ["2026-12-04", { ...emptySeriesCounts(), entered: 5, success: 1 }],
      ["2026-12-05", { ...emptySeriesCounts(), entered: 2, failed: 2, stopped: 1 }],
    ]);
    // After the range (today): 1 more entered, 2 completed. Active now 3, so 4 at the end of the 5th.
    const after = { ...emptySeriesCounts(), entered: 1, completed: 2 };

    const points = seriesPoints("day", ["2026-12-03", "2026-12-04", "2026-12-05"], counts, after, 3);

    expect(points).toEqual([
      {
        start: "2026-12-03T00:00:00.000Z",
        entered: 0,
        succeeded: 0,
        failed: 0,
        stopped: 0,
        completed: 0,
        active: 1,
      },
      {
        start: "2026-12-04T00:00:00.000Z",
        entered: 5,
        succeeded: 1,
        failed: 0,
        stopped: 0,
        completed: 0,
        active: 5,
      },
      {
        start: "2026-12-05T00:00:00.000Z",
        entered: 2,
        succeeded: 0,
        failed: 2,
        stopped: 1,
        completed: 0,
        active: 4,
      },
    ]);
  });
});

describe("breakdowns", () => {
  it("keeps a reason's code: the part before the colon, counter-safe", () => {
    expect(reasonCode("suppressed: unsubscribed")).toBe("suppressed");
    expect(reasonCode("Missing_Value: {first_name}")).toBe("missing_value");
    expect(reasonCode("action not available")).toBe("action_not_available");
    expect(reasonCode("::")).toBe("other");
  });

  it("names counters the stats accept, and sums them from shards by outcome, cause, step and reason", () => {
    const names = [
      breakdownCounter.end("success", "event:invoice.paid"),
      breakdownCounter.end("failed", "timeout"),
      breakdownCounter.stepReason("s-1", "skipped", "suppressed: bounced"),
    ];
    expect(names.every(isStatCounter)).toBe(true);

    const breakdown = breakdownFromShards([
      { [names[0] ?? ""]: 2, [names[2] ?? ""]: 1, entered: 9, "steps.s-1.skipped": 1 },
      { [names[0] ?? ""]: 1, [names[1] ?? ""]: 4, "steps.s-1.failed.slack": 1 },
    ]);

    expect(breakdown).toEqual({
      ends: { success: { "event:invoice.paid": 3 }, failed: { timeout: 4 } },
      steps: { "s-1": { skipped: { suppressed: 1 }, failed: { slack: 1 } } },
    });
  });
});
