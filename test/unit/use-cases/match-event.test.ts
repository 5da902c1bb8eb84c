import { beforeEach, describe, expect, it, vi } from "vitest";
import { IDLE_EVENT_NAME_TTL_MS, MemoryIdleEventNames } from "../../../shared/adapters/idle-event-names.js";
import type { EventReceivedDetail } from "../../../shared/contracts/bus.js";
import { runIdFor } from "../../../shared/domain/ids.js";
import type { Moment, Step } from "../../../shared/domain/moment.js";
import { type MatchDecision, type MatchDeps, matchEvent } from "../../../shared/use-cases/match-event.js";
import { openGate } from "../../../shared/use-cases/open-gate.js";
import {
  aMoment,
  anEventDetail,
  FakeConfigRepository,
  FakeMessageLog,
  FakePendingStarts,
  FakeProfiles,
  FakeRunRepository,
  FakeWorkflows,
  type FixedClock,
  fixedClock,
} from "../../support/fakes.js";
import { FakeInsights } from "../../support/fakes-insights.js";

const NOW = "2026-11-21T10:00:05.000Z";

let config: FakeConfigRepository;
let profiles: FakeProfiles;
let runs: FakeRunRepository;
let workflows: FakeWorkflows;
let messages: FakeMessageLog;
let insights: FakeInsights;
let pending: FakePendingStarts;
let clock: FixedClock;
let deps: MatchDeps;

const email = (id: string, templateId: string, phase: Step["phase"] = "entry", amount = 0): Step => ({
  id,
  phase,
  delay: { amount, unit: "minutes" },
  action: { type: "send_email", templateId },
});

/** A running moment m_1 on payment_failed from src_1, with overrides; replaces any stored m_1. */
async function moment(overrides: Partial<Moment> = {}) {
  const m = aMoment({
    id: "m_1",
    sourceIds: ["src_1"],
    start: { event: "payment_failed" },
    steps: [email("s1", "t_1"), { ...email("s2", "t_2"), delay: { amount: 2, unit: "days" } }],
    ...overrides,
  });
  config.moments.delete(JSON.stringify([m.workspaceId, m.id]));
  await config.createMoment(m);
  return m;
}

/** The end rules' moment: started by payment_failed, ended by payment_succeeded / account_closed. */
async function momentWithEndRules(overrides: Partial<Moment> = {}) {
  return moment({
    reentry: { policy: "after_exit" },
    end: [
      { outcome: "success", event: "payment_succeeded" },
      { outcome: "failed", event: "account_closed" },
    ],
    steps: [
      email("s1", "t_1"),
      { ...email("s2", "t_2"), delay: { amount: 2, unit: "days" } },
      email("thanks", "t_thanks", "completion", 5),
      email("sorry", "t_sorry", "exit", 10),
    ],
    ...overrides,
  });
}

function event(overrides: Partial<EventReceivedDetail> = {}) {
  return anEventDetail(overrides);
}

function startedRunId(decisions: MatchDecision[]): string {
  const started = decisions.find((d) => d.decision === "started");
  if (started?.decision !== "started") throw new Error(`expected a start in ${JSON.stringify(decisions)}`);
  return started.runId;
}

beforeEach(async () => {
  config = new FakeConfigRepository();
  profiles = new FakeProfiles();
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  messages = new FakeMessageLog();
  profiles.messages = messages;
  insights = new FakeInsights();
  clock = fixedClock(NOW);
  pending = new FakePendingStarts();
  deps = {
    moments: config,
    profiles,
    runs,
    workflows,
    messages,
    pending,
    recorder: insights,
    clock,
    timeScale: 1,
  };
  await moment();
});

