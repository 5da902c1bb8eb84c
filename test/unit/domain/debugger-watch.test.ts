import { describe, expect, it } from "vitest";
import {
  DEBUGGER_WATCH_MS,
  DEBUGGER_WATCH_RENEW_BELOW_MS,
  debuggerWatchRenewal,
  isDebuggerWatched,
} from "../../../shared/domain/debugger-watch.js";

const NOW = new Date("2026-12-06T10:00:00.000Z");
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe("isDebuggerWatched", () => {
  it("is true only before the mark: never watched, or a mark reached, samples nothing", () => {
    expect(isDebuggerWatched(undefined, NOW)).toBe(false);
    expect(isDebuggerWatched(at(-1), NOW)).toBe(false);
    expect(isDebuggerWatched(at(0), NOW)).toBe(false);
    expect(isDebuggerWatched(at(1), NOW)).toBe(true);
  });
});

describe("debuggerWatchRenewal", () => {
  it("marks a never-watched or lapsed source watched for 5 minutes from now", () => {
    for (const mark of [undefined, at(-60_000)]) {
      expect(debuggerWatchRenewal(mark, NOW)).toEqual({
        until: at(DEBUGGER_WATCH_MS),
        renewIfBefore: at(DEBUGGER_WATCH_RENEW_BELOW_MS),
      });
    }
  });

  it("keeps a fresh mark (no write) and renews one with less than the bound left", () => {
    expect(debuggerWatchRenewal(at(DEBUGGER_WATCH_RENEW_BELOW_MS), NOW)).toBeUndefined();
    expect(debuggerWatchRenewal(at(DEBUGGER_WATCH_RENEW_BELOW_MS - 1), NOW)?.until).toBe(
      at(DEBUGGER_WATCH_MS),
    );
  });
});
