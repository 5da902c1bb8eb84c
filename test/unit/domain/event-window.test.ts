import { describe, expect, it } from "vitest";
import { effectiveTimestamp, isTooOld } from "../../../shared/domain/event-window.js";

const receivedAt = "2024-05-10T12:00:00.000Z";

describe("isTooOld", () => {
  it.each([
    ["an event received at once", "2024-05-10T12:00:00.000Z", undefined, false],
    ["an hour-old event", "2024-05-10T11:00:00.000Z", undefined, false],
    ["exactly 72 hours old: still recent", "2024-05-07T12:00:00.000Z", undefined, false],
    ["just over 72 hours old", "2024-05-07T11:59:59.999Z", undefined, true],
    ["a week old", "2024-05-03T12:00:00.000Z", undefined, true],
    ["the age is measured between instants, not text", "2024-05-07T13:59:59.000+02:00", undefined, true],
    ["a custom window: 2 hours, 3 hours old", "2024-05-10T09:00:00.000Z", 2, true],
    ["a custom window: 2 hours, 1 hour old", "2024-05-10T11:00:00.000Z", 2, false],
    ["a custom window of 0 hours: a second old is too old", "2024-05-10T11:59:59.000Z", 0, true],
    ["4 minutes in the future (clock skew): kept, recent", "2024-05-10T12:04:00.000Z", undefined, false],
    ["a year in the future: taken as received now, recent", "2025-05-10T12:00:00.000Z", undefined, false],
    ["a future timestamp is recent even with a 0-hour window", "2030-01-01T00:00:00.000Z", 0, false],
    ["an unreadable timestamp: taken as received now", "last tuesday", undefined, false],
  ] as const)("%s", (_description, timestamp, windowHours, tooOld) => {
    expect(isTooOld(timestamp, receivedAt, windowHours)).toBe(tooOld);
  });

  it("cannot judge against an unreadable receive time, so nothing is too old", () => {
    expect(isTooOld("2000-01-01T00:00:00.000Z", "not a time")).toBe(false);
  });
});

describe("effectiveTimestamp", () => {
  it.each([
    ["no timestamp: the receive time", undefined, receivedAt],
    ["a past timestamp: kept as sent", "2024-05-09T08:00:00+02:00", "2024-05-09T08:00:00+02:00"],
    ["exactly 5 minutes ahead: kept", "2024-05-10T12:05:00.000Z", "2024-05-10T12:05:00.000Z"],
    ["more than 5 minutes ahead: the receive time", "2024-05-10T12:05:00.001Z", receivedAt],
    [
      "ahead, measured as instants (12:10+01:00 is 11:10Z)",
      "2024-05-10T12:10:00+01:00",
      "2024-05-10T12:10:00+01:00",
    ],
    ["unreadable: the receive time", "2024-05-10 noon", receivedAt],
  ] as const)("%s", (_description, timestamp, expected) => {
    expect(effectiveTimestamp(timestamp, receivedAt)).toBe(expected);
  });
});