describe("matchEvent: starting a run", () => {
  it("starts a run of a matching moment with a run id derived from the messageId", async () => {
    // Prepare
    const detail = event({ messageId: "msg-1", properties: { last4: "4242" } });
    const expectedRunId = runIdFor("ws_1", "m_1", "acct_1", "msg-1");

    // Act
    const decisions = await matchEvent(deps, detail);

    // Assess
    expect(decisions).toEqual([{ momentId: "m_1", decision: "started", runId: expectedRunId }]);
    expect([...workflows.executions.keys()]).toEqual([expectedRunId]);
    expect(workflows.entry(expectedRunId)).toEqual({
      run: {
        workspaceId: "ws_1",
        momentId: "m_1",
        momentVersion: 1,
        runId: expectedRunId,
        accountId: "acct_1",
        startedAt: NOW,
        actionsEnabled: true,
        trigger: {
          event: "payment_failed",
          messageId: "msg-1",
          sourceId: "src_1",
          timestamp: detail.timestamp,
          properties: { last4: "4242" },
        },
      },
      phase: "entry",
      steps: [
        { id: "s1", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
        { id: "s2", delaySeconds: 172_800, action: { type: "send_email", templateId: "t_2" } },
      ],
      // No end rules: the run completes when its steps are done.
      completeWhenStepsDone: true,
    });
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({
      status: "active",
      runId: expectedRunId,
    });
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
  });

  it("marks the message processed once its work is done, and records the decisions", async () => {
    const decisions = await matchEvent(deps, event({ messageId: "msg-1" }));

    expect(messages.processedAt("ws_1", "msg-1")).toBe(NOW);
    expect(await insights.listDecisions("ws_1", "acct_1", 10)).toEqual([
      {
        momentId: "m_1",
        momentName: "Recover failed payments",
        reason: "started",
        runId: startedRunId(decisions),
        accountId: "acct_1",
        messageId: "msg-1",
        event: "payment_failed",
        at: NOW,
      },
    ]);
  });

  it("records the event in the account's recent events and the observed events", async () => {
    await matchEvent(deps, event({ messageId: "msg-1", properties: { amount: 5 } }));

    expect(await insights.listAccountEvents("ws_1", "acct_1", 10)).toMatchObject([
      { messageId: "msg-1", event: "payment_failed", receivedAt: "2026-11-21T10:00:00.000Z" },
    ]);
    expect(await insights.getObservedEvent("ws_1", "payment_failed")).toMatchObject({ count: 1 });
  });

  it("pins each step's delay in seconds, scaled by the time scale", async () => {
    deps.timeScale = 0.001;

    const decisions = await matchEvent(deps, event());

    expect(workflows.entry(startedRunId(decisions))?.steps).toEqual([
      { id: "s1", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
      { id: "s2", delaySeconds: 173, action: { type: "send_email", templateId: "t_2" } },
    ]);
  });

  it("pins the completion and exit steps with the entry, scaled like the entry steps", async () => {
    await momentWithEndRules();
    deps.timeScale = 0.5;

    const decisions = await matchEvent(deps, event());

    const runId = startedRunId(decisions);
    expect(runs.run("ws_1", runId)?.endSteps).toEqual({
      completion: [
        { id: "thanks", delaySeconds: 150, action: { type: "send_email", templateId: "t_thanks" } },
      ],
      exit: [{ id: "sorry", delaySeconds: 300, action: { type: "send_email", templateId: "t_sorry" } }],
    });
    // Only entry steps run in the entry execution.
    expect(workflows.entry(runId)?.steps.map((s) => s.id)).toEqual(["s1", "s2"]);
  });

  it("starts every matching moment, each with its own run", async () => {
    await config.createMoment(aMoment({ id: "m_2" }));

    const decisions = await matchEvent(deps, event());

    expect(decisions.map((d) => [d.momentId, d.decision])).toEqual([
      ["m_1", "started"],
      ["m_2", "started"],
    ]);
    expect(workflows.executions.size).toBe(2);
  });

  it("ignores moments that are not running or start on another event", async () => {
    await config.createMoment(aMoment({ id: "m_stopped", status: "stopped" }));
    await config.createMoment(aMoment({ id: "m_other_event", start: { event: "signed_up" } }));

    const decisions = await matchEvent(deps, event());

    expect(decisions.map((d) => d.momentId)).toEqual(["m_1"]);
  });

  it("carries userId into the run when the event has one", async () => {
    const decisions = await matchEvent(deps, event({ userId: "user_1" }));

    expect(workflows.entry(startedRunId(decisions))?.run.userId).toBe("user_1");
  });

  it("pins the moment's actionsEnabled into the run", async () => {
    await moment({ actionsEnabled: false });

    const decisions = await matchEvent(deps, event());

    expect(workflows.entry(startedRunId(decisions))?.run.actionsEnabled).toBe(false);
  });

  it("throws when the workflow cannot be started, without marking the message, so the queue redelivers it", async () => {
    // Prepare
    vi.spyOn(workflows, "start").mockRejectedValueOnce(new Error("ThrottlingException"));

    // Act
    await expect(matchEvent(deps, event({ messageId: "msg-1" }))).rejects.toThrow("ThrottlingException");

    // Assess
    expect(await messages.isProcessed("ws_1", "msg-1")).toBe(false);
    // The redelivery finds its own run holding the membership and starts it, counted once.
    const decisions = await matchEvent(deps, event({ messageId: "msg-1" }));
    expect(decisions[0]?.decision).toBe("started");
    expect(workflows.executions.size).toBe(1);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
  });
});

describe("matchEvent: traits", () => {
  it("merges the event's traits into the profile before matching, so filters see them", async () => {
    // Prepare
    await moment({
      start: { event: "payment_failed", where: [{ field: "account.plan", op: "eq", value: "pro" }] },
    });
    await profiles.mergeTraits(
      "ws_1",
      "acct_1",
      { plan: "free", first_name: "Ada" },
      "2026-11-01T00:00:00.000Z",
    );
    const merge = vi.spyOn(profiles, "mergeTraits");

    // Act
    const decisions = await matchEvent(deps, event({ traits: { plan: "pro" } }));

    // Assess
    expect(profiles.traitsOf("ws_1", "acct_1")).toEqual({ plan: "pro", first_name: "Ada" });
    expect(merge).toHaveBeenCalledWith("ws_1", "acct_1", { plan: "pro" }, "2026-11-21T10:00:00.000Z");
    expect(decisions[0]?.decision).toBe("started");
  });

  it("merges the user's traits into the user's profile, so user.* filters see them", async () => {
    await moment({
      start: { event: "payment_failed", where: [{ field: "user.role", op: "eq", value: "admin" }] },
    });
    const detail = { ...event({ userId: "user_1" }), userTraits: { role: "admin" } };

    const decisions = await matchEvent(deps, detail);

    expect(decisions[0]?.decision).toBe("started");
    expect(await profiles.getUser("ws_1", "user_1")).toMatchObject({
      accountId: "acct_1",
      traits: { role: "admin" },
    });
  });

  it("counts the event on the account before matching, so account.event_counts filters see it", async () => {
    await moment({
      start: {
        event: "payment_failed",
        where: [{ field: "account.event_counts.payment_failed", op: "gte", value: 2 }],
      },
      reentry: { policy: "after_exit" },
    });

    const first = await matchEvent(deps, event({ messageId: "msg-1" }));
    const second = await matchEvent(deps, event({ messageId: "msg-2" }));

    expect(first[0]).toMatchObject({ reason: "filter_failed" });
    expect(second[0]?.decision).toBe("started");
    expect((await profiles.get("ws_1", "acct_1"))?.lastSeenAt).toBe("2026-11-21T09:59:00.000Z");
  });

  it("merges traits even when no moment matches", async () => {
    await matchEvent(deps, event({ event: "no_moment_starts_on_this", traits: { plan: "pro" } }));

    expect(profiles.traitsOf("ws_1", "acct_1")).toEqual({ plan: "pro" });
  });

  it("writes no profile for an event without traits", async () => {
    const merge = vi.spyOn(profiles, "mergeTraits");

    await matchEvent(deps, event({ traits: {} }));

    expect(merge).not.toHaveBeenCalled();
  });
});

describe("matchEvent: start filters", () => {
  it("starts when every condition holds", async () => {
    await moment({
      start: {
        event: "payment_failed",
        where: [
          { field: "event.amount", op: "gt", value: 10 },
          {
            any: [
              { field: "event.currency", op: "eq", value: "EUR" },
              { field: "event.currency", op: "eq", value: "USD" },
            ],
          },
        ],
      },
    });

    const decisions = await matchEvent(deps, event({ properties: { amount: 42, currency: "USD" } }));

    expect(decisions[0]?.decision).toBe("started");
  });

  it("skips with filter_failed, naming the failing condition and the value it saw", async () => {
    // Prepare
    await moment({
      start: {
        event: "payment_failed",
        where: [
          { field: "event.currency", op: "eq", value: "EUR" },
          { field: "event.amount", op: "gt", value: 10 },
        ],
      },
    });

    // Act
    const decisions = await matchEvent(deps, event({ properties: { amount: 4, currency: "EUR" } }));

    // Assess
    expect(decisions).toEqual([
      { momentId: "m_1", decision: "skipped", reason: "filter_failed", detail: "event.amount gt 10: was 4" },
    ]);
    expect(runs.memberships.size).toBe(0);
    expect(workflows.startCalls).toEqual([]);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({});
    // A skip is a decision too: the message is done.
    expect(await messages.isProcessed("ws_1", "msg_1")).toBe(true);
    expect(await insights.listDecisions("ws_1", "acct_1", 10)).toMatchObject([
      { momentId: "m_1", reason: "filter_failed", condition: "event.amount gt 10: was 4", rule: "start" },
    ]);
  });

  it("names a missing account trait as missing", async () => {
    await moment({
      start: { event: "payment_failed", where: [{ field: "account.plan", op: "eq", value: "pro" }] },
    });

    const decisions = await matchEvent(deps, event());

    expect(decisions[0]).toMatchObject({
      reason: "filter_failed",
      detail: 'account.plan eq "pro": was missing',
    });
  });
});

describe("matchEvent: time frame", () => {
  // The default event happened at 09:59 on 2026-11-21.
  const frame = (from?: string, until?: string) => ({
    timeFrame: { ...(from ? { from } : {}), ...(until ? { until } : {}) },
  });

  it("starts on an event that happened within the time frame", async () => {
    await moment(frame("2026-11-21T09:00:00.000Z", "2026-11-21T10:00:00.000Z"));

    const decisions = await matchEvent(deps, event());

    expect(decisions[0]?.decision).toBe("started");
  });

  it.each([
    ["before it opens", frame("2026-11-21T09:59:01.000Z")],
    ["once it closed (until is exclusive)", frame(undefined, "2026-11-21T09:59:00.000Z")],
  ])("starts nothing %s, and logs outside_time_frame with the frame", async (_when, overrides) => {
    await moment(overrides);

    const decisions = await matchEvent(deps, event());

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "outside_time_frame" }]);
    expect(workflows.startCalls).toEqual([]);
    expect(await insights.listDecisions("ws_1", "acct_1", 10)).toEqual([
      expect.objectContaining({ momentId: "m_1", reason: "outside_time_frame", ...overrides.timeFrame }),
    ]);
  });

  it("judges by when the event happened, not when it was processed", async () => {
    await moment(frame(undefined, "2026-11-21T09:59:30.000Z"));

    const decisions = await matchEvent(deps, event({ receivedAt: "2026-11-21T10:30:00.000Z" }));

    expect(decisions[0]?.decision).toBe("started");
  });

  it("lets runs in progress go on after the frame closed: an end event still ends them", async () => {
    await momentWithEndRules(frame(undefined, "2026-11-21T10:00:00.000Z"));
    const runId = startedRunId(await matchEvent(deps, event()));

    const decisions = await matchEvent(
      deps,
      event({
        event: "payment_succeeded",
        messageId: "msg_2",
        timestamp: "2026-11-21T10:30:00.000Z",
        receivedAt: "2026-11-21T10:30:00.000Z",
      }),
    );

    expect(decisions).toEqual([{ momentId: "m_1", decision: "ended", runId, outcome: "success" }]);
  });

  it("starts nothing when an abandonment falls due after the frame closed", async () => {
    await moment({
      start: {
        event: "cart_item_added",
        unless: { event: "checkout_completed", within: { amount: 2, unit: "hours" } },
      },
      ...frame(undefined, "2026-11-21T11:00:00.000Z"),
    });
    await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));
    const gate = [...workflows.gates.values()][0];
    if (!gate) throw new Error("no gate");
    clock.advance(2 * 3_600_000);

    const opened = await openGate({ ...deps }, gate);

    expect(opened).toEqual({ momentId: "m_1", decision: "skipped", reason: "outside_time_frame" });
    expect(workflows.executions.size).toBe(0);
    expect(pending.armed.size).toBe(0);
  });
});

