import { beforeEach, describe, expect, it } from "vitest";
import { sesFeedbackPattern } from "../../../shared/contracts/bus.js";
import { matchesEventPattern } from "../../../shared/event-pattern/match.js";
import { MalformedSesEventError, recordSesFeedback } from "../../../shared/use-cases/ses-feedback.js";
import { RUN_ENDED_IN_DOUBT } from "../../../shared/use-cases/step-doubt.js";
import { FakeSuppressionList } from "../../support/fake-suppressions.js";
import { aRun, FakeRunRepository, fixedClock } from "../../support/fakes.js";
import { bounceEvent, CONFIGURATION_SET, complaintEvent } from "../../support/ses-events.js";

let suppressions: FakeSuppressionList;
let runs: FakeRunRepository;
const deps = () => ({ suppressions, runs, clock: fixedClock("2026-11-21T11:00:00.000Z") });

beforeEach(() => {
  suppressions = new FakeSuppressionList();
  runs = new FakeRunRepository();
});

describe("recordSesFeedback: evidence of a step's send", () => {
  const sendEvent = (type: "Email Sent" | "Email Rejected", tags: Record<string, string[]>) => ({
    source: "aws.ses",
    "detail-type": type,
    detail: {
      eventType: type === "Email Sent" ? "Send" : "Reject",
      mail: {
        messageId: "ses-msg-1",
        timestamp: "2026-11-21T10:00:00.000Z",
        tags: { "ses:configuration-set": [CONFIGURATION_SET], ...tags },
      },
      ...(type === "Email Rejected" ? { reject: { reason: "Bad content" } } : {}),
    },
  });
  const stepTags = { workspace: ["ws_1"], run: ["run_1"], step: ["nudge"] };

  it("keeps a Send event as the step's evidence, with SES's messageId; a redelivery changes nothing, a Reject prevails", async () => {
    const result = await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));
    expect(result).toEqual({
      outcome: "evidence",
      workspaceId: "ws_1",
      runId: "run_1",
      stepId: "nudge",
      kind: "sent",
      settled: false,
      kept: true,
    });
    await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));
    expect(await runs.getStepEvidence("ws_1", "run_1", "nudge")).toEqual({
      kind: "sent",
      messageId: "ses-msg-1",
      at: "2026-11-21T10:00:00.000Z",
    });
    await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
    expect(await runs.getStepEvidence("ws_1", "run_1", "nudge")).toMatchObject({
      kind: "rejected",
      reason: "Bad content",
    });
  });

  describe("settles a step in doubt at once, whatever became of its execution", () => {
    const run = aRun({ runId: "run_1", workspaceId: "ws_1", momentId: "m_1" });
    const IN_DOUBT_SINCE = "2026-11-21T10:00:01.000Z";
    const inDoubt = async () => {
      runs.seedMembership(run);
      runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");
      await runs.markStepInDoubt(run, "nudge", "attempt-1", IN_DOUBT_SINCE);
    };
    const stats = () => runs.stats.get(JSON.stringify(["ws_1", "m_1"]));

    it("a Send records the claimed step executed, counted once (a redelivery changes nothing)", async () => {
      await inDoubt();
      // An end rule stopped the run's execution while the step waited for this event.
      await runs.endRun(run, "success", "msg_paid", IN_DOUBT_SINCE);

      const result = await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));
      await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));

      expect(result).toMatchObject({ outcome: "evidence", settled: true });
      expect(runs.step(run, "nudge")).toMatchObject({
        status: "executed",
        outcome: { status: "executed", detail: { messageId: "ses-msg-1", reconciled: "send_event" } },
      });
      expect(stats()).toMatchObject({ "steps.nudge.executed": 1 });
    });

    it("a Reject records it failed", async () => {
      await inDoubt();

      await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));

      expect(runs.step(run, "nudge")).toMatchObject({
        status: "failed",
        outcome: { reason: "rejected: Bad content" },
      });
    });

    it("a Send corrects a step recorded skipped when its run ended in doubt, moving the counters", async () => {
      await inDoubt();
      await runs.recordStep(run, "nudge", { status: "skipped", reason: "run_not_active" }, IN_DOUBT_SINCE);

      await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));

      expect(runs.step(run, "nudge")).toMatchObject({ status: "executed" });
      expect(stats()).toMatchObject({ "steps.nudge.executed": 1, "steps.nudge.skipped": 0 });
    });

    it("does not keep the evidence of a step whose record is final: nothing would ever read it", async () => {
      runs.seedMembership(run);
      runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");
      const sent = { status: "executed" as const, detail: { messageId: "ses-msg-1" } };
      await runs.recordStep(run, "nudge", sent, "2026-11-21T10:00:00.500Z");

      const result = await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));

      expect(result).toMatchObject({ outcome: "evidence", settled: false, kept: false });
      expect(await runs.getStepEvidence("ws_1", "run_1", "nudge")).toBeUndefined();
      expect(runs.step(run, "nudge")).toMatchObject({ status: "executed", outcome: sent });
    });

    it("keeps the evidence of a step skipped while in doubt, and corrects it (see above); a plain skip is final", async () => {
      await inDoubt();
      await runs.recordStep(run, "nudge", { status: "skipped", reason: "run_not_active" }, IN_DOUBT_SINCE);
      expect(await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags))).toMatchObject({
        kept: true,
        settled: true,
      });

      runs.seedClaim(run, "other", "2026-11-21T10:00:00.000Z", "attempt-2");
      await runs.recordStep(run, "other", { status: "skipped", reason: "no_recipient" }, IN_DOUBT_SINCE);
      const other = { ...stepTags, step: ["other"] };
      expect(await recordSesFeedback(deps(), sendEvent("Email Sent", other))).toMatchObject({ kept: false });
    });

    describe("decides from all the evidence kept for the step, so any arrival order records the same", () => {
      const rejected = { status: "failed", outcome: { reason: "rejected: Bad content" } };
      type Arrival = "Email Sent" | "Email Rejected" | "in doubt";
      const orders: Arrival[][] = [
        ["in doubt", "Email Sent", "Email Rejected"],
        ["in doubt", "Email Rejected", "Email Sent"],
        // The first event came while its attempt still held a plain claim (not settled then).
        ["Email Rejected", "in doubt", "Email Sent"],
        ["Email Sent", "in doubt", "Email Rejected"],
      ];
      for (const order of orders)
        it(`${order.join(", ")}: failed, rejected (SES refused to deliver it), counted once`, async () => {
          runs.seedMembership(run);
          runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");
          for (const arrival of order)
            if (arrival === "in doubt") await runs.markStepInDoubt(run, "nudge", "attempt-1", IN_DOUBT_SINCE);
            else await recordSesFeedback(deps(), sendEvent(arrival, stepTags));

          expect(runs.step(run, "nudge")).toMatchObject(rejected);
          expect(stats()).toMatchObject({ "steps.nudge.failed": 1 });
          expect(stats()?.["steps.nudge.executed"] ?? 0).toBe(0);
          // Final now: a redelivered Send changes nothing.
          await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));
          expect(runs.step(run, "nudge")).toMatchObject(rejected);
        });

      it("a first attempt's Send and Reject over the skip of a second attempt's claim (its run ended), in either order: the skip, counted once", async () => {
        runs.seedMembership(run);
        const orders = {
          sendFirst: ["Email Sent", "Email Rejected"],
          rejectFirst: ["Email Rejected", "Email Sent"],
        } as const;
        for (const [stepId, order] of Object.entries(orders)) {
          runs.seedClaim(run, stepId, "2026-11-21T10:00:00.000Z", "attempt-2");
          await runs.markStepInDoubt(run, stepId, "attempt-2", IN_DOUBT_SINCE);
          await runs.settleStepInDoubt("ws_1", "run_1", stepId, RUN_ENDED_IN_DOUBT, IN_DOUBT_SINCE, {
            attempt: "attempt-2",
          });
          for (const type of order)
            await recordSesFeedback(
              deps(),
              sendEvent(type, { ...stepTags, step: [stepId], attempt: ["attempt-1"] }),
            );
        }

        for (const stepId of Object.keys(orders)) {
          expect(runs.step(run, stepId)).toMatchObject({ status: "skipped", outcome: RUN_ENDED_IN_DOUBT });
          const counted = (status: string) => stats()?.[`steps.${stepId}.${status}`] ?? 0;
          expect([counted("skipped"), counted("executed"), counted("failed")]).toEqual([1, 0, 0]);
        }
      });
    });

    describe("a Reject corrects an email its own attempt recorded executed (SES answered), as it corrects one settled in doubt", () => {
      const sent = { status: "executed" as const, detail: { messageId: "ses-msg-1" } };
      const rejected = { status: "failed", outcome: { status: "failed", reason: "rejected: Bad content" } };
      const counted = () => {
        expect(stats()).toMatchObject({ "steps.nudge.failed": 1 });
        expect(stats()?.["steps.nudge.executed"] ?? 0).toBe(0);
      };

      it("the Reject after the record: failed, rejected, the counters moved once (a redelivery changes nothing)", async () => {
        runs.seedMembership(run);
        runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");
        await runs.recordStep(run, "nudge", sent, "2026-11-21T10:00:00.500Z");

        const result = await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
        expect(result).toMatchObject({ outcome: "evidence", kind: "rejected", settled: true });
        expect(runs.step(run, "nudge")).toMatchObject(rejected);
        counted();

        await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
        await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));
        expect(runs.step(run, "nudge")).toMatchObject(rejected);
        counted();
      });

      it("a Reject of another message of the step (an earlier send SES took) leaves this one's execution, in either order", async () => {
        runs.seedMembership(run);
        runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");
        const other = { ...sent, detail: { messageId: "ses-msg-2" } };
        await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
        await runs.recordStep(run, "nudge", other, "2026-11-21T10:00:00.500Z");
        expect(runs.step(run, "nudge")).toMatchObject({ status: "executed", outcome: other });

        runs.seedClaim(run, "later", "2026-11-21T10:00:00.000Z", "attempt-2");
        await runs.recordStep(run, "later", other, "2026-11-21T10:00:00.500Z");
        await recordSesFeedback(deps(), sendEvent("Email Rejected", { ...stepTags, step: ["later"] }));
        expect(runs.step(run, "later")).toMatchObject({ status: "executed", outcome: other });
        expect(stats()?.["steps.nudge.failed"] ?? 0).toBe(0);
        expect(stats()?.["steps.later.failed"] ?? 0).toBe(0);
      });

      it("the Reject before the record (its attempt still held the claim): the record is failed, rejected, counted once", async () => {
        runs.seedMembership(run);
        runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");

        await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
        await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
        expect(runs.step(run, "nudge")).toMatchObject({ status: "claimed" });
        await runs.recordStep(run, "nudge", sent, "2026-11-21T10:00:00.500Z");

        expect(runs.step(run, "nudge")).toMatchObject(rejected);
        counted();
        // The attempt's retry (its answer lost) records nothing more.
        expect(await runs.recordStep(run, "nudge", sent, "2026-11-21T10:00:01.000Z")).toBe(false);
        counted();
      });
    });

    it("leaves alone a step that was never in doubt (its own attempt records it)", async () => {
      runs.seedMembership(run);
      runs.seedClaim(run, "nudge", "2026-11-21T10:00:00.000Z", "attempt-1");

      const result = await recordSesFeedback(deps(), sendEvent("Email Sent", stepTags));

      expect(result).toMatchObject({ settled: false });
      expect(runs.step(run, "nudge")).toMatchObject({ status: "claimed" });
    });
  });

  it("keeps a Reject event with its reason", async () => {
    await recordSesFeedback(deps(), sendEvent("Email Rejected", stepTags));
    expect(await runs.getStepEvidence("ws_1", "run_1", "nudge")).toMatchObject({
      kind: "rejected",
      reason: "Bad content",
    });
  });

  it("ignores a Send of a copy without step tags (a cc copy, a test send)", async () => {
    const result = await recordSesFeedback(
      deps(),
      sendEvent("Email Sent", { workspace: ["ws_1"], run: ["run_1"] }),
    );
    expect(result).toEqual({ outcome: "ignored", why: "no_step_tags" });
  });

  it("the feedback rule's pattern takes Send and Reject events of this configuration set", () => {
    expect(
      matchesEventPattern(sesFeedbackPattern(CONFIGURATION_SET), sendEvent("Email Sent", stepTags)),
    ).toBe(true);
    expect(
      matchesEventPattern(sesFeedbackPattern(CONFIGURATION_SET), sendEvent("Email Rejected", stepTags)),
    ).toBe(true);
  });
});

