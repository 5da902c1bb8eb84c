import { beforeEach, describe, expect, it, vi } from "vitest";
import { runIdFor } from "../../../shared/domain/ids.js";
import { type MatchDeps, matchEvent } from "../../../shared/use-cases/match-event.js";
import {
  aMoment,
  anEventDetail,
  FakeConfigRepository,
  FakeProfiles,
  FakeRunRepository,
  FakeWorkflows,
  fixedClock,
} from "../../support/fakes.js";

let config: FakeConfigRepository;
let profiles: FakeProfiles;
let runs: FakeRunRepository;
let workflows: FakeWorkflows;
let deps: MatchDeps;

beforeEach(async () => {
  config = new FakeConfigRepository();
  profiles = new FakeProfiles();
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  deps = {
    moments: config,
    profiles,
    runs,
    workflows,
    clock: fixedClock("2026-11-21T10:00:05.000Z"),
    timeScale: 1,
  };
  await config.createMoment(
    aMoment({
      id: "m_1",
      sourceIds: ["src_1"],
      start: { event: "payment_failed" },
      steps: [
        {
          id: "s1",
          phase: "entry",
          delay: { amount: 0, unit: "minutes" },
          action: { type: "send_email", templateId: "t_1" },
        },
        {
          id: "s2",
          phase: "entry",
          delay: { amount: 2, unit: "days" },
          action: { type: "send_email", templateId: "t_2" },
        },
      ],
    }),
  );
});