describe("matchEvent: source and age", () => {
  it("skips a moment whose sources do not include the event's source", async () => {
    const decisions = await matchEvent(deps, event({ sourceId: "src_other" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "source_mismatch" }]);
    expect(runs.memberships.size).toBe(0);
    expect(workflows.startCalls).toEqual([]);
  });

  it("skips an event that happened more than 72 hours before it was received, as too_old", async () => {
    const timestamp = "2026-11-18T09:59:59.000Z";

    const decisions = await matchEvent(deps, event({ timestamp, receivedAt: "2026-11-21T10:00:00.000Z" }));

    expect(decisions).toEqual([
      { momentId: "m_1", decision: "skipped", reason: "too_old", detail: `event of ${timestamp}` },
    ]);
    expect(workflows.startCalls).toEqual([]);
  });

  it("starts on an event exactly 72 hours old", async () => {
    const decisions = await matchEvent(
      deps,
      event({ timestamp: "2026-11-18T10:00:00.000Z", receivedAt: "2026-11-21T10:00:00.000Z" }),
    );

    expect(decisions[0]?.decision).toBe("started");
  });
});

describe("matchEvent: sampling", () => {
  const accounts = Array.from({ length: 20 }, (_, i) => `acct_${i}`);

  it("samples nobody in at 0", async () => {
    await moment({ samplingRate: 0 });

    for (const accountId of accounts) {
      const decisions = await matchEvent(deps, event({ accountId, messageId: `msg-${accountId}` }));
      expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "sampled_out" }]);
    }
    expect(workflows.startCalls).toEqual([]);
  });

  it("samples everybody in at 100", async () => {
    await moment({ samplingRate: 100 });

    for (const accountId of accounts) {
      const decisions = await matchEvent(deps, event({ accountId, messageId: `msg-${accountId}` }));
      expect(decisions[0]?.decision).toBe("started");
    }
    expect(workflows.executions.size).toBe(accounts.length);
  });

  it("decides the same way for an account every time, so a retry never flips it", async () => {
    await moment({ samplingRate: 50, reentry: { policy: "after_exit" } });
    const first = new Map<string, string>();
    for (const accountId of accounts) {
      const [d] = await matchEvent(deps, event({ accountId, messageId: `a-${accountId}` }));
      first.set(accountId, d?.decision === "skipped" ? d.reason : (d?.decision ?? ""));
    }
    // End every run so the second round is not blocked by re-entry.
    for (const accountId of accounts) {
      const membership = runs.membership("ws_1", "m_1", accountId);
      if (membership?.status === "active")
        await runs.endRun(
          { workspaceId: "ws_1", momentId: "m_1", accountId, runId: membership.runId },
          "completed",
          "steps_done",
          NOW,
        );
    }

    for (const accountId of accounts) {
      const [d] = await matchEvent(deps, event({ accountId, messageId: `b-${accountId}` }));
      expect(d?.decision === "skipped" ? d.reason : d?.decision).toBe(first.get(accountId));
    }
    // Both outcomes occur at 50%: the test would not notice a constant answer otherwise.
    expect(new Set(first.values())).toEqual(new Set(["started", "sampled_out"]));
  });
});

