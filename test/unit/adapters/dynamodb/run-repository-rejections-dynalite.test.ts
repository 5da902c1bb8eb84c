/**
 * SES's Reject of an email step, through ses-feedback and the DynamoDB run repository, on a real
 * DynamoDB engine (dynalite, in process): what the mocked tests cannot show — that the conditional
 * writes correct the step once, counters moved once, whichever of the Reject (delivered twice) and
 * the step's own record of SES's answer comes first, or when they come together.
 */
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DynamoRunRepository } from "../../../../shared/adapters/dynamodb/run-repository.js";
import { statsShardOf } from "../../../../shared/adapters/dynamodb/stats-ops.js";
import { keys } from "../../../../shared/contracts/table.js";
import { recordSesFeedback } from "../../../../shared/use-cases/ses-feedback.js";
import {
  recordFailedStep,
  runEndedInDoubt,
  settleClaimOfEndedRun,
  settleDoubtsOfEndedRun,
} from "../../../../shared/use-cases/step-doubt.js";
import { startDynaliteTable } from "../../../support/dynalite.js";
import { FakeSuppressionList } from "../../../support/fake-suppressions.js";
import { aRun, fixedClock, sesStepEvent } from "../../../support/fakes.js";

const TABLE = "moments-rejections";
const AT = "2026-11-21T10:00:00.000Z";
const SENT = { status: "executed" as const, detail: { messageId: "ses-msg-1" } };
let stopDynalite: (() => Promise<void>) | undefined;
let db: Awaited<ReturnType<typeof startDynaliteTable>>["db"];
let runs: DynamoRunRepository;
let count = 0;

beforeAll(async () => {
  const dynalite = await startDynaliteTable(TABLE);
  stopDynalite = dynalite.stop;
  db = dynalite.db;
  runs = new DynamoRunRepository(db, TABLE);
});

afterAll(async () => {
  await stopDynalite?.();
});

const deps = () => ({
  suppressions: new FakeSuppressionList(),
  runs,
  clock: fixedClock("2026-11-21T10:00:05.000Z"),
});

/** A run of its own (and moment, so its counters are its own), its email step claimed by its attempt. */
async function claimedEmail() {
  count++;
  const run = aRun({ runId: `run_${count}`, momentId: `m_${count}` });
  expect(await runs.enter(run, { completion: [], exit: [] })).toBe("entered");
  expect(await runs.claimStep(run, "email", "attempt-1", AT)).toEqual({ status: "claimed" });
  /** SES's event of the step's email; `attempt`: its attempt tag (none: sent before the tag). */
  const event = (type: "Email Sent" | "Email Rejected", messageId = "ses-msg-1", attempt?: string) =>
    sesStepEvent(type, {
      messageId,
      timestamp: AT,
      runId: run.runId,
      stepId: "email",
      ...(attempt === undefined ? {} : { attempt }),
    });
  const reject = (messageId?: string, attempt?: string) =>
    recordSesFeedback(deps(), event("Email Rejected", messageId, attempt));
  const send = (messageId?: string, attempt?: string) =>
    recordSesFeedback(deps(), event("Email Sent", messageId, attempt));
  const record = (options: { completeRun?: boolean } = {}) =>
    runs.recordStep(run, "email", SENT, "2026-11-21T10:00:00.400Z", options);
  const step = async () => (await runs.listRunSteps("ws_1", run.runId)).find((s) => s.stepId === "email");
  const shard = async () =>
    (
      await db.send(
        new GetCommand({
          TableName: TABLE,
          Key: keys.momentStatsShard("ws_1", run.momentId, statsShardOf(run.runId)),
          ConsistentRead: true,
        }),
      )
    ).Item;
  const counters = async () => {
    const Item = await shard();
    return {
      executed: Number(Item?.["steps.email.executed"] ?? 0),
      failed: Number(Item?.["steps.email.failed"] ?? 0),
      rejected: Number(Item?.["steps.email.failed.rejected"] ?? 0),
    };
  };
  /** The step's record, and every counter of the step that is not zero (by reason too). */
  const stands = async () => {
    const record = await step();
    return {
      record: { status: record?.status, outcome: record?.status === "claimed" ? undefined : record?.outcome },
      counters: Object.fromEntries(
        Object.entries((await shard()) ?? {}).filter(
          ([name, value]) => name.startsWith("steps.email.") && Number(value) !== 0,
        ),
      ),
    };
  };
  const evidenceKept = async () =>
    (
      await db.send(
        new GetCommand({
          TableName: TABLE,
          Key: keys.runStepEvidence("ws_1", run.runId, "email"),
          ConsistentRead: true,
        }),
      )
    ).Item !== undefined;
  return { run, reject, send, record, step, counters, stands, evidenceKept };
}