describe("matchEvent", () => {
  it("starts a run of a matching moment with a run id derived from the messageId", async () => {
    // Prepare
    const detail = anEventDetail({ messageId: "msg-1", properties: { last4: "4242" } });
    const expectedRunId = runIdFor("ws_1", "m_1", "acct_1", "msg-1");

    // Act
    const decisions = await matchEvent(deps, detail);

    // Assess
    expect(decisions).toEqual([{ momentId: "m_1", decision: "started", runId: expectedRunId }]);
    expect([...workflows.executions.keys()]).toEqual([expectedRunId]);
    expect(workflows.executions.get(expectedRunId)?.run).toEqual({
      workspaceId: "ws_1",
      momentId: "m_1",
      momentVersion: 1,
      runId: expectedRunId,
      accountId: "acct_1",
      startedAt: "2026-11-21T10:00:05.000Z",
      actionsEnabled: true,
      trigger: {
        event: "payment_failed",
        messageId: "msg-1",
        timestamp: detail.timestamp,
        properties: { last4: "4242" },
      },
    });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({
      status: "active",
      runId: expectedRunId,
    });
  });

  it("pins each step's delay in seconds, scaled by the time scale", async () => {
    deps.timeScale = 0.001;

    await matchEvent(deps, anEventDetail());

    const [execution] = [...workflows.executions.values()];
    expect(execution?.steps).toEqual([
      { id: "s1", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
      { id: "s2", delaySeconds: 173, action: { type: "send_email", templateId: "t_2" } },
    ]);
  });

  it("uses real-time delays at time scale 1", async () => {
    await matchEvent(deps, anEventDetail());

    const [execution] = [...workflows.executions.values()];
    expect(execution?.steps.map((s) => s.delaySeconds)).toEqual([0, 172_800]);
  });

  it("does not start a second workflow when the same messageId arrives again", async () => {
    // Prepare
    const runId = runIdFor("ws_1", "m_1", "acct_1", "msg-1");

    // Act
    const first = await matchEvent(deps, anEventDetail({ messageId: "msg-1" }));
    const second = await matchEvent(
      deps,
      anEventDetail({ messageId: "msg-1", receivedAt: "2026-11-21T10:05:00.000Z" }),
    );

    // Assess: the redelivery re-drives the same run, which Step Functions dedupes by execution name.
    expect(first).toEqual([{ momentId: "m_1", decision: "started", runId }]);
    expect(second).toEqual(first);
    expect(workflows.startCalls.map((c) => c.run.runId)).toEqual([runId, runId]);
    expect(workflows.executions.size).toBe(1);
  });

  it("skips an account that already has an active run of the moment", async () => {
    await matchEvent(deps, anEventDetail({ messageId: "msg-1" }));

    const decisions = await matchEvent(deps, anEventDetail({ messageId: "msg-2" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_active" }]);
    expect(workflows.executions.size).toBe(1);
  });

  it("skips a redelivery of an event whose run has already finished", async () => {
    const [first] = await matchEvent(deps, anEventDetail({ messageId: "msg-1" }));
    const run = first?.decision === "started" ? runs.run("ws_1", first.runId)?.run : undefined;
    if (!run) throw new Error("expected a started run");
    await runs.completeRun(run, "2026-11-22T00:00:00.000Z");

    const decisions = await matchEvent(deps, anEventDetail({ messageId: "msg-1" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_ran" }]);
    expect(workflows.startCalls).toHaveLength(1);
  });

  it("lets the account enter again with a new event once its run finished", async () => {
    const [first] = await matchEvent(deps, anEventDetail({ messageId: "msg-1" }));
    const run = first?.decision === "started" ? runs.run("ws_1", first.runId)?.run : undefined;
    if (!run) throw new Error("expected a started run");
    await runs.completeRun(run, "2026-11-22T00:00:00.000Z");

    const [second] = await matchEvent(deps, anEventDetail({ messageId: "msg-2" }));

    expect(second).toMatchObject({ decision: "started", runId: runIdFor("ws_1", "m_1", "acct_1", "msg-2") });
    expect(workflows.executions.size).toBe(2);
  });

  it("skips a moment whose sources do not include the event's source", async () => {
    const decisions = await matchEvent(deps, anEventDetail({ sourceId: "src_other" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "source_mismatch" }]);
    expect(runs.memberships.size).toBe(0);
    expect(workflows.startCalls).toEqual([]);
  });

  it("ignores moments that are not running or start on another event", async () => {
    await config.createMoment(aMoment({ id: "m_stopped", status: "stopped" }));
    await config.createMoment(aMoment({ id: "m_other_event", start: { event: "signed_up" } }));

    const decisions = await matchEvent(deps, anEventDetail());

    expect(decisions.map((d) => d.momentId)).toEqual(["m_1"]);
  });

  it("starts every matching moment, each with its own run", async () => {
    await config.createMoment(aMoment({ id: "m_2" }));

    const decisions = await matchEvent(deps, anEventDetail());

    expect(decisions.map((d) => d.decision)).toEqual(["started", "started"]);
    expect(workflows.executions.size).toBe(2);
  });

  it("merges the event's traits into the profile before matching", async () => {
    // Prepare
    await profiles.mergeTraits(
      "ws_1",
      "acct_1",
      { plan: "free", first_name: "Ada" },
      "2026-11-01T00:00:00.000Z",
    );
    const merge = vi.spyOn(profiles, "mergeTraits");
    const find = vi.spyOn(config, "findRunningMomentsStartingOn");

    // Act
    await matchEvent(deps, anEventDetail({ traits: { plan: "pro" } }));

    // Assess
    expect(profiles.traitsOf("ws_1", "acct_1")).toEqual({ plan: "pro", first_name: "Ada" });
    expect(merge).toHaveBeenCalledWith("ws_1", "acct_1", { plan: "pro" }, "2026-11-21T10:00:00.000Z");
    expect(merge.mock.invocationCallOrder[0]).toBeLessThan(find.mock.invocationCallOrder[0] ?? 0);
  });

  it("merges traits even when no moment matches", async () => {
    await matchEvent(deps, anEventDetail({ event: "no_moment_starts_on_this", traits: { plan: "pro" } }));

    expect(profiles.traitsOf("ws_1", "acct_1")).toEqual({ plan: "pro" });
  });

  it("writes no profile for an event without traits", async () => {
    const merge = vi.spyOn(profiles, "mergeTraits");

    await matchEvent(deps, anEventDetail({ traits: {} }));

    expect(merge).not.toHaveBeenCalled();
  });

  it("throws when the workflow cannot be started, so the queue redelivers the event", async () => {
    vi.spyOn(workflows, "start").mockRejectedValueOnce(new Error("ThrottlingException"));

    await expect(matchEvent(deps, anEventDetail({ messageId: "msg-1" }))).rejects.toThrow(
      "ThrottlingException",
    );

    // The redelivery finds its own run holding the membership and starts it.
    const decisions = await matchEvent(deps, anEventDetail({ messageId: "msg-1" }));
    expect(decisions[0]?.decision).toBe("started");
    expect(workflows.executions.size).toBe(1);
  });

  it("carries userId into the run when the event has one", async () => {
    await matchEvent(deps, anEventDetail({ userId: "user_1" }));

    expect([...workflows.executions.values()][0]?.run.userId).toBe("user_1");
  });
});