describe("matchEvent: re-entry", () => {
  async function finishRunOf(accountId: string, endedAt: string, runKey?: string) {
    const membership = runs.membership("ws_1", "m_1", accountId, runKey);
    if (!membership) throw new Error("expected a membership");
    await runs.endRun(
      {
        workspaceId: "ws_1",
        momentId: "m_1",
        accountId,
        runId: membership.runId,
        ...(runKey ? { runKey } : {}),
      },
      "completed",
      "steps_done",
      endedAt,
    );
  }

  it("skips an account that already has an active run of the moment, whatever the policy", async () => {
    await moment({ reentry: { policy: "after_exit" } });
    await matchEvent(deps, event({ messageId: "msg-1" }));

    const decisions = await matchEvent(deps, event({ messageId: "msg-2" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_active" }]);
    expect(workflows.executions.size).toBe(1);
  });

  it("once: never lets the account in again after its run ended", async () => {
    await moment({ reentry: { policy: "once" } });
    await matchEvent(deps, event({ messageId: "msg-1" }));
    await finishRunOf("acct_1", "2026-11-21T10:01:00.000Z");
    clock.advance(30 * 86_400_000);

    const decisions = await matchEvent(deps, event({ messageId: "msg-2" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "reentry_once" }]);
    expect(runs.statsOf("ws_1", "m_1")).toMatchObject({ entered: 1 });
  });

  it("after_exit: lets the account in again with a new event once its run ended", async () => {
    await moment({ reentry: { policy: "after_exit" } });
    await matchEvent(deps, event({ messageId: "msg-1" }));
    await finishRunOf("acct_1", "2026-11-21T10:01:00.000Z");

    const [second] = await matchEvent(deps, event({ messageId: "msg-2" }));

    expect(second).toMatchObject({ decision: "started", runId: runIdFor("ws_1", "m_1", "acct_1", "msg-2") });
    expect(workflows.executions.size).toBe(2);
    expect(runs.membership("ws_1", "m_1", "acct_1")).toMatchObject({ status: "active", entries: 2 });
  });

  it("cooldown: skips until the cooldown has passed since the previous run ended, saying until when", async () => {
    // Prepare: the previous run ended 2 hours ago; the cooldown is a day.
    await moment({ reentry: { policy: "cooldown", cooldown: { amount: 1, unit: "days" } } });
    runs.seedEndedMembership(
      { workspaceId: "ws_1", momentId: "m_1", accountId: "acct_1", runId: "run_old" },
      "completed",
      "2026-11-21T08:00:05.000Z",
    );

    // Act
    const blocked = await matchEvent(deps, event({ messageId: "msg-1" }));
    clock.advance(22 * 3_600_000 + 1000);
    const allowed = await matchEvent(deps, event({ messageId: "msg-2" }));

    // Assess
    expect(blocked).toEqual([
      { momentId: "m_1", decision: "skipped", reason: "cooldown", detail: "2026-11-22T08:00:05.000Z" },
    ]);
    expect(allowed[0]?.decision).toBe("started");
  });

  it("cooldown: compresses the cooldown with the time scale", async () => {
    // A day at 0.001 is 86.4 s; the previous run ended 100 s ago.
    await moment({ reentry: { policy: "cooldown", cooldown: { amount: 1, unit: "days" } } });
    deps.timeScale = 0.001;
    runs.seedEndedMembership(
      { workspaceId: "ws_1", momentId: "m_1", accountId: "acct_1", runId: "run_old" },
      "failed",
      "2026-11-21T09:58:25.000Z",
    );

    const decisions = await matchEvent(deps, event());

    expect(decisions[0]?.decision).toBe("started");
  });

  it("lets the entry's guard decide when the membership it read was stale (a concurrent entry)", async () => {
    // Prepare: another event's run entered between this event's read and its entry.
    await moment({ reentry: { policy: "after_exit" } });
    await matchEvent(deps, event({ messageId: "msg-1" }));
    vi.spyOn(runs, "getMembership").mockResolvedValueOnce(undefined);

    // Act
    const decisions = await matchEvent(deps, event({ messageId: "msg-2" }));

    // Assess
    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_active" }]);
    expect(workflows.executions.size).toBe(1);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
  });

  it("once: the entry's guard keeps a stale read from entering an account that already ran", async () => {
    await moment({ reentry: { policy: "once" } });
    await matchEvent(deps, event({ messageId: "msg-1" }));
    await finishRunOf("acct_1", "2026-11-21T10:01:00.000Z");
    vi.spyOn(runs, "getMembership").mockResolvedValueOnce(undefined);

    const decisions = await matchEvent(deps, event({ messageId: "msg-2" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "reentry_blocked" }]);
  });

  it("starts nothing for a resend, after the dedupe window, of the event whose run already ended", async () => {
    await matchEvent(deps, event({ messageId: "msg-1" }));
    await finishRunOf("acct_1", "2026-11-21T10:01:00.000Z");
    // The dedupe marker expired (TTL): the resend is matched again.
    messages.markers.clear();

    const decisions = await matchEvent(deps, event({ messageId: "msg-1" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_ran" }]);
    expect(workflows.startCalls).toHaveLength(1);
  });
});

describe("matchEvent: run keys", () => {
  beforeEach(async () => {
    await moment({ start: { event: "payment_failed", key: "invoice" }, reentry: { policy: "after_exit" } });
  });

  it("starts one run for copies of a messageId that race with other content (another key value, another account)", async () => {
    // Copies racing past the dedupe check redo the same idempotent work; these would make other
    // runs: the copy that touched first is the message, the others are duplicates.
    const copies = [
      event({ messageId: "msg-x", properties: { invoice: "inv_1" } }),
      event({ messageId: "msg-x", properties: { invoice: "inv_2" } }),
      event({ messageId: "msg-x", accountId: "acct_2", properties: { invoice: "inv_1" } }),
    ];

    const results = await Promise.all(copies.map((copy) => matchEvent(deps, copy)));

    expect(results.filter((decisions) => decisions.some((d) => d.decision === "started"))).toHaveLength(1);
    expect(results.filter((decisions) => decisions[0]?.decision === "duplicate")).toHaveLength(2);
    expect(workflows.executions.size).toBe(1);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
  });

  it("lets no copy with other content that nothing uses finish the message while the first copy's run waits for its execution", async () => {
    // Copy B starts a run, then crashes before its execution starts; copy A (same messageId, an
    // event nothing uses) must not mark the message processed with no decisions, or B's redelivery
    // would be a duplicate and the run would wait for good.
    let reached!: () => void;
    const atStart = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const realStart = workflows.start.bind(workflows);
    let crash = true;
    workflows.start = async (input) => {
      reached();
      await gate;
      if (crash) throw new Error("crashed before the execution started");
      return realStart(input);
    };
    const b = matchEvent(deps, event({ messageId: "msg-z", properties: { invoice: "inv_1" } })).catch(
      (error: unknown) => error,
    );
    await atStart;

    const a = await matchEvent(deps, event({ messageId: "msg-z", event: "page_viewed" }));
    release();
    expect(await b).toBeInstanceOf(Error);
    crash = false;
    const redelivered = await matchEvent(
      deps,
      event({ messageId: "msg-z", properties: { invoice: "inv_1" } }),
    );

    expect(a).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect(startedRunId(redelivered)).toBe(runIdFor("ws_1", "m_1", "acct_1#inv_1", "msg-z"));
    expect(workflows.executions.size).toBe(1);
  });

  it("writes nothing of a racing copy with other content: not its traits, not its counters", async () => {
    const first = event({ messageId: "msg-t", properties: { invoice: "inv_1" } });
    const other = event({
      messageId: "msg-t",
      accountId: "acct_2",
      properties: { invoice: "inv_1" },
      traits: { email: "attacker@evil.example" },
    });

    const [a, b] = await Promise.all([matchEvent(deps, first), matchEvent(deps, other)]);

    expect(startedRunId(a)).toBeTypeOf("string");
    expect(b).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect(profiles.traitsOf("ws_1", "acct_2")).toBeUndefined();
    expect((await profiles.get("ws_1", "acct_2"))?.eventCounts).toBeUndefined();
  });

  it("still redoes the work for a copy that says the same (a resend after a crash drives the run)", async () => {
    const copy = () => event({ messageId: "msg-y", properties: { invoice: "inv_1" } });

    const results = await Promise.all([matchEvent(deps, copy()), matchEvent(deps, copy())]);

    const runId = runIdFor("ws_1", "m_1", "acct_1#inv_1", "msg-y");
    expect(results).toEqual([
      [{ momentId: "m_1", decision: "started", runId }],
      [{ momentId: "*", decision: "duplicate" }],
    ]);
    expect(workflows.startCalls.length).toBeGreaterThanOrEqual(1);
    expect(workflows.executions.size).toBe(1);
  });

  it("starts one run per key value, each holding its own membership", async () => {
    // Act
    const a = await matchEvent(deps, event({ messageId: "msg-a", properties: { invoice: "inv_a" } }));
    const b = await matchEvent(deps, event({ messageId: "msg-b", properties: { invoice: "inv_b" } }));
    const again = await matchEvent(deps, event({ messageId: "msg-a2", properties: { invoice: "inv_a" } }));

    // Assess
    const runA = startedRunId(a);
    const runB = startedRunId(b);
    expect(runA).toBe(runIdFor("ws_1", "m_1", "acct_1#inv_a", "msg-a"));
    expect(runB).not.toBe(runA);
    expect(again).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_active" }]);
    expect(runs.membership("ws_1", "m_1", "acct_1", "inv_a")).toMatchObject({
      status: "active",
      runId: runA,
    });
    expect(runs.membership("ws_1", "m_1", "acct_1", "inv_b")).toMatchObject({
      status: "active",
      runId: runB,
    });
    expect(workflows.entry(runA)?.run.runKey).toBe("inv_a");
    expect((await runs.listActiveRuns("ws_1", "acct_1")).map((r) => r.runKey).sort()).toEqual([
      "inv_a",
      "inv_b",
    ]);
  });

  it("treats a number and its string as the same key", async () => {
    await matchEvent(deps, event({ messageId: "msg-1", properties: { invoice: 42 } }));

    const decisions = await matchEvent(deps, event({ messageId: "msg-2", properties: { invoice: "42" } }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "skipped", reason: "already_active" }]);
  });

  it.each([
    ["absent", {}],
    ["null", { invoice: null }],
    ["empty", { invoice: "" }],
    ["an object", { invoice: { id: 1 } }],
  ])("skips an event whose key is %s, as missing_run_key naming the key", async (_label, properties) => {
    const decisions = await matchEvent(deps, event({ properties }));

    expect(decisions).toEqual([
      { momentId: "m_1", decision: "skipped", reason: "missing_run_key", detail: "invoice" },
    ]);
    expect(runs.memberships.size).toBe(0);
  });
});

describe("matchEvent: dedupe", () => {
  it("answers a processed messageId as a duplicate and does nothing else", async () => {
    // Prepare
    await momentWithEndRules();
    await matchEvent(deps, event({ messageId: "msg-1" }));
    const merge = vi.spyOn(profiles, "mergeTraits");
    const mark = vi.spyOn(messages, "finish");
    const touch = vi.spyOn(profiles, "touch");
    const observe = vi.spyOn(insights, "observeEvent");
    const startsBefore = workflows.startCalls.length;
    clock.advance(1000);

    // Act
    const decisions = await matchEvent(
      deps,
      event({ messageId: "msg-1", traits: { plan: "pro" }, receivedAt: "2026-11-21T10:05:00.000Z" }),
    );

    // Assess
    expect(decisions).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect(merge).not.toHaveBeenCalled();
    expect(mark).not.toHaveBeenCalled();
    // Counters of the account and of observed events count the message once.
    expect(touch).not.toHaveBeenCalled();
    expect(observe).not.toHaveBeenCalled();
    expect(workflows.startCalls).toHaveLength(startsBefore);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
    expect((await insights.listDecisions("ws_1", "acct_1", 1))[0]).toMatchObject({
      reason: "duplicate",
      messageId: "msg-1",
    });
  });

  it("logs two copies of a message processed at the same instant once: one start, one duplicate", async () => {
    // Both copies pass the dedupe check before either is marked processed.
    const [first, second] = await Promise.all([
      matchEvent(deps, event({ messageId: "msg-1" })),
      matchEvent(deps, event({ messageId: "msg-1", receivedAt: "2026-11-21T10:00:02.000Z" })),
    ]);

    const runId = runIdFor("ws_1", "m_1", "acct_1", "msg-1");
    expect([first, second]).toEqual([
      [{ momentId: "m_1", decision: "started", runId }],
      [{ momentId: "*", decision: "duplicate" }],
    ]);
    expect(workflows.executions.size).toBe(1);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
    const lines = await insights.listDecisions("ws_1", "acct_1", 10);
    expect(lines.map((line) => line.reason).sort()).toEqual(["duplicate", "started"]);
  });

  it("writes a message's lines again, not new ones, when it is retried after its marker", async () => {
    // Prepare: the first attempt marked the message, then failed writing its decision lines.
    vi.spyOn(insights, "recordDecisions").mockRejectedValueOnce(new Error("Throttled"));
    await expect(matchEvent(deps, event({ messageId: "msg-1" }))).rejects.toThrow("Throttled");
    clock.advance(5000);

    // Act
    await matchEvent(deps, event({ messageId: "msg-1" }));
    clock.advance(5000);
    await matchEvent(deps, event({ messageId: "msg-1" }));

    // Assess: the first attempt's line, once, at its time; each later copy a duplicate
    const lines = await insights.listDecisions("ws_1", "acct_1", 10);
    expect(lines.filter((line) => line.reason === "started")).toEqual([
      expect.objectContaining({ at: NOW, messageId: "msg-1" }),
    ]);
    expect(lines.filter((line) => line.reason === "duplicate")).toHaveLength(2);
  });

  it("marks an event no moment uses processed in its touch, counting it once even when copies race", async () => {
    const unused = () => event({ event: "page_viewed", messageId: "msg-unused" });

    const results = await Promise.all([matchEvent(deps, unused()), matchEvent(deps, unused())]);

    expect(results).toEqual([[], [{ momentId: "*", decision: "duplicate" }]]);
    expect(messages.processedAt("ws_1", "msg-unused")).toBe(NOW);
    expect((await profiles.get("ws_1", "acct_1"))?.eventCounts).toEqual({ page_viewed: 1 });
    expect(await matchEvent(deps, unused())).toEqual([{ momentId: "*", decision: "duplicate" }]);
  });

  it("treats an event as unused for an account whose active runs it cannot end", async () => {
    await momentWithEndRules();
    await matchEvent(deps, event({ messageId: "msg-start" }));
    const getProfile = vi.spyOn(profiles, "get");
    const finish = vi.spyOn(messages, "finish");

    const decisions = await matchEvent(deps, event({ event: "page_viewed", messageId: "msg-view" }));

    expect(decisions).toEqual([]);
    expect(getProfile).not.toHaveBeenCalled();
    expect(finish).toHaveBeenCalledTimes(1); // by the touch, in its transaction
    expect(messages.processedAt("ws_1", "msg-view")).toBe(NOW);
  });

  it("rewrites the recent-event row when the same delivery is retried after its touch marked it", async () => {
    // Prepare: the first attempt's touch applied (and marked it), its recent-event row failed.
    vi.spyOn(insights, "recordAccountEvent").mockRejectedValueOnce(new Error("Throttled"));
    const unused = () => event({ event: "page_viewed", messageId: "msg-unused" });
    await expect(matchEvent(deps, unused())).rejects.toThrow("Throttled");

    // Act: the redelivery (same copy) is a duplicate whose recent-event row is written again
    const decisions = await matchEvent(deps, unused());

    // Assess
    expect(decisions).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect((await profiles.get("ws_1", "acct_1"))?.eventCounts).toEqual({ page_viewed: 1 });
    expect(await insights.listAccountEvents("ws_1", "acct_1", 10)).toEqual([
      expect.objectContaining({ messageId: "msg-unused" }),
    ]);
  });

  it("keeps dedupe per workspace: the same messageId in another workspace is another message", async () => {
    await matchEvent(deps, event({ messageId: "msg-1" }));
    await config.createMoment(aMoment({ id: "m_1", workspaceId: "ws_2" }));

    const decisions = await matchEvent(deps, event({ messageId: "msg-1", workspaceId: "ws_2" }));

    expect(decisions[0]?.decision).toBe("started");
  });

  it("re-drives the same run when a message is redelivered before it was marked processed", async () => {
    // Prepare: the first attempt entered and started the run, then died before marking the message.
    vi.spyOn(messages, "finish").mockRejectedValueOnce(new Error("Throttled"));
    await expect(matchEvent(deps, event({ messageId: "msg-1" }))).rejects.toThrow("Throttled");

    // Act
    const decisions = await matchEvent(deps, event({ messageId: "msg-1" }));

    // Assess
    const runId = runIdFor("ws_1", "m_1", "acct_1", "msg-1");
    expect(decisions).toEqual([{ momentId: "m_1", decision: "started", runId }]);
    expect(workflows.executions.size).toBe(1);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1 });
  });
});

describe("matchEvent: event names this container knows no moment uses", () => {
  let idle: MemoryIdleEventNames;
  const unused = (overrides: Partial<EventReceivedDetail> = {}) =>
    event({ event: "page_viewed", messageId: "msg-view", ...overrides });

  beforeEach(() => {
    idle = new MemoryIdleEventNames(clock);
    deps = { ...deps, idleEvents: idle };
  });

  it("remembers an idle name, then reads only the account's runs for it: no marker, no index", async () => {
    // Prepare: the first page_viewed reads the index and finds nothing
    await matchEvent(deps, unused({ messageId: "msg-0" }));
    const findByEvent = vi.spyOn(config, "findByEvent");
    const processed = vi.spyOn(messages, "processed");
    const listActiveRuns = vi.spyOn(runs, "listActiveRuns");

    // Act
    const decisions = await matchEvent(deps, unused());

    // Assess: counted once, marked processed, its recent-event row written
    expect(decisions).toEqual([]);
    expect(findByEvent).not.toHaveBeenCalled();
    expect(processed).not.toHaveBeenCalled();
    expect(listActiveRuns).toHaveBeenCalledTimes(1);
    expect(messages.processedAt("ws_1", "msg-view")).toBe(NOW);
    expect((await profiles.get("ws_1", "acct_1"))?.eventCounts).toEqual({ page_viewed: 2 });
    expect((await insights.listAccountEvents("ws_1", "acct_1", 10)).map((e) => e.messageId)).toEqual([
      "msg-view",
      "msg-0",
    ]);
  });

  it("never remembers a name a running moment starts on", async () => {
    await matchEvent(deps, event({ messageId: "msg-1" }));

    expect(idle.isIdle("ws_1", "payment_failed")).toBe(false);
  });

  it("reads the index again once the name is forgotten, and starts a moment started meanwhile", async () => {
    // Prepare: page_viewed remembered idle, then a moment starting on it is started
    await matchEvent(deps, unused({ messageId: "msg-0" }));
    await moment({ id: "m_2", start: { event: "page_viewed" } });

    // Act: within the remembered time it is missed; after it, it starts
    const missed = await matchEvent(deps, unused({ messageId: "msg-1" }));
    clock.advance(IDLE_EVENT_NAME_TTL_MS);
    const seen = await matchEvent(deps, unused({ messageId: "msg-2" }));

    // Assess
    expect(missed).toEqual([]);
    expect(seen.map((d) => d.decision)).toEqual(["started"]);
  });

  it("answers a resend of a processed message as a duplicate, keeping its first recent-event row only", async () => {
    // Prepare
    await matchEvent(deps, unused({ messageId: "msg-0" }));
    await matchEvent(deps, unused());
    clock.advance(1000);

    // Act: the client resends it (a new receive time)
    const decisions = await matchEvent(deps, unused({ receivedAt: "2026-11-21T10:05:00.000Z" }));

    // Assess
    expect(decisions).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect((await profiles.get("ws_1", "acct_1"))?.eventCounts).toEqual({ page_viewed: 2 });
    const rows = await insights.listAccountEvents("ws_1", "acct_1", 10);
    expect(rows.filter((e) => e.messageId === "msg-view")).toEqual([
      expect.objectContaining({ receivedAt: unused().receivedAt }),
    ]);
    expect((await insights.listDecisions("ws_1", "acct_1", 1))[0]).toMatchObject({ reason: "duplicate" });
  });

  it("does not count a resend of a processed message in the observed events", async () => {
    // Prepare: page_viewed remembered idle, msg-view processed once
    await matchEvent(deps, unused({ messageId: "msg-0" }));
    await matchEvent(deps, unused());
    clock.advance(1000);

    // Act: the client resends it (a new receive time), which takes the unchecked idle path
    await matchEvent(deps, unused({ receivedAt: "2026-11-21T10:05:00.000Z" }));

    // Assess: two messages, counted twice, as the path that reads the marker first counts them
    expect((await insights.getObservedEvent("ws_1", "page_viewed"))?.count).toBe(2);
  });

  it("decides again from the index when another copy touched first: that copy may have entered a run it could not start", async () => {
    // Prepare: this container remembers page_viewed idle; a moment starting on it is started; another
    // container, which knows it, enters a run for msg-1 but cannot start its execution (it throws,
    // so the queue will redeliver its copy)
    await matchEvent(deps, unused({ messageId: "msg-0" }));
    await moment({ id: "m_2", start: { event: "page_viewed" } });
    vi.spyOn(workflows, "start").mockRejectedValueOnce(new Error("ThrottlingException"));
    await expect(
      matchEvent({ ...deps, idleEvents: undefined }, unused({ messageId: "msg-1" })),
    ).rejects.toThrow("ThrottlingException");

    // Act: this container's copy of msg-1, then the other's redelivery
    const here = await matchEvent(deps, unused({ messageId: "msg-1" }));
    const redelivered = await matchEvent({ ...deps, idleEvents: undefined }, unused({ messageId: "msg-1" }));

    // Assess: the run entered has its execution (it is not left active with nothing driving it)
    const runId = runIdFor("ws_1", "m_2", "acct_1", "msg-1");
    expect(here).toEqual([{ momentId: "m_2", decision: "started", runId }]);
    expect(redelivered).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect(workflows.executions.has(runId)).toBe(true);
    expect(runs.statsOf("ws_1", "m_2")).toEqual({ entered: 1 });
    expect(idle.isIdle("ws_1", "page_viewed")).toBe(false);
  });

  it("counts two copies racing past the touch once", async () => {
    await matchEvent(deps, unused({ messageId: "msg-0" }));

    const results = await Promise.all([matchEvent(deps, unused()), matchEvent(deps, unused())]);

    expect(results).toEqual([[], [{ momentId: "*", decision: "duplicate" }]]);
    expect((await profiles.get("ws_1", "acct_1"))?.eventCounts).toEqual({ page_viewed: 2 });
  });

  it("checks a resend with traits before merging them, so it never sets them back", async () => {
    // Prepare: processed with plan trial, then a later event sets plan pro
    await matchEvent(deps, unused({ messageId: "msg-0" }));
    await matchEvent(deps, unused({ traits: { plan: "trial" } }));
    await matchEvent(deps, unused({ messageId: "msg-later", traits: { plan: "pro" } }));
    const merge = vi.spyOn(profiles, "mergeTraits");

    // Act
    const decisions = await matchEvent(
      deps,
      unused({ traits: { plan: "trial" }, receivedAt: "2026-11-21T10:05:00.000Z" }),
    );

    // Assess
    expect(decisions).toEqual([{ momentId: "*", decision: "duplicate" }]);
    expect(merge).not.toHaveBeenCalled();
    expect((await profiles.get("ws_1", "acct_1"))?.traits).toMatchObject({ plan: "pro" });
  });

  it("ends a run on an idle name, checking the marker first, and a resend ends nothing twice", async () => {
    // Prepare: a run that payment_succeeded ends; payment_succeeded starts nothing, so it is remembered
    await momentWithEndRules();
    await matchEvent(
      deps,
      event({ event: "payment_succeeded", messageId: "msg-before", accountId: "acct_2" }),
    );
    expect(idle.isIdle("ws_1", "payment_succeeded")).toBe(true);
    await matchEvent(deps, event({ messageId: "msg-start" }));
    clock.advance(1000);

    // Act
    const ended = await matchEvent(deps, event({ event: "payment_succeeded", messageId: "msg-end" }));
    const again = await matchEvent(
      deps,
      event({ event: "payment_succeeded", messageId: "msg-end", receivedAt: "2026-11-21T10:09:00.000Z" }),
    );

    // Assess
    expect(ended.map((d) => d.decision)).toEqual(["ended"]);
    expect(again).toEqual([{ momentId: "*", decision: "duplicate" }]);
  });
});

describe("matchEvent: end rules", () => {
  let runId: string;

  beforeEach(async () => {
    await momentWithEndRules();
    runId = startedRunId(await matchEvent(deps, event({ messageId: "msg-start" })));
    clock.advance(60_000);
  });

  /** Redefines the moment and starts a run under it (end rules are pinned when a run starts). */
  const startUnder = async (overrides: Partial<Moment>, accountId = "acct_new") => {
    await momentWithEndRules(overrides);
    const id = startedRunId(await matchEvent(deps, event({ accountId, messageId: `start-${accountId}` })));
    clock.advance(60_000);
    return id;
  };

  const endEvent = (name: string, overrides: Partial<EventReceivedDetail> = {}) =>
    event({
      event: name,
      messageId: `msg-${name}`,
      timestamp: "2026-11-21T10:00:30.000Z",
      receivedAt: "2026-11-21T10:01:00.000Z",
      ...overrides,
    });

  it("ends an active run as success: its completion steps start and its entry execution stops", async () => {
    // Act
    const decisions = await matchEvent(deps, endEvent("payment_succeeded"));

    // Assess
    expect(decisions).toEqual([{ momentId: "m_1", decision: "ended", runId, outcome: "success" }]);
    expect(runs.run("ws_1", runId)).toMatchObject({
      status: "success",
      endedBy: "msg-payment_succeeded",
      endedAt: "2026-11-21T10:01:05.000Z",
    });
    expect(runs.membership("ws_1", "m_1", "acct_1")?.status).toBe("success");
    expect(await runs.listActiveRuns("ws_1", "acct_1")).toEqual([]);
    expect(workflows.stopped.get(runId)).toBe("The run ended (success) by msg-payment_succeeded");
    expect(workflows.end(runId)).toEqual({
      run: workflows.entry(runId)?.run,
      phase: "completion",
      steps: [{ id: "thanks", delaySeconds: 300, action: { type: "send_email", templateId: "t_thanks" } }],
      completeWhenStepsDone: false,
    });
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1, success: 1 });
  });

  it("ends it as failed on a failed end rule, starting the exit steps", async () => {
    const decisions = await matchEvent(deps, endEvent("account_closed"));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "ended", runId, outcome: "failed" }]);
    expect(runs.run("ws_1", runId)?.status).toBe("failed");
    expect(workflows.end(runId)).toMatchObject({
      phase: "exit",
      steps: [expect.objectContaining({ id: "sorry" })],
    });
    expect(workflows.stopped.has(runId)).toBe(true);
  });

  it("uses the end steps pinned at entry, not those of a later edit", async () => {
    await momentWithEndRules({
      version: 2,
      steps: [email("s1", "t_1"), email("new_thanks", "t_new", "completion")],
    });

    await matchEvent(deps, endEvent("payment_succeeded"));

    expect(workflows.end(runId)?.steps.map((s) => s.id)).toEqual(["thanks"]);
  });

  it("does not end the run when the end rule's filters fail", async () => {
    const filtered = await startUnder({
      end: [
        {
          outcome: "success",
          event: "payment_succeeded",
          where: [{ field: "event.amount", op: "gte", value: 10 }],
        },
      ],
    });

    const decisions = await matchEvent(
      deps,
      endEvent("payment_succeeded", { accountId: "acct_new", properties: { amount: 5 } }),
    );

    expect(decisions).toEqual([]);
    expect(runs.run("ws_1", filtered)?.status).toBe("active");
    expect(workflows.end(filtered)).toBeUndefined();
  });

  it("gives two racing end events one outcome and one end execution", async () => {
    // Act
    const [a, b] = await Promise.all([
      matchEvent(deps, endEvent("payment_succeeded")),
      matchEvent(deps, endEvent("account_closed")),
    ]);

    // Assess
    const ended = [...a, ...b].filter((d) => d.decision === "ended");
    expect(ended).toHaveLength(1);
    const outcome = ended[0]?.decision === "ended" ? ended[0].outcome : undefined;
    expect(runs.run("ws_1", runId)?.status).toBe(outcome);
    expect(workflows.startCalls.filter((c) => c.phase !== "entry")).toHaveLength(1);
    expect(workflows.end(runId)?.phase).toBe(outcome === "success" ? "completion" : "exit");
    const stats = runs.statsOf("ws_1", "m_1");
    expect((stats.success ?? 0) + (stats.failed ?? 0)).toBe(1);
  });

  it("ends nothing with an end event that happened before the run's trigger", async () => {
    const decisions = await matchEvent(
      deps,
      endEvent("payment_succeeded", { timestamp: "2026-11-21T09:58:59.000Z" }),
    );

    expect(decisions).toEqual([]);
    expect(runs.run("ws_1", runId)?.status).toBe("active");
    expect(workflows.stopCalls).toEqual([]);
  });

  it("ends the run with an end event that happened after the trigger, though before the run was entered", async () => {
    // The trigger happened at 09:59:00 but was processed at 10:00:05; the end event at 09:59:30.
    const decisions = await matchEvent(
      deps,
      endEvent("payment_succeeded", { timestamp: "2026-11-21T09:59:30.000Z" }),
    );

    expect(decisions).toEqual([{ momentId: "m_1", decision: "ended", runId, outcome: "success" }]);
  });

  it("changes nothing when the end event is redelivered after its end was driven but before it was marked", async () => {
    // Prepare: the first attempt ended the run, started its completion steps, and died marking the message.
    vi.spyOn(messages, "finish").mockRejectedValueOnce(new Error("Throttled"));
    await expect(matchEvent(deps, endEvent("payment_succeeded"))).rejects.toThrow("Throttled");

    // Act
    const decisions = await matchEvent(deps, endEvent("payment_succeeded"));

    // Assess: the redelivery re-drives the same end (reported again), and changes nothing
    expect(decisions).toEqual([{ momentId: "m_1", decision: "ended", runId, outcome: "success" }]);
    expect(runs.run("ws_1", runId)).toMatchObject({ status: "success", endedBy: "msg-payment_succeeded" });
    expect([...workflows.executions.keys()]).toEqual([runId, `${runId}-end`]);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1, success: 1 });
  });

  // The account run index keeps an ended run (marked with what ended it) until it expires, so the
  // redelivered end event finds it again and finishes what its first delivery started.
  it("re-drives the completion steps when the end event is redelivered after a failed stop", async () => {
    // Prepare: the first attempt ended the run, then StopExecution was throttled.
    workflows.failStopOf.set(
      runId,
      Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }),
    );
    await expect(matchEvent(deps, endEvent("payment_succeeded"))).rejects.toThrow("Rate exceeded");
    workflows.failStopOf.clear();

    // Act
    await matchEvent(deps, endEvent("payment_succeeded"));

    // Assess
    expect(workflows.stopped.has(runId)).toBe(true);
    expect(workflows.end(runId)).toMatchObject({ phase: "completion" });
  });

  it("records nothing for an end event that finds the run already ended", async () => {
    await matchEvent(deps, endEvent("payment_succeeded"));

    const decisions = await matchEvent(deps, endEvent("account_closed"));

    expect(decisions).toEqual([]);
    expect(runs.run("ws_1", runId)?.status).toBe("success");
  });

  it("ends the old run, then starts a new one, with an event that is both an end and a start event", async () => {
    const first = await startUnder({ end: [{ outcome: "success", event: "payment_failed" }] });

    const decisions = await matchEvent(
      deps,
      endEvent("payment_failed", { accountId: "acct_new", messageId: "msg-again" }),
    );

    expect(decisions).toEqual([
      { momentId: "m_1", decision: "ended", runId: first, outcome: "success" },
      { momentId: "m_1", decision: "started", runId: runIdFor("ws_1", "m_1", "acct_new", "msg-again") },
    ]);
  });

  it("leaves another account's run alone", async () => {
    const decisions = await matchEvent(deps, endEvent("payment_succeeded", { accountId: "acct_2" }));

    expect(decisions).toEqual([]);
    expect(runs.run("ws_1", runId)?.status).toBe("active");
  });

  it("never ends runs of a moment without end rules", async () => {
    const ruleless = await startUnder({ end: [] });

    const decisions = await matchEvent(deps, endEvent("payment_succeeded", { accountId: "acct_new" }));

    expect(decisions).toEqual([]);
    expect(runs.run("ws_1", ruleless)?.status).toBe("active");
  });
});