const REJECTED = { status: "failed", outcome: { status: "failed", reason: "rejected: Bad content" } };
const ONCE = { executed: 0, failed: 1, rejected: 1 };
/**
 * A run's end skipped the second attempt's claim and the first's Send corrected it, or the end
 * recorded it from that Send in place of the skip; that Send's Reject restored the skip, counted
 * once (what its Reject first, then its Send, leave).
 */
const SKIP_RESTORED = {
  record: { status: "skipped", outcome: runEndedInDoubt("send_email") },
  counters: { "steps.email.skipped": 1, "steps.email.skipped.run_not_active": 1 },
};

describe("SES's Reject of an email step recorded from SES's answer, on dynalite", () => {
  it("the usual path: a Send after the record keeps nothing (no write), the execution stands", async () => {
    const email = await claimedEmail();
    expect(await email.record()).toBe(true);

    expect(await email.send()).toMatchObject({ kept: false, settled: false });

    expect(await email.evidenceKept()).toBe(false);
    expect(await email.step()).toMatchObject({ status: "executed" });
    expect(await email.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
  });

  it("the Reject after the record, delivered twice at once: failed, rejected, the counters moved once", async () => {
    const email = await claimedEmail();
    expect(await email.record()).toBe(true);

    const results = await Promise.all([email.reject(), email.reject()]);

    expect(results.filter((result) => result.outcome === "evidence" && result.settled)).toHaveLength(1);
    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
    // A later Send, or the step's retried record (its answer lost), changes nothing.
    await email.send();
    expect(await email.record()).toBe(false);
    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
  });

  it("the Reject before the record (delivered twice): the attempt's record is the rejection, counted once", async () => {
    const email = await claimedEmail();
    await email.reject();
    await email.reject();
    expect(await email.step()).toMatchObject({ status: "claimed" });

    expect(await email.record()).toBe(true);

    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
    expect(await email.record()).toBe(false);
    expect(await email.counters()).toEqual(ONCE);
  });

  it("the Reject before the record of the run's last step, which completes the run in the same write: the rejection recorded, the run completed", async () => {
    const email = await claimedEmail();
    await email.reject();

    expect(await email.record({ completeRun: true })).toBe(true);

    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
    expect(await runs.getRunStatus("ws_1", email.run.runId)).toBe("completed");
  });

  it("a Reject of another message of the step (an earlier send SES took, whose evidence came too late) leaves this one's execution, in either order", async () => {
    const after = await claimedEmail();
    await after.record();
    expect(await after.reject("ses-msg-0")).toMatchObject({ settled: false });
    expect(await after.step()).toMatchObject({ status: "executed", outcome: SENT });
    expect(await after.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });

    const before = await claimedEmail();
    await before.reject("ses-msg-0");
    expect(await before.record()).toBe(true);
    expect(await before.step()).toMatchObject({ status: "executed", outcome: SENT });
    expect(await before.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
  });

  it("an email sent twice (its first answer lost, a second attempt sent again) and SES rejected both: the second send's Reject corrects its execution, in any order", async () => {
    // The Reject of the first send marked the claim, the second attempt recorded its own send, then
    // the second send's Reject came (the first Reject's evidence is kept, set once).
    const after = await claimedEmail();
    await after.reject("ses-msg-0");
    expect(await after.record()).toBe(true);
    expect(await after.step()).toMatchObject({ status: "executed", outcome: SENT });
    expect(await after.reject("ses-msg-1")).toMatchObject({ settled: true });
    expect(await after.step()).toMatchObject(REJECTED);
    expect(await after.counters()).toEqual(ONCE);

    // Both Rejects came while the second attempt still held the claim.
    const before = await claimedEmail();
    await before.reject("ses-msg-0");
    await before.reject("ses-msg-1");
    expect(await before.record()).toBe(true);
    expect(await before.step()).toMatchObject(REJECTED);
    expect(await before.counters()).toEqual(ONCE);
  });

  it("the run's end settling the plain claim (from no evidence) that a Reject marked, before or while it settles: the rejection recorded, counted once", async () => {
    const ended = runEndedInDoubt("send_email");
    // Marked before the settle reads the claim.
    const before = await claimedEmail();
    await before.reject();
    await runs.settleStepInDoubt("ws_1", before.run.runId, "email", ended, AT, { plainClaim: true });
    expect(await before.step()).toMatchObject(REJECTED);
    expect(await before.counters()).toEqual(ONCE);

    // Marked between the settle's read of the claim and its write.
    const during = await claimedEmail();
    let hook: (() => Promise<unknown>) | undefined = () => during.reject();
    const hooked = {
      send: async (command: unknown) => {
        if (command instanceof TransactWriteCommand && hook) {
          const mark = hook;
          hook = undefined;
          await mark();
        }
        return db.send(command as never);
      },
    } as unknown as typeof db;
    const sweeping = new DynamoRunRepository(hooked, TABLE);
    await sweeping.settleStepInDoubt("ws_1", during.run.runId, "email", ended, AT, { plainClaim: true });
    expect(hook).toBeUndefined();
    expect(await during.step()).toMatchObject(REJECTED);
    expect(await during.counters()).toEqual(ONCE);
  });

  it("the Reject and the record together, in any interleaving: failed, rejected, counted once", async () => {
    for (let round = 0; round < 5; round++) {
      const email = await claimedEmail();

      await Promise.all([email.reject(), email.record(), email.reject()]);

      expect(await email.step()).toMatchObject(REJECTED);
      expect(await email.counters()).toEqual(ONCE);
    }
  });
});

describe("SES's evidence of two attempts at an email step (the first taken over after the wait), on dynalite", () => {
  /** The first attempt's send in doubt, no evidence within the wait: the second takes the claim over. */
  async function takenOver() {
    const email = await claimedEmail();
    await runs.markStepInDoubt(email.run, "email", "attempt-1", AT);
    expect(await runs.takeOverStep(email.run, "email", "attempt-1", "attempt-2", AT)).toBe(true);
    return email;
  }

  it("the first send's late Reject while the second's send is in doubt: kept, but the claim stays the second's, and the second's Send settles it executed", async () => {
    const email = await takenOver();
    await runs.markStepInDoubt(email.run, "email", "attempt-2", AT);

    expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ kept: true, settled: false });
    expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ settled: false });

    expect(await email.step()).toMatchObject({ status: "claimed" });
    expect(await email.counters()).toEqual({ executed: 0, failed: 0, rejected: 0 });
    // Kept for the log, as the first attempt's; the second attempt's retry finds nothing of its own.
    expect(await runs.getStepEvidence("ws_1", email.run.runId, "email", "attempt-1")).toMatchObject({
      kind: "rejected",
      attempt: "attempt-1",
    });
    expect(await runs.getStepEvidence("ws_1", email.run.runId, "email", "attempt-2")).toBeUndefined();

    expect(await email.send("ses-msg-2", "attempt-2")).toMatchObject({ kept: true, settled: true });

    expect(await email.step()).toMatchObject({
      status: "executed",
      outcome: { status: "executed", detail: { messageId: "ses-msg-2", reconciled: "send_event" } },
    });
    expect(await email.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
    // Its record is not the first send's to correct either.
    expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ settled: false });
    expect(await email.step()).toMatchObject({ status: "executed" });
  });

  it("both sends rejected: each attempt's Reject is kept (set once per attempt), and the second's settles its claim with its own messageId", async () => {
    const email = await takenOver();
    await runs.markStepInDoubt(email.run, "email", "attempt-2", AT);
    await email.reject("ses-msg-1", "attempt-1");

    expect(await email.reject("ses-msg-2", "attempt-2")).toMatchObject({ settled: true });

    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
    expect(await runs.getStepEvidence("ws_1", email.run.runId, "email", "attempt-2")).toMatchObject({
      kind: "rejected",
      messageId: "ses-msg-2",
    });
  });

  it("the first send's Reject marks neither the second attempt's live claim nor, once taken over, its own: the run's end then settles the second's from its own evidence", async () => {
    const ended = { workspaceId: "ws_1", momentId: "", runId: "" };
    const settle = (run: { runId: string; momentId: string }) =>
      settleDoubtsOfEndedRun(
        { runs, workflows: { startLookup: async () => "started" as const }, clock: fixedClock(AT) },
        { ...ended, runId: run.runId, momentId: run.momentId },
        [],
        undefined,
      );
    // The Reject came after the take-over, while the second attempt sends (its claim plain).
    const after = await takenOver();
    await after.reject("ses-msg-1", "attempt-1");
    await settle(after.run);
    expect(await after.step()).toMatchObject({ status: "skipped", outcome: runEndedInDoubt("send_email") });
    // Its own Send, whenever it comes, corrects the skip.
    expect(await after.send("ses-msg-2", "attempt-2")).toMatchObject({ settled: true });
    expect(await after.step()).toMatchObject({ status: "executed" });
    expect(await after.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });

    // The Reject marked the first attempt's claim before the take-over, which removes the mark.
    const before = await claimedEmail();
    await before.reject("ses-msg-1", "attempt-1");
    await runs.markStepInDoubt(before.run, "email", "attempt-1", AT);
    expect(await runs.takeOverStep(before.run, "email", "attempt-1", "attempt-2", AT)).toBe(true);
    await runs.settleStepInDoubt("ws_1", before.run.runId, "email", runEndedInDoubt("send_email"), AT, {
      plainClaim: true,
      attempt: "attempt-2",
    });
    expect(await before.step()).toMatchObject({ status: "skipped" });
  });

  it("recorded executed from the first's Send (the second had its wait with no evidence), then the first's Reject: that message's record is corrected, once", async () => {
    const email = await takenOver();
    await runs.markStepInDoubt(email.run, "email", "attempt-2", AT);
    await email.send("ses-msg-1", "attempt-1");
    expect(await email.step()).toMatchObject({ status: "claimed" });
    const first = {
      status: "executed" as const,
      detail: { messageId: "ses-msg-1", reconciled: "send_event" },
    };
    expect(await runs.recordStep(email.run, "email", first, AT)).toBe(true);

    expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ settled: true });
    expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ settled: false });

    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
  });

  it("an email sent before the attempt tag (no tag): its evidence speaks for the step's claim as before", async () => {
    const email = await takenOver();
    await runs.markStepInDoubt(email.run, "email", "attempt-2", AT);

    expect(await email.reject("ses-msg-1")).toMatchObject({ settled: true });

    expect(await email.step()).toMatchObject(REJECTED);
    expect(await email.counters()).toEqual(ONCE);
  });
});

