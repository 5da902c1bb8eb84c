import { describe, expect, it } from "vitest";
import {
  type ExecutionInput,
  lookupExecutionName,
  redriveAttempt,
  redriveName,
  remainingInputOf,
} from "../../../shared/contracts/workflow.js";

const run = { workspaceId: "ws_1", momentId: "m_1", runId: "r".repeat(40) };
const START = Date.parse("2026-11-22T12:00:00.000Z");
// Steps a at once, b 60 s later with c, d 600 s after them.
const input: ExecutionInput = {
  wakes: [
    { seconds: 0, run, phase: "exit", steps: ["a"] },
    { seconds: 60, run, phase: "exit", steps: ["b", "c"] },
    { seconds: 600, run, phase: "exit", steps: ["d"] },
  ],
};

describe("remainingInputOf (what a failed execution left)", () => {
  it("drops the steps done, keeps each wake-up's time counted from the failed execution's start", () => {
    const done = new Set(["a", "b"]);

    const left = remainingInputOf(input, START, START + 30_000, (id) => done.has(id));

    expect(left).toEqual({
      wakes: [
        { seconds: 30, run, phase: "exit", steps: ["c"] },
        { seconds: 600, run, phase: "exit", steps: ["d"] },
      ],
    });
  });

  it("a wake-up done in the middle still counts towards the next one's time", () => {
    const done = new Set(["b", "c"]);

    const left = remainingInputOf(input, START, START + 10_000, (id) => done.has(id));

    expect(left.wakes.map((wake) => wake.seconds)).toEqual([0, 650]);
  });

  it("past due: everything left runs at once, in order", () => {
    const left = remainingInputOf(input, START, START + 3_600_000, () => false);

    expect(left.wakes.map((wake) => wake.seconds)).toEqual([0, 0, 0]);
  });

  it("nothing left when every step is done", () => {
    expect(remainingInputOf(input, START, START, () => true)).toEqual({ wakes: [] });
  });
});

describe("execution names", () => {
  it("a re-drive is named from the first execution's name, counting attempts", () => {
    expect(redriveName("run_1-end", 1)).toBe("run_1-end-r1");
    expect(redriveName("run_1-end-r1", 2)).toBe("run_1-end-r2");
    expect([redriveAttempt("run_1-end"), redriveAttempt("gate-abc-r3")]).toEqual([0, 3]);
  });

  it("a lookup execution is named by run and step, within Step Functions' 80 characters", () => {
    expect(lookupExecutionName(run.runId, "notify")).toBe(`${run.runId}-lookup-notify`);
    const long = lookupExecutionName(run.runId, "s".repeat(64));
    expect(long).toMatch(new RegExp(`^${run.runId}-lookup-[0-9a-f]{16}$`));
    expect(long.length).toBeLessThanOrEqual(80);
  });
});