describe("matchEvent: keyed end rules", () => {
  it("ends only the run of the event's key; an end event without the key ends nothing", async () => {
    // Prepare
    await momentWithEndRules({ start: { event: "payment_failed", key: "invoice" } });
    const runA = startedRunId(
      await matchEvent(deps, event({ messageId: "a", properties: { invoice: "inv_a" } })),
    );
    const runB = startedRunId(
      await matchEvent(deps, event({ messageId: "b", properties: { invoice: "inv_b" } })),
    );
    const paid = (messageId: string, properties: Record<string, unknown>) =>
      event({ event: "payment_succeeded", messageId, timestamp: "2026-11-21T10:00:30.000Z", properties });

    // Act
    const keyless = await matchEvent(deps, paid("p0", {}));
    const forA = await matchEvent(deps, paid("p1", { invoice: "inv_a" }));

    // Assess
    expect(keyless).toEqual([]);
    expect(forA).toEqual([{ momentId: "m_1", decision: "ended", runId: runA, outcome: "success" }]);
    expect(runs.membership("ws_1", "m_1", "acct_1", "inv_a")?.status).toBe("success");
    expect(runs.membership("ws_1", "m_1", "acct_1", "inv_b")?.status).toBe("active");
    expect(runs.run("ws_1", runB)?.status).toBe("active");
  });
});

