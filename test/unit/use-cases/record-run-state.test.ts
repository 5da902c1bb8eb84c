import { beforeEach, describe, expect, it } from "vitest";
import { recordRunState } from "../../../shared/use-cases/record-run-state.js";
import { aRun, FakeRunRepository, fixedClock } from "../../support/fakes.js";

const NOW = "2026-11-23T08:00:00.000Z";
const run = aRun({ runId: "run_1", momentId: "m_1", accountId: "acct_1" });
const step = { id: "s1", delaySeconds: 0, action: { type: "send_email" as const, templateId: "t_1" } };

let runs: FakeRunRepository;
const clock = fixedClock(NOW);

beforeEach(async () => {
  runs = new FakeRunRepository();
  await runs.enter(run);
});

describe("recordRunState", () => {
  it("records a step that failed for good with the error and its cause", async () => {
    // Act
    const result = await recordRunState(
      { runs, clock },
      { type: "step_failed", run, step, error: { Error: "TransientActionError", Cause: "SES Throttling" } },
    );

    // Assess
    expect(result).toEqual({ recorded: "step_failed" });
    expect(runs.step(run, "s1")).toEqual({
      status: "failed",
      outcome: { status: "failed", reason: "TransientActionError: SES Throttling" },
      recordedAt: NOW,
    });
  });

  it("uses whichever of Error and Cause is present", async () => {
    await recordRunState(
      { runs, clock },
      { type: "step_failed", run, step, error: { Error: "States.Timeout" } },
    );

    expect(runs.step(run, "s1")).toMatchObject({ outcome: { reason: "States.Timeout" } });
  });

  it("records 'unknown error' when the workflow reports neither", async () => {
    await recordRunState({ runs, clock }, { type: "step_failed", run, step, error: {} });

    expect(runs.step(run, "s1")).toMatchObject({ outcome: { reason: "unknown error" } });
  });

  it("bounds the reason to 1000 characters", async () => {
    await recordRunState(
      { runs, clock },
      { type: "step_failed", run, step, error: { Error: "E", Cause: "c".repeat(5000) } },
    );

    const stored = runs.step(run, "s1");
    const reason =
      stored && "outcome" in stored && stored.outcome.status === "failed" ? stored.outcome.reason : "";
    expect(reason).toHaveLength(1000);
    expect(reason).toMatch(/^E: c+$/);
  });

  it("completes the run and releases the account's membership", async () => {
    // Act
    const result = await recordRunState({ runs, clock }, { type: "run_completed", run });

    // Assess
    expect(result).toEqual({ recorded: "run_completed" });
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).not.toHaveProperty("activeRunId");
  });

  it("is idempotent: a repeated completion changes nothing", async () => {
    await recordRunState({ runs, clock }, { type: "run_completed", run });
    const later = fixedClock("2026-11-24T00:00:00.000Z");

    await recordRunState({ runs, clock: later }, { type: "run_completed", run });

    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "completed", endedAt: NOW });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({ status: "completed", endedAt: NOW });
  });
});
