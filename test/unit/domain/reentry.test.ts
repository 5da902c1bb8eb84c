import { describe, expect, it } from "vitest";
import type { Reentry } from "../../../shared/domain/moment.js";
import { checkReentry, cooldownCutoff, type PreviousRun } from "../../../shared/domain/reentry.js";

const now = new Date("2024-05-10T12:00:00.000Z");
const once: Reentry = { policy: "once" };
const afterExit: Reentry = { policy: "after_exit" };
const cooldown7d: Reentry = { policy: "cooldown", cooldown: { amount: 7, unit: "days" } };
const cooldown0: Reentry = { policy: "cooldown", cooldown: { amount: 0, unit: "minutes" } };

const ended = (status: PreviousRun["status"], endedAt = "2024-05-01T00:00:00.000Z"): PreviousRun => ({
  status,
  endedAt,
});
const active: PreviousRun = { status: "active" };

describe("checkReentry", () => {
  it.each([
    // first entry
    ["once: a first entry is allowed", once, undefined, { allowed: true }],
    ["after_exit: a first entry is allowed", afterExit, undefined, { allowed: true }],
    ["cooldown: a first entry is allowed", cooldown7d, undefined, { allowed: true }],
    // one active run, whatever the policy
    ["once: blocked while a run is active", once, active, { allowed: false, reason: "already_active" }],
    [
      "after_exit: blocked while a run is active",
      afterExit,
      active,
      { allowed: false, reason: "already_active" },
    ],
    [
      "cooldown: blocked while a run is active",
      cooldown7d,
      active,
      { allowed: false, reason: "already_active" },
    ],
    [
      "cooldown 0: blocked while a run is active",
      cooldown0,
      active,
      { allowed: false, reason: "already_active" },
    ],
    // once: never again, however the previous run ended
    [
      "once: never after a completed run",
      once,
      ended("completed"),
      { allowed: false, reason: "reentry_once" },
    ],
    ["once: never after a success", once, ended("success"), { allowed: false, reason: "reentry_once" }],
    ["once: never after a failed run", once, ended("failed"), { allowed: false, reason: "reentry_once" }],
    ["once: never after a stopped run", once, ended("stopped"), { allowed: false, reason: "reentry_once" }],
    // after_exit: again once ended
    ["after_exit: again after a completed run", afterExit, ended("completed"), { allowed: true }],
    ["after_exit: again after a success", afterExit, ended("success"), { allowed: true }],
    ["after_exit: again after a failed run", afterExit, ended("failed"), { allowed: true }],
    ["after_exit: again after a stopped run", afterExit, ended("stopped"), { allowed: true }],
    [
      "after_exit: again right after the end",
      afterExit,
      ended("success", now.toISOString()),
      { allowed: true },
    ],
    // cooldown: counted from the end of the previous run
    [
      "cooldown: again once the cooldown passed",
      cooldown7d,
      ended("success", "2024-05-03T11:59:59.999Z"),
      { allowed: true },
    ],
    [
      "cooldown: blocked within the cooldown, saying until when",
      cooldown7d,
      ended("failed", "2024-05-05T08:00:00.000Z"),
      { allowed: false, reason: "cooldown", until: "2024-05-12T08:00:00.000Z" },
    ],
    [
      "cooldown: still blocked at exactly the end of the cooldown",
      cooldown7d,
      ended("completed", "2024-05-03T12:00:00.000Z"),
      { allowed: false, reason: "cooldown", until: "2024-05-10T12:00:00.000Z" },
    ],
    [
      "cooldown: counted from the end, not the start, of a long run",
      cooldown7d,
      { status: "success", endedAt: "2024-05-09T00:00:00.000Z" },
      { allowed: false, reason: "cooldown", until: "2024-05-16T00:00:00.000Z" },
    ],
    [
      "cooldown: applies after a stopped run too",
      cooldown7d,
      ended("stopped", "2024-05-10T11:00:00.000Z"),
      { allowed: false, reason: "cooldown", until: "2024-05-17T11:00:00.000Z" },
    ],
    [
      "cooldown: an end time with an offset is read as an instant",
      cooldown7d,
      ended("success", "2024-05-03T13:30:00+02:00"),
      { allowed: true },
    ],
    [
      "cooldown 0: again after any earlier end",
      cooldown0,
      ended("success", "2024-05-10T11:59:59.000Z"),
      { allowed: true },
    ],
    [
      "cooldown: an ended run without endedAt cannot prove a cooldown",
      cooldown7d,
      { status: "failed" },
      { allowed: true },
    ],
    [
      "cooldown: an unreadable endedAt cannot prove a cooldown",
      cooldown7d,
      ended("failed", "yesterday"),
      { allowed: true },
    ],
  ] as const)("%s", (_description, policy, previous, expected) => {
    expect(checkReentry(policy, previous as PreviousRun | undefined, now)).toEqual(expected);
  });

  it.each([
    ["a day at 0.001 lasts 86 s: blocked 80 s after the end", "2024-05-10T11:58:40.000Z", false],
    ["a day at 0.001 lasts 86 s: allowed 90 s after the end", "2024-05-10T11:58:30.000Z", true],
  ] as const)("scales the cooldown like step delays: %s", (_description, endedAt, allowed) => {
    const policy: Reentry = { policy: "cooldown", cooldown: { amount: 1, unit: "days" } };

    expect(checkReentry(policy, ended("success", endedAt), now, 0.001).allowed).toBe(allowed);
  });

  it("agrees with the cut-off the run store checks: allowed exactly when the run ended before it", () => {
    const cutoff = cooldownCutoff({ amount: 7, unit: "days" }, now);

    expect(cutoff).toBe("2024-05-03T12:00:00.000Z");
    expect(checkReentry(cooldown7d, ended("success", "2024-05-03T11:59:59.999Z"), now).allowed).toBe(true);
    expect(checkReentry(cooldown7d, ended("success", cutoff), now).allowed).toBe(false);
    expect(cooldownCutoff({ amount: 1, unit: "days" }, now, 0)).toBe(now.toISOString());
  });
});