describe("matchEvent: timeouts and completion", () => {
  it("passes the earliest timeout, scaled, into the entry execution's input", async () => {
    await momentWithEndRules({
      end: [
        { outcome: "success", event: "payment_succeeded" },
        { outcome: "failed", after: { amount: 3, unit: "days" } },
        { outcome: "success", after: { amount: 2, unit: "days" } },
      ],
    });
    deps.timeScale = 0.001;

    const decisions = await matchEvent(deps, event());

    const input = workflows.entry(startedRunId(decisions));
    expect(input?.timeout).toEqual({ seconds: 173, outcome: "success" });
    expect(input?.completeWhenStepsDone).toBe(false);
  });

  it("passes real-time timeout seconds at time scale 1", async () => {
    await momentWithEndRules({ end: [{ outcome: "failed", after: { amount: 7, unit: "days" } }] });

    const decisions = await matchEvent(deps, event());

    expect(workflows.entry(startedRunId(decisions))?.timeout).toEqual({
      seconds: 604_800,
      outcome: "failed",
    });
  });

  it("passes no timeout for a moment without an after rule", async () => {
    await momentWithEndRules();

    const decisions = await matchEvent(deps, event());

    expect(workflows.entry(startedRunId(decisions))).not.toHaveProperty("timeout");
  });

  it.each([
    ["no end rules", [], true],
    ["an event end rule", [{ outcome: "success" as const, event: "payment_succeeded" }], false],
    ["only a timeout", [{ outcome: "failed" as const, after: { amount: 1, unit: "days" as const } }], false],
  ])("with %s, completeWhenStepsDone is %s", async (_label, end, expected) => {
    await moment({ end });

    const decisions = await matchEvent(deps, event());

    expect(workflows.entry(startedRunId(decisions))?.completeWhenStepsDone).toBe(expected);
  });
});