describe("recordSesFeedback", () => {
  it("suppresses every permanently bounced recipient in the event's workspace, reason bounced", async () => {
    const result = await recordSesFeedback(deps(), bounceEvent(["ada@example.com", "Bo@Example.COM"]));

    expect(result).toEqual({
      outcome: "recorded",
      workspaceId: "ws_1",
      reason: "bounced",
      suppressed: 2,
      alreadySuppressed: 0,
      unreadable: 0,
    });
    expect(await suppressions.getSuppression("ws_1", "ada@example.com")).toEqual({
      address: "ada@example.com",
      reason: "bounced",
      suppressedAt: "2026-11-21T10:00:04.000Z",
      detail: "General",
    });
    expect(await suppressions.getSuppression("ws_1", "Bo@example.com")).toMatchObject({ reason: "bounced" });
    expect(await suppressions.getSuppression("ws_2", "ada@example.com")).toBeUndefined();
  });

  it.each(["Transient", "Undetermined"])("suppresses nobody for a %s bounce", async (bounceType) => {
    const result = await recordSesFeedback(
      deps(),
      bounceEvent(["ada@example.com"], { bounceType, bounceSubType: "MailboxFull" }),
    );

    expect(result).toEqual({ outcome: "ignored", why: `bounce_${bounceType.toLowerCase()}` });
    expect(suppressions.items.size).toBe(0);
  });

  it("suppresses every complained recipient, reason complained, with the feedback type", async () => {
    const result = await recordSesFeedback(deps(), complaintEvent(["ada@example.com"]));

    expect(result).toMatchObject({ outcome: "recorded", reason: "complained", suppressed: 1 });
    expect(await suppressions.getSuppression("ws_1", "ada@example.com")).toEqual({
      address: "ada@example.com",
      reason: "complained",
      suppressedAt: "2026-11-21T10:05:00.000Z",
      detail: "abuse",
    });
  });

  it("is idempotent: a redelivered event changes nothing and says so", async () => {
    const event = bounceEvent(["ada@example.com"]);
    await recordSesFeedback(deps(), event);

    const again = await recordSesFeedback(deps(), event);

    expect(again).toMatchObject({ suppressed: 0, alreadySuppressed: 1 });
    expect(suppressions.items.size).toBe(1);
  });

  it("keeps the first reason when an unsubscribed address later complains", async () => {
    await suppressions.suppress("ws_1", {
      address: "ada@example.com",
      reason: "unsubscribed",
      suppressedAt: "x",
    });

    await recordSesFeedback(deps(), complaintEvent(["ada@example.com"]));

    expect(await suppressions.getSuppression("ws_1", "ada@example.com")).toMatchObject({
      reason: "unsubscribed",
    });
  });

  it("ignores an event without our workspace tag (mail another sender sent through the set)", async () => {
    const result = await recordSesFeedback(
      deps(),
      bounceEvent(["ada@example.com"], { workspaceId: undefined }),
    );

    expect(result).toEqual({ outcome: "ignored", why: "no_workspace_tag" });
    expect(suppressions.items.size).toBe(0);
  });

  it("counts, and skips, a recipient entry that is not an address", async () => {
    const result = await recordSesFeedback(deps(), bounceEvent(["not an address", "ada@example.com"]));

    expect(result).toMatchObject({ suppressed: 1, unreadable: 1 });
  });

  it("throws for an event that is not an SES sending event, so it ends in the dead-letter queue", async () => {
    await expect(recordSesFeedback(deps(), { source: "aws.ses", detail: {} })).rejects.toThrow(
      MalformedSesEventError,
    );
    const { bounce: _bounce, ...noBounce } = bounceEvent(["a@b.co"]).detail;
    await expect(recordSesFeedback(deps(), { ...bounceEvent(["a@b.co"]), detail: noBounce })).rejects.toThrow(
      MalformedSesEventError,
    );
  });

  it("lets a storage failure through, so the invocation is retried", async () => {
    suppressions.suppress = async () => {
      throw new Error("ProvisionedThroughputExceededException");
    };

    await expect(recordSesFeedback(deps(), bounceEvent(["ada@example.com"]))).rejects.toThrow(
      "ProvisionedThroughputExceededException",
    );
  });
});

describe("sesFeedbackPattern", () => {
  const pattern = sesFeedbackPattern(CONFIGURATION_SET);

  it("matches this configuration set's bounces and complaints as EventBridge delivers them", () => {
    expect(matchesEventPattern(pattern, bounceEvent(["a@b.co"]))).toBe(true);
    expect(matchesEventPattern(pattern, complaintEvent(["a@b.co"]))).toBe(true);
  });

  it("matches neither another configuration set's events nor other SES events", () => {
    expect(matchesEventPattern(sesFeedbackPattern("someone-elses-set"), bounceEvent(["a@b.co"]))).toBe(false);
    expect(
      matchesEventPattern(pattern, { ...bounceEvent(["a@b.co"]), "detail-type": "Email Delivered" }),
    ).toBe(false);
  });
});