describe("a step's record that SES's Reject corrected, retried, on dynalite", () => {
  it("a claim by a retried attempt finds it done and corrected (its fail_run policy is not applied again), whichever way the Reject came", async () => {
    // After the record: the correction.
    const after = await claimedEmail();
    await after.record();
    await after.reject();
    expect(await runs.claimStep(after.run, "email", "attempt-9", AT)).toEqual({
      status: "already_done",
      outcome: REJECTED.outcome,
      corrected: true,
    });
    // Before the record: kept on the claim, recorded in place of the execution the attempt reported.
    const before = await claimedEmail();
    await before.reject();
    await before.record();
    expect(await runs.claimStep(before.run, "email", "attempt-9", AT)).toEqual({
      status: "already_done",
      outcome: REJECTED.outcome,
      corrected: true,
    });
    // A Reject found by the step itself (settled in doubt) is its outcome, not a correction.
    const found = await claimedEmail();
    await runs.markStepInDoubt(found.run, "email", "attempt-1", AT);
    await found.reject("ses-msg-1", "attempt-1");
    expect(await runs.claimStep(found.run, "email", "attempt-9", AT)).toEqual({
      status: "already_done",
      outcome: REJECTED.outcome,
    });
  });
});

describe("recordFailedStep on dynalite", () => {
  it("answers what it recorded: a Reject marked on the claim after the evidence was read is recorded, and answered, in place of the outcome computed", async () => {
    const email = await claimedEmail();
    await email.send("ses-msg-1", "attempt-1");
    let hook: (() => Promise<unknown>) | undefined = () => email.reject("ses-msg-1", "attempt-1");
    const hooked = Object.create(runs) as DynamoRunRepository;
    hooked.listStepEvidence = async (...args) => {
      const evidence = await runs.listStepEvidence(...args);
      const mark = hook;
      hook = undefined;
      await mark?.();
      return evidence;
    };

    const outcome = await recordFailedStep(
      { runs: hooked, workflows: { startLookup: async () => "started" as const }, clock: fixedClock(AT) },
      email.run,
      { id: "email", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
      "entry",
      "Lambda.Unknown",
    );

    expect(hook).toBeUndefined();
    expect(await email.step()).toMatchObject(REJECTED);
    expect(outcome).toEqual(REJECTED.outcome);
  });
});

/**
 * Runs `work` with SES's Reject of `messageId` kept and handled in full just after the next read of
 * the step's evidence: a Reject that comes while its reader is between that read and its write.
 */
async function rejectAfterNextEvidenceRead<T>(
  email: { reject: (messageId?: string, attempt?: string) => Promise<unknown> },
  messageId: string,
  attempt: string,
  work: () => Promise<T>,
): Promise<T> {
  const list = runs.listStepEvidence.bind(runs);
  const spy = vi.spyOn(runs, "listStepEvidence").mockImplementationOnce(async (...args) => {
    const pieces = await list(...args);
    await email.reject(messageId, attempt);
    return pieces;
  });
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

/** The step's counters when the second attempt's Reject stands: one failure, for that reason. */
const FAILED_REJECTED = { "steps.email.failed": 1, "steps.email.failed.rejected": 1 };

/** The sides nobody retries that record a claim not sent (their helper's name), and how. */
const RECORDED_NOT_SENT_BY = [
  ["the run's end", "endRun", runEndedInDoubt("send_email")],
  ["a wake-up failed for good (failed send_in_doubt)", "failWake", { status: "failed" }],
] as const;

describe("the first attempt's Send (not rejected), the second attempt's claim never answered for, on dynalite", () => {
  // The first send's answer lost, its Send event later than its wait: the second attempt took the
  // claim over and sent again, SES did not take that one (its answer ambiguous: a connection lost
  // before the request reached SES), so no evidence of it ever comes. The step's email went out:
  // however its claim is settled (its retry, the run's end, a wake-up failed for good), its record
  // says executed, from the first's Send, as the retry's does (settleDoubt, acceptedElsewhere).
  const FIRST = { status: "executed", outcome: { status: "executed", detail: { messageId: "ses-msg-1" } } };
  async function secondInDoubt() {
    const email = await claimedEmail();
    await runs.markStepInDoubt(email.run, "email", "attempt-1", AT);
    expect(await runs.takeOverStep(email.run, "email", "attempt-1", "attempt-2", AT)).toBe(true);
    await runs.markStepInDoubt(email.run, "email", "attempt-2", AT);
    const skipped = async () => {
      const { Item } = await db.send(
        new GetCommand({
          TableName: TABLE,
          Key: keys.momentStatsShard("ws_1", email.run.momentId, statsShardOf(email.run.runId)),
          ConsistentRead: true,
        }),
      );
      return Number(Item?.["steps.email.skipped"] ?? 0);
    };
    const endRun = () =>
      settleDoubtsOfEndedRun(
        { runs, workflows: { startLookup: async () => "started" as const }, clock: fixedClock(AT) },
        { workspaceId: "ws_1", momentId: email.run.momentId, runId: email.run.runId },
        [],
        undefined,
      );
    const failWake = () =>
      recordFailedStep(
        { runs, workflows: { startLookup: async () => "started" as const }, clock: fixedClock(AT) },
        email.run,
        { id: "email", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
        "entry",
        "Lambda.Unknown",
      );
    return { ...email, skipped, endRun, failWake };
  }

  it("a failure corrected to another failure (send_in_doubt, then the second's own Reject) keeps failed at 1, its reason moved", async () => {
    const email = await secondInDoubt();
    await email.failWake();
    expect((await email.stands()).counters).toEqual({
      "steps.email.failed": 1,
      "steps.email.failed.send_in_doubt": 1,
    });
    await email.reject("ses-msg-2", "attempt-2");
    const after = await email.stands();
    expect(after.record.outcome).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/rejected/),
    });
    expect(after.counters).toEqual(FAILED_REJECTED);
  });

  it("the Send came before the run ended: the run's end records the step executed from it, not skipped", async () => {
    const email = await secondInDoubt();
    await email.send("ses-msg-1", "attempt-1");

    await email.endRun();

    expect(await email.step()).toMatchObject(FIRST);
    expect(await email.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
    expect(await email.skipped()).toBe(0);
  });

  it.each(RECORDED_NOT_SENT_BY)(
    "%s recording the second's claim executed from the first's Send kept, that Send's Reject after: the same record and counters as when the Reject came before it",
    async (_title, settle, notSent) => {
      const rejectAfter = await secondInDoubt();
      await rejectAfter.send("ses-msg-1", "attempt-1");
      await rejectAfter[settle]();
      expect(await rejectAfter.step()).toMatchObject(FIRST);
      expect(await rejectAfter.reject("ses-msg-1", "attempt-1")).toMatchObject({
        settled: true,
        rejectSettled: true,
      });
      const rejectBefore = await secondInDoubt();
      await rejectBefore.send("ses-msg-1", "attempt-1");
      await rejectBefore.reject("ses-msg-1", "attempt-1");
      await rejectBefore[settle]();

      const stands = await rejectBefore.stands();
      expect(stands.record).toMatchObject({ outcome: notSent });
      expect(await rejectAfter.stands()).toEqual(stands);
      // The second attempt's own Send still corrects either to executed, counted once.
      for (const email of [rejectAfter, rejectBefore]) {
        expect(await email.send("ses-msg-2", "attempt-2")).toMatchObject({ settled: true });
        expect(await email.stands()).toMatchObject({
          record: { status: "executed" },
          counters: { "steps.email.executed": 1 },
        });
      }
    },
  );

  // The second attempt's own evidence arriving while the record stands on the first's Send (before
  // that Send's Reject), or after the Reject: the same record either way, the second's outcome.
  const SECOND_SENT = {
    record: {
      status: "executed",
      outcome: { status: "executed", detail: { messageId: "ses-msg-2", reconciled: "send_event" } },
    },
    counters: { "steps.email.executed": 1 },
  };
  it.each(RECORDED_NOT_SENT_BY)(
    "%s, the first's Send: the second's own Send before or after the first's Reject records the second's send",
    async (_title, settle) => {
      const secondBefore = await secondInDoubt();
      await secondBefore[settle]();
      await secondBefore.send("ses-msg-1", "attempt-1");
      await secondBefore.send("ses-msg-2", "attempt-2");
      await secondBefore.reject("ses-msg-1", "attempt-1");
      const secondAfter = await secondInDoubt();
      await secondAfter[settle]();
      await secondAfter.send("ses-msg-1", "attempt-1");
      await secondAfter.reject("ses-msg-1", "attempt-1");
      await secondAfter.send("ses-msg-2", "attempt-2");

      expect(await secondAfter.stands()).toEqual(SECOND_SENT);
      expect(await secondBefore.stands()).toEqual(SECOND_SENT);
    },
  );

  it.each(RECORDED_NOT_SENT_BY)(
    "%s after the first's Send was kept: the second's own Reject before or after the first's Reject records the second's rejection",
    async (_title, settle) => {
      const secondBefore = await secondInDoubt();
      await secondBefore.send("ses-msg-1", "attempt-1");
      await secondBefore[settle]();
      await secondBefore.reject("ses-msg-2", "attempt-2");
      await secondBefore.reject("ses-msg-1", "attempt-1");
      const secondAfter = await secondInDoubt();
      await secondAfter.send("ses-msg-1", "attempt-1");
      await secondAfter[settle]();
      await secondAfter.reject("ses-msg-1", "attempt-1");
      await secondAfter.reject("ses-msg-2", "attempt-2");

      const stands = await secondAfter.stands();
      expect(stands.record.outcome).toMatchObject({
        status: "failed",
        reason: expect.stringMatching(/rejected/),
      });
      expect(stands.counters).toEqual(FAILED_REJECTED);
      expect(await secondBefore.stands()).toEqual(stands);
    },
  );

  it("three attempts: the second's Reject racing the re-read after the first's Reject still leaves the third's claim not sent", async () => {
    // The first and second sent (answers lost), the third took the claim over and sent nothing SES
    // took; the run's end records the third's claim executed from the first's Send.
    const email = await secondInDoubt();
    expect(await runs.takeOverStep(email.run, "email", "attempt-2", "attempt-3", AT)).toBe(true);
    await runs.markStepInDoubt(email.run, "email", "attempt-3", AT);
    await email.send("ses-msg-1", "attempt-1");
    await email.send("ses-msg-2", "attempt-2");
    await email.endRun();
    expect(await email.step()).toMatchObject(FIRST);
    // The first's Reject restores the skip, then reads the evidence again: the second's Reject is
    // kept and handled in full just after that read (its handler sees the skip of another attempt's
    // claim and settles nothing), so the read holds the second's Send but not its Reject.
    await rejectAfterNextEvidenceRead(email, "ses-msg-2", "attempt-2", () =>
      email.reject("ses-msg-1", "attempt-1"),
    );
    // Both emails were rejected: the claim stands not sent, as when the events come one by one.
    const stands = await email.stands();
    expect(stands.record).toEqual({ status: "skipped", outcome: runEndedInDoubt("send_email") });
    expect(stands.counters["steps.email.skipped"]).toBe(1);
    expect(stands.counters["steps.email.executed"]).toBeUndefined();
  });

  it("the run's end answers what stands when the first's Reject comes while it records from the first's Send", async () => {
    const email = await secondInDoubt();
    await email.send("ses-msg-1", "attempt-1");
    // The Reject is kept and handled in full just after the run's end read the evidence (its handler
    // sees the second's claim, which it does not speak for, and settles nothing).
    const answered = await rejectAfterNextEvidenceRead(email, "ses-msg-1", "attempt-1", () =>
      settleClaimOfEndedRun(
        { runs, workflows: { startLookup: async () => "started" as const }, clock: fixedClock(AT) },
        { workspaceId: "ws_1", momentId: email.run.momentId, runId: email.run.runId },
        "email",
        "attempt-2",
        {
          step: { id: "email", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
          phase: "entry",
        },
      ),
    );
    // Its re-read found the Reject and restored the skip: its answer (its log line, its metric) is
    // that skip, not the execution it wrote first.
    expect(await email.step()).toMatchObject({ status: "skipped" });
    expect(answered).toEqual(runEndedInDoubt("send_email"));
  });

  it("the Send came after the run ended: it corrects the skip to executed, counters moved once", async () => {
    const email = await secondInDoubt();
    await email.endRun();
    expect(await email.step()).toMatchObject({ status: "skipped" });

    expect(await email.send("ses-msg-1", "attempt-1")).toMatchObject({ settled: true });
    expect(await email.send("ses-msg-1", "attempt-1")).toMatchObject({ settled: false });

    expect(await email.step()).toMatchObject(FIRST);
    expect(await email.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
    expect(await email.skipped()).toBe(0);
    // That message's Reject still corrects it, once: back to the skip it replaced (see below).
    expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ settled: true });
    expect(await email.stands()).toEqual(SKIP_RESTORED);
  });

  it.each(RECORDED_NOT_SENT_BY)(
    "%s recording the second's claim not sent, then the first's Send and its Reject, in either order: the same record (SES delivered nothing), still open to the second's own Send, and the same counters",
    async (_title, settle, notSent) => {
      const sendFirst = await secondInDoubt();
      await sendFirst[settle]();
      expect(await sendFirst.send("ses-msg-1", "attempt-1")).toMatchObject({ settled: true });
      expect(await sendFirst.reject("ses-msg-1", "attempt-1")).toMatchObject({
        settled: true,
        rejectSettled: true,
      });
      const rejectFirst = await secondInDoubt();
      await rejectFirst[settle]();
      await rejectFirst.reject("ses-msg-1", "attempt-1");
      await rejectFirst.send("ses-msg-1", "attempt-1");

      const stands = await rejectFirst.stands();
      expect(stands.record).toMatchObject({ outcome: notSent });
      expect(await sendFirst.stands()).toEqual(stands);
      // Redelivered, either changes nothing.
      await sendFirst.send("ses-msg-1", "attempt-1");
      await sendFirst.reject("ses-msg-1", "attempt-1");
      expect(await sendFirst.stands()).toEqual(stands);
      // The second attempt's own Send, whenever it comes, corrects either to executed, counted once.
      for (const email of [sendFirst, rejectFirst]) {
        expect(await email.send("ses-msg-2", "attempt-2")).toMatchObject({ settled: true });
        expect(await email.stands()).toEqual({
          record: {
            status: "executed",
            outcome: { status: "executed", detail: { messageId: "ses-msg-2", reconciled: "send_event" } },
          },
          counters: { "steps.email.executed": 1 },
        });
      }
    },
  );

  it("a wake-up failed for good: recorded executed from the Send, or corrected to it when it comes after", async () => {
    const before = await secondInDoubt();
    await before.send("ses-msg-1", "attempt-1");
    expect(await before.failWake()).toMatchObject(FIRST.outcome);
    expect(await before.step()).toMatchObject(FIRST);
    expect(await before.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });

    const after = await secondInDoubt();
    expect(await after.failWake()).toMatchObject({ status: "failed" });
    expect(await after.send("ses-msg-1", "attempt-1")).toMatchObject({ settled: true });
    expect(await after.step()).toMatchObject(FIRST);
    expect(await after.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
  });
});

describe("SES's evidence racing a record made from other evidence, or made not sent, by a side nobody retries, on dynalite", () => {
  // The Reject's handler keeps it, then reads the step: a claim or a record of the second attempt,
  // which it does not speak for, so it settles nothing. When that read comes before the record
  // made from the first's Send, the side that records reads the evidence again, and corrects it.
  async function secondInDoubt() {
    const email = await claimedEmail();
    await runs.markStepInDoubt(email.run, "email", "attempt-1", AT);
    expect(await runs.takeOverStep(email.run, "email", "attempt-1", "attempt-2", AT)).toBe(true);
    await runs.markStepInDoubt(email.run, "email", "attempt-2", AT);
    return email;
  }
  /** `runs`, but the first read of the step's evidence is followed by `hook` (once). */
  function hookedAfterEvidenceRead(hook: () => Promise<unknown>) {
    let pending: (() => Promise<unknown>) | undefined = hook;
    const hooked = Object.create(runs) as DynamoRunRepository;
    const thenHook = async <T>(read: Promise<T>) => {
      const result = await read;
      const run = pending;
      pending = undefined;
      await run?.();
      return result;
    };
    hooked.getStepEvidence = (...args) => thenHook(runs.getStepEvidence(...args));
    hooked.listStepEvidence = (...args) => thenHook(runs.listStepEvidence(...args));
    return { hooked, ran: () => pending === undefined };
  }
  const endRun = (repo: DynamoRunRepository, run: { runId: string; momentId: string }) =>
    settleDoubtsOfEndedRun(
      { runs: repo, workflows: { startLookup: async () => "started" as const }, clock: fixedClock(AT) },
      { workspaceId: "ws_1", momentId: run.momentId, runId: run.runId },
      [],
      undefined,
    );

  it("the run's end records the first's Send while its Reject comes: its re-read finds the Reject, which restores the skip it stood in for, counted once", async () => {
    const email = await secondInDoubt();
    await email.send("ses-msg-1", "attempt-1");
    const { hooked, ran } = hookedAfterEvidenceRead(async () => {
      expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ kept: true, settled: false });
    });

    await endRun(hooked, email.run);

    expect(ran()).toBe(true);
    expect(await email.stands()).toEqual(SKIP_RESTORED);
  });

  it("the first's Send comes while the run's end (or a failed wake-up) records the second's claim not sent: corrected to executed, counted once", async () => {
    const FIRST = {
      status: "executed",
      outcome: { detail: { messageId: "ses-msg-1", reconciled: "send_event" } },
    };
    const ended = await secondInDoubt();
    const sendNow = (email: typeof ended) => async () => {
      // Kept, but the step it reads is the second attempt's claim: nothing settled by it.
      expect(await email.send("ses-msg-1", "attempt-1")).toMatchObject({ kept: true, settled: false });
    };
    const endHook = hookedAfterEvidenceRead(sendNow(ended));

    await endRun(endHook.hooked, ended.run);

    expect(endHook.ran()).toBe(true);
    expect(await ended.step()).toMatchObject(FIRST);
    expect(await ended.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });

    const failed = await secondInDoubt();
    const wakeHook = hookedAfterEvidenceRead(sendNow(failed));
    const outcome = await recordFailedStep(
      {
        runs: wakeHook.hooked,
        workflows: { startLookup: async () => "started" as const },
        clock: fixedClock(AT),
      },
      failed.run,
      { id: "email", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
      "entry",
      "Lambda.Unknown",
    );

    expect(wakeHook.ran()).toBe(true);
    expect(await failed.step()).toMatchObject(FIRST);
    expect(await failed.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
    // (it answers the record read back, as corrected: the run acts on it)
    expect(outcome).toMatchObject(FIRST.outcome);
  });

  it("an attempt's own Send comes while the run's end settles its plain claim (its handler reads the claim first, which a Send does not settle): corrected to executed, counted once", async () => {
    const email = await claimedEmail();
    const { hooked, ran } = hookedAfterEvidenceRead(async () => {
      expect(await email.send("ses-msg-1", "attempt-1")).toMatchObject({ kept: true, settled: false });
    });

    await endRun(hooked, email.run);

    expect(ran()).toBe(true);
    expect(await email.step()).toMatchObject({
      status: "executed",
      outcome: { detail: { messageId: "ses-msg-1", reconciled: "send_event" } },
    });
    expect(await email.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
    // The attempt, still alive, records SES's answer after: the record stands, counted once.
    expect(await email.record()).toBe(false);
    expect(await email.counters()).toEqual({ executed: 1, failed: 0, rejected: 0 });
  });

  it("the first's Send corrects the run's skip while its Reject comes: its re-read finds the Reject, which restores the skip, counted once", async () => {
    const email = await secondInDoubt();
    await endRun(runs, email.run);
    expect(await email.step()).toMatchObject({ status: "skipped" });
    const { hooked, ran } = hookedAfterEvidenceRead(async () => {
      expect(await email.reject("ses-msg-1", "attempt-1")).toMatchObject({ kept: true, settled: false });
    });
    const sent = {
      source: "aws.ses",
      "detail-type": "Email Sent",
      detail: {
        mail: {
          messageId: "ses-msg-1",
          timestamp: AT,
          tags: { workspace: ["ws_1"], run: [email.run.runId], step: ["email"], attempt: ["attempt-1"] },
        },
      },
    };

    // (the Reject's correction is counted by this handler: its own settled nothing)
    expect(await recordSesFeedback({ ...deps(), runs: hooked }, sent)).toMatchObject({
      settled: true,
      rejectSettled: true,
    });

    expect(ran()).toBe(true);
    expect(await email.stands()).toEqual(SKIP_RESTORED);
  });
});