describe("matchEvent: abandonment (start `within` after the last trigger unless another event)", () => {
  const abandonment = {
    event: "cart_item_added",
    unless: { event: "checkout_completed", within: { amount: 2, unit: "hours" as const } },
  };

  it("arms a start due `within` after the trigger and starts a gate that waits for it", async () => {
    await moment({ start: abandonment });

    const decisions = await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "armed", dueAt: "2026-11-21T11:59:00.000Z" }]);
    expect([...pending.armed.values()]).toEqual([
      expect.objectContaining({ momentId: "m_1", token: "add-1" }),
    ]);
    expect([...workflows.gates.values()]).toEqual([
      expect.objectContaining({
        momentId: "m_1",
        accountId: "acct_1",
        token: "add-1",
        until: "2026-11-21T11:59:00.000Z",
      }),
    ]);
    expect(workflows.executions.size).toBe(0);
  });

  it("resets the timer on a repeat trigger: the latest trigger's gate is the one that may open", async () => {
    await moment({ start: abandonment });
    await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));

    await matchEvent(
      deps,
      event({
        event: "cart_item_added",
        messageId: "add-2",
        timestamp: "2026-11-21T10:30:00.000Z",
        receivedAt: "2026-11-21T10:30:01.000Z",
      }),
    );

    expect([...pending.armed.values()]).toEqual([
      expect.objectContaining({ token: "add-2", dueAt: "2026-11-21T12:30:00.000Z" }),
    ]);
    // One gate: the first trigger's, which wakes at its due time, finds the start re-armed and waits
    // on until the new one (see run-wake.test.ts). No execution per trigger.
    expect([...workflows.gates.values()]).toEqual([expect.objectContaining({ token: "add-1" })]);
    expect(workflows.executions.size).toBe(0);
  });

  it("cancels the armed start when the unless event comes first", async () => {
    await moment({ start: abandonment });
    await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));

    const decisions = await matchEvent(deps, event({ event: "checkout_completed", messageId: "done-1" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "cancelled" }]);
    expect(pending.armed.size).toBe(0);
    const gate = [...workflows.gates.values()][0];
    expect(gate && (await openGate({ ...deps }, gate))).toBe("not_armed");
    expect(workflows.executions.size).toBe(0);
  });

  it("opens the gate of a start still armed: the run starts with the trigger, once", async () => {
    await moment({ start: abandonment });
    await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));
    const gate = [...workflows.gates.values()][0];
    if (!gate) throw new Error("no gate");

    const opened = await openGate({ ...deps }, gate);
    const again = await openGate({ ...deps }, gate);

    expect(opened).toMatchObject({ momentId: "m_1", decision: "started" });
    expect(again).toBe("not_armed");
    expect([...workflows.executions.values()]).toEqual([
      expect.objectContaining({
        phase: "entry",
        run: expect.objectContaining({ trigger: expect.objectContaining({ messageId: "add-1" }) }),
      }),
    ]);
    expect(pending.armed.size).toBe(0);
  });

  it("does not arm a trigger whose unless event (which happened after it) was processed first", async () => {
    await moment({ start: abandonment });
    const addedAt = { timestamp: "2026-11-21T09:59:00.000Z", receivedAt: "2026-11-21T09:59:01.000Z" };
    const checkoutAt = { timestamp: "2026-11-21T09:59:30.000Z", receivedAt: "2026-11-21T09:59:31.000Z" };

    await matchEvent(deps, event({ event: "checkout_completed", messageId: "done", ...checkoutAt }));
    const decisions = await matchEvent(
      deps,
      event({ event: "cart_item_added", messageId: "add", ...addedAt }),
    );

    // Said as it is (not "armed"), and no gate is started for a start that was never armed.
    expect(decisions).toEqual([{ momentId: "m_1", decision: "not_armed", cause: "unless_event" }]);
    expect(pending.armed.size).toBe(0);
    expect(workflows.gates.size).toBe(0);
    expect((await insights.listDecisions("ws_1", "acct_1", 1))[0]).toMatchObject({
      messageId: "add",
      reason: "abandonment_not_armed",
      cause: "unless_event",
    });
  });

  it("logs a trigger processed after a newer one as not armed, and keeps the newer one's timer", async () => {
    await moment({ start: abandonment });
    const newer = { timestamp: "2026-11-21T10:30:00.000Z", receivedAt: "2026-11-21T10:30:01.000Z" };
    await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-2", ...newer }));

    // The older add (09:59) is processed last.
    const decisions = await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));

    expect(decisions).toEqual([{ momentId: "m_1", decision: "not_armed", cause: "newer_trigger" }]);
    expect([...pending.armed.values()]).toEqual([expect.objectContaining({ token: "add-2" })]);
    expect([...workflows.gates.values()].map((gate) => gate.token)).toEqual(["add-2"]);
    const lines = await insights.listDecisions("ws_1", "acct_1", 10);
    expect(lines.map((line) => [line.messageId, line.reason])).toEqual(
      expect.arrayContaining([
        ["add-2", "abandonment_armed"],
        ["add-1", "abandonment_not_armed"],
      ]),
    );
    expect(lines.filter((line) => line.reason === "abandonment_armed")).toHaveLength(1);
  });

  it("logs a gate that falls due after its moment was stopped as moment_not_running", async () => {
    const m = await moment({ start: abandonment });
    await matchEvent(deps, event({ event: "cart_item_added", messageId: "add-1" }));
    await config.setMomentStatus(m, "stopped", NOW);
    const gate = [...workflows.gates.values()][0];
    if (!gate) throw new Error("no gate");

    const opened = await openGate({ ...deps }, gate);

    expect(opened).toEqual({ momentId: "m_1", decision: "skipped", reason: "moment_not_running" });
    expect(workflows.executions.size).toBe(0);
    expect((await insights.listDecisions("ws_1", "acct_1", 1))[0]).toMatchObject({
      messageId: "add-1",
      reason: "moment_not_running",
      status: "stopped",
    });
  });

  it("arms a trigger that happened after an earlier checkout (a new cart)", async () => {
    await moment({ start: abandonment });
    await matchEvent(deps, event({ event: "checkout_completed", messageId: "done" }));

    await matchEvent(
      deps,
      event({
        event: "cart_item_added",
        messageId: "add-later",
        timestamp: "2026-11-21T10:10:00.000Z",
        receivedAt: "2026-11-21T10:10:01.000Z",
      }),
    );

    expect([...pending.armed.values()]).toEqual([expect.objectContaining({ token: "add-later" })]);
  });

  it("keeps keyed carts apart: checking out one cart cancels only that cart's start", async () => {
    await moment({ start: { ...abandonment, key: "cart_id" } });
    await matchEvent(
      deps,
      event({ event: "cart_item_added", messageId: "a", properties: { cart_id: "c1" } }),
    );
    await matchEvent(
      deps,
      event({ event: "cart_item_added", messageId: "b", properties: { cart_id: "c2" } }),
    );

    await matchEvent(
      deps,
      event({ event: "checkout_completed", messageId: "done", properties: { cart_id: "c1" } }),
    );

    expect([...pending.armed.values()].map((p) => p.runKey)).toEqual(["c2"]);
  });
});

describe("matchEvent: version pinning of end rules", () => {
  it("ends a run by the end rules it started with, not those of a later edit", async () => {
    await moment({ end: [{ outcome: "success", event: "payment_succeeded" }] });
    await matchEvent(deps, event({ messageId: "start-1" }));
    // The moment is edited: its success event changes. The running run keeps its own rules.
    await moment({ end: [{ outcome: "success", event: "invoice_paid" }] });

    const byOld = await matchEvent(deps, event({ event: "payment_succeeded", messageId: "end-1" }));

    expect(byOld).toEqual([expect.objectContaining({ decision: "ended", outcome: "success" })]);
  });
});

describe("matchEvent: the event window is configurable", () => {
  it("starts nothing with an event older than a 1-hour window, which the default 72 h would allow", async () => {
    await moment();
    const twoHoursOld = event({
      timestamp: "2026-11-21T08:00:00.000Z",
      receivedAt: "2026-11-21T10:00:00.000Z",
    });

    const narrow = await matchEvent({ ...deps, eventWindowHours: 1 }, twoHoursOld);
    const usual = await matchEvent(deps, { ...twoHoursOld, messageId: "msg-2" });

    expect(narrow).toEqual([expect.objectContaining({ decision: "skipped", reason: "too_old" })]);
    expect(usual).toEqual([expect.objectContaining({ decision: "started" })]);
  });
});
