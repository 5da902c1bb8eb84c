/**
 * An email step's claim taken over after the wait (the first send in doubt, no evidence), whose own
 * send SES then throttled (it took nothing), through executeStep and the DynamoDB run repository on
 * a real DynamoDB engine (dynalite, in process): what the fake repository cannot show — that the
 * take-over's REMOVE and the later doubt mark (if_not_exists) leave the claim in doubt since the first
 * doubt, that the retry, the run's end or a failed wake-up settles it, and that the counters move
 * once, with at most one email (the first's, which SES took late) and never none when none went out.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DynamoRunRepository } from "../../../shared/adapters/dynamodb/run-repository.js";
import { statsShardOf } from "../../../shared/adapters/dynamodb/stats-ops.js";
import { keys } from "../../../shared/contracts/table.js";
import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../../../shared/domain/delivery-errors.js";
import type { OutgoingEmail } from "../../../shared/ports/delivery.js";
import { emailPerformer } from "../../../shared/use-cases/actions/email.js";
import { executeStep, type StepDeps } from "../../../shared/use-cases/execute-step.js";
import { recordRunState } from "../../../shared/use-cases/record-run-state.js";
import { recordSesFeedback } from "../../../shared/use-cases/ses-feedback.js";
import {
  recordFailedStep,
  runEndedInDoubt,
  settleDoubtsOfEndedRun,
} from "../../../shared/use-cases/step-doubt.js";
import { startDynaliteTable } from "../../support/dynalite.js";
import { emailDeps, FakeSuppressionList } from "../../support/fake-suppressions.js";
import {
  aMoment,
  aRun,
  aTemplate,
  FakeConfigRepository,
  FakeMailer,
  FakeProfiles,
  FakeWorkflows,
  fixedClock,
  sesStepEvent,
} from "../../support/fakes.js";

const TABLE = "moments-takeover";
const FIRST = "2026-11-21T11:00:00.000Z";
const TAKEN_OVER = "2026-11-21T11:05:00.000Z";
const RETRY = "2026-11-21T11:05:20.000Z";
const STEP = { id: "email", delaySeconds: 0, action: { type: "send_email" as const, templateId: "t_1" } };
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

// A test that fails midway leaves no spy on the shared repository for the next one.
afterEach(() => {
  vi.restoreAllMocks();
});

/** A mailer whose send can run something first (SES's event of an earlier send arriving), then fail. */
class ScriptedMailer extends FakeMailer {
  before: (() => Promise<unknown>) | undefined;
  override async send(email: OutgoingEmail) {
    const before = this.before;
    this.before = undefined;
    await before?.();
    return super.send(email);
  }
}

/** A run of its own (and moment: its counters are its own), active, its email step not yet claimed. */
async function emailRun(policy: { onFailure?: "fail_run" } = {}) {
  count++;
  const run = aRun({ runId: `run_${count}`, momentId: `m_${count}` });
  // (its step pinned, as a run's are: the run-state task reads it from there)
  expect(await runs.enter(run, { entry: [{ ...STEP, ...policy }], completion: [], exit: [] })).toBe(
    "entered",
  );
  const config = new FakeConfigRepository();
  await config.createMoment(
    aMoment({ id: run.momentId, status: "running", runningSince: "2026-11-21T09:00:00.000Z" }),
  );
  await config.putEmailTemplate(aTemplate({ id: "t_1" }));
  const profiles = new FakeProfiles();
  await profiles.mergeTraits("ws_1", "acct_1", { email: "ada@example.com" }, FIRST);
  const mailer = new ScriptedMailer();
  const email = emailDeps(config, mailer);
  let attempts = 0;
  const deps = (at: string): StepDeps => ({
    actions: { send_email: emailPerformer(email) },
    profiles,
    runs,
    moments: config,
    clock: fixedClock(at),
    workflows: new FakeWorkflows(),
    newAttempt: () => `attempt-${++attempts}`,
  });
  const step = (at: string) => executeStep(deps(at), { run, step: { ...STEP, ...policy }, phase: "entry" });
  /** SES's event of the first attempt's email (its answer was lost). */
  const firstEvent = (type: "Email Sent" | "Email Rejected") =>
    recordSesFeedback(
      { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(RETRY) },
      sesStepEvent(type, {
        messageId: "ses-first",
        timestamp: FIRST,
        runId: run.runId,
        stepId: "email",
        attempt: "attempt-1",
      }),
    );
  const firstSend = () => firstEvent("Email Sent");
  /** The run ends (a rule matched), and its end settles the steps it finds claimed. */
  const endRun = async (at: string) => {
    await runs.endRun(run, "success", "msg_paid", at);
    await settleDoubtsOfEndedRun(
      { runs, workflows: new FakeWorkflows(), clock: fixedClock(at) },
      run,
      [],
      await runs.getRun("ws_1", run.runId),
    );
  };
  const record = async () =>
    (
      await db.send(
        new GetCommand({
          TableName: TABLE,
          Key: keys.runStep("ws_1", run.runId, "email"),
          ConsistentRead: true,
        }),
      )
    ).Item;
  const counters = async () => {
    const { Item } = await db.send(
      new GetCommand({
        TableName: TABLE,
        Key: keys.momentStatsShard("ws_1", run.momentId, statsShardOf(run.runId)),
        ConsistentRead: true,
      }),
    );
    return {
      executed: Number(Item?.["steps.email.executed"] ?? 0),
      skipped: Number(Item?.["steps.email.skipped"] ?? 0),
      failed: Number(Item?.["steps.email.failed"] ?? 0),
    };
  };
  /** The first send in doubt; the second, after the wait, takes the claim over and is throttled. */
  const takenOverThenThrottled = async (meanwhile?: () => Promise<unknown>) => {
    mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    await expect(step(FIRST)).rejects.toMatchObject({ name: "StepInDoubt" });
    mailer.failNextWith(new TransientDeliveryError("SES Throttling: Maximum sending rate exceeded."));
    mailer.before = meanwhile;
    await expect(step(TAKEN_OVER)).rejects.toMatchObject({ name: "TransientActionError" });
  };
  /** The first send in doubt; then, before the second attempt (after the wait), `then`. */
  const firstInDoubt = async (then: "suppressed" | "refused") => {
    mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    await expect(step(FIRST)).rejects.toMatchObject({ name: "StepInDoubt" });
    // The first's email, which SES took, was complained of: the address is suppressed.
    if (then === "suppressed")
      await email.suppressions.suppress("ws_1", {
        address: "ada@example.com",
        reason: "complained",
        suppressedAt: FIRST,
      });
    // SES refuses the second's send for good.
    else
      mailer.failNextWith(new PermanentDeliveryError("SES MessageRejected: Email address is not verified."));
  };
  /**
   * The first's Send arrives just before the next record of the step: its handler reads the claim,
   * the second attempt's, which it does not speak for. Answers a function that undoes the spy.
   */
  const sendBeforeNextRecord = () => {
    const recordStep = runs.recordStep.bind(runs);
    const spy = vi.spyOn(runs, "recordStep").mockImplementationOnce(async (...args) => {
      expect(await firstSend()).toMatchObject({ kept: true, settled: false });
      return recordStep(...args);
    });
    return () => spy.mockRestore();
  };
  /** The run-state task recording what the action could not (its error as the state machine hands it over). */
  const recordUnrecorded = (unrecorded: Error) =>
    recordRunState(
      { runs, workflows: new FakeWorkflows(), clock: fixedClock(RETRY) } as unknown as Parameters<
        typeof recordRunState
      >[0],
      {
        type: "wake_outcome",
        wake: {
          seconds: 0,
          run: { workspaceId: run.workspaceId, momentId: run.momentId, runId: run.runId },
          phase: "entry",
          steps: ["email"],
        },
        error: { Error: unrecorded.name, Cause: JSON.stringify({ errorMessage: unrecorded.message }) },
      },
    );
  return {
    run,
    recordUnrecorded,
    mailer,
    firstInDoubt,
    sendBeforeNextRecord,
    suppressions: email.suppressions,
    step,
    firstEvent,
    firstSend,
    endRun,
    record,
    counters,
    takenOverThenThrottled,
  };
}

describe("an email claim taken over from one in doubt, then throttled, on dynalite", () => {
  it("no evidence: the retry takes it over and sends at once, once; executed, counted once", async () => {
    const email = await emailRun();
    await email.takenOverThenThrottled();

    // (kept by the attempt that took it over, in doubt since the first doubt: its wait is over)
    expect(await email.record()).toMatchObject({
      status: "claimed",
      attempt: "attempt-2",
      doubtSince: FIRST,
    });
    expect(await email.step(RETRY)).toMatchObject({ status: "executed", detail: { messageId: "ses-1" } });

    expect(email.mailer.sent).toHaveLength(1);
    expect(email.mailer.sent[0]?.tags?.attempt).toBe("attempt-3");
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("the first's Send comes while the second is throttled (before its mark): the retry records executed from it, sends nothing", async () => {
    const email = await emailRun();
    await email.takenOverThenThrottled(email.firstSend);

    expect(await email.step(RETRY)).toEqual({
      status: "executed",
      detail: { messageId: "ses-first", reconciled: "send_event" },
    });

    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("the run ends before the retry, the first's Send after: skipped, then corrected to executed, counted once; nothing sent", async () => {
    const email = await emailRun();
    await email.takenOverThenThrottled();
    await runs.endRun(email.run, "success", "msg_paid", TAKEN_OVER);

    expect(await email.step(RETRY)).toMatchObject({ status: "skipped" });
    expect(await email.record()).toMatchObject({ status: "skipped", doubtSince: FIRST });
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("the retries run out (a wake-up failed for good): failed send_in_doubt, which the first's late Send corrects, counted once", async () => {
    const email = await emailRun();
    await email.takenOverThenThrottled();

    const outcome = await recordFailedStep(
      { runs, workflows: new FakeWorkflows(), clock: fixedClock(RETRY) },
      email.run,
      STEP,
      "entry",
      "SES Throttling",
    );
    expect(outcome).toMatchObject({ status: "failed", reason: expect.stringMatching(/^send_in_doubt:/) });
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("the first's Send and its Reject (SES delivered nothing): the retry sends once, executed; the first's evidence settles nothing of it", async () => {
    const email = await emailRun();
    await email.takenOverThenThrottled();
    expect(await email.firstEvent("Email Rejected")).toMatchObject({ kept: true, settled: false });
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: false });

    expect(await email.step(RETRY)).toMatchObject({ status: "executed", detail: { messageId: "ses-1" } });

    expect(email.mailer.sent).toHaveLength(1);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("the run ends while the second is throttled (its claim still plain, the mark after fails): skipped from its claim, the first's Send corrects it, counted once", async () => {
    const email = await emailRun();
    await email.takenOverThenThrottled(() => email.endRun(TAKEN_OVER));
    expect(await email.record()).toMatchObject({ status: "skipped", doubtSince: TAKEN_OVER });

    expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });
});

describe("an email claim taken over from one in doubt, whose own send this attempt then settles as not sent, on dynalite", () => {
  it("the recipient suppressed meanwhile (the first's email, which SES took, was complained of): skipped, and the first's late Send corrects it to executed, counted once", async () => {
    const email = await emailRun();
    await email.firstInDoubt("suppressed");

    expect(await email.step(TAKEN_OVER)).toMatchObject({ status: "skipped" });
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("its own send refused for good (SES's permanent error), fail_run: failed send_in_doubt, the run fails, and the first's late Send corrects the step to executed, counted once", async () => {
    const email = await emailRun({ onFailure: "fail_run" });
    await email.firstInDoubt("refused");

    await expect(email.step(TAKEN_OVER)).rejects.toMatchObject({ name: "StepFailedRun" });
    expect(await email.record()).toMatchObject({
      status: "failed",
      doubtSince: FIRST,
      outcome: { reason: expect.stringMatching(/^send_in_doubt: .*Email address is not verified/) },
    });
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it.each([
    ["skipped (the recipient suppressed meanwhile)", "suppressed", {}],
    ["failed (its own send refused for good), a fail_run step", "refused", { onFailure: "fail_run" }],
  ] as const)(
    "the first's Send came while this attempt decided (before its record): %s, corrected to executed by its re-read, answered so (the run goes on), counted once",
    async (_title, then, policy) => {
      const email = await emailRun(policy);
      await email.firstInDoubt(then);
      const restore = email.sendBeforeNextRecord();

      // (answered as the record says once its re-read corrected it)
      expect(await email.step(TAKEN_OVER)).toEqual({
        status: "executed",
        detail: { messageId: "ses-first", reconciled: "send_event" },
      });
      restore();

      expect(await email.record()).toMatchObject({ status: "executed" });
      expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
    },
  );

  it("its own send refused for good, and nothing of the first's email ever comes: the failure stands (send_in_doubt), counted once", async () => {
    const email = await emailRun();
    await email.firstInDoubt("refused");

    expect(await email.step(TAKEN_OVER)).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^send_in_doubt:/),
    });
    expect(await email.counters()).toEqual({ executed: 0, skipped: 0, failed: 1 });
  });

  it.each([
    [
      "skipped (the recipient suppressed meanwhile): the skip restored, and answered",
      "suppressed",
      {},
      { status: "skipped", reason: expect.stringMatching(/^suppressed/) },
    ],
    [
      "failed for good, a fail_run step: the failure restored, and its run fails",
      "refused",
      { onFailure: "fail_run" },
      { status: "failed", reason: expect.stringMatching(/^send_in_doubt:/) },
    ],
  ] as const)(
    "the first's Send came while this attempt decided, and its Reject just after the re-read corrected the record: %s, as the record stands, counted once",
    async (_title, then, policy, restored) => {
      const email = await emailRun(policy);
      await email.firstInDoubt(then);
      // SES's Send of the first's email comes before this attempt's record, and its Reject right
      // after the re-read's correction (to executed, from that Send), before it looks for one.
      const recordStep = runs.recordStep.bind(runs);
      let recorded = false;
      const recording = vi.spyOn(runs, "recordStep").mockImplementationOnce(async (...args) => {
        expect(await email.firstSend()).toMatchObject({ kept: true, settled: false });
        const done = await recordStep(...args);
        recorded = true;
        return done;
      });
      const settle = runs.settleStepInDoubt.bind(runs);
      let rejected = false;
      const settling = vi.spyOn(runs, "settleStepInDoubt").mockImplementation(async (...args) => {
        const settled = await settle(...args);
        if (recorded && !rejected) {
          rejected = true;
          expect(await email.firstEvent("Email Rejected")).toMatchObject({ kept: true, settled: true });
        }
        return settled;
      });

      const answered = email.step(TAKEN_OVER);
      if (then === "refused") await expect(answered).rejects.toMatchObject({ name: "StepFailedRun" });
      else expect(await answered).toEqual(restored);
      recording.mockRestore();
      settling.mockRestore();
      expect(rejected).toBe(true);

      // (the Reject retracts the Send that corrected this attempt's record: what that record was
      // stands, as when the Reject comes first)
      expect(await email.record()).toMatchObject({ status: restored.status, outcome: restored });
      expect(email.mailer.sent).toEqual([]);
      expect(await email.counters()).toEqual({
        executed: 0,
        skipped: restored.status === "skipped" ? 1 : 0,
        failed: restored.status === "failed" ? 1 : 0,
      });
    },
  );

  it("its own send refused for good, its claim's doubt mark not written (DynamoDB failed): the failure is recorded as it is, final", async () => {
    const email = await emailRun();
    await email.firstInDoubt("refused");
    const spy = vi
      .spyOn(runs, "markStepInDoubt")
      .mockRejectedValueOnce(new Error("ProvisionedThroughputExceededException"));

    expect(await email.step(TAKEN_OVER)).toEqual({
      status: "failed",
      reason: expect.stringContaining("Email address is not verified"),
    });
    spy.mockRestore();
    expect((await email.record())?.outcome?.reason).not.toMatch(/^send_in_doubt/);
    expect(await email.firstSend()).toMatchObject({ settled: false });
    expect(await email.counters()).toEqual({ executed: 0, skipped: 0, failed: 1 });
  });

  it("its own send refused for good, its record failed (DynamoDB), the first's Send come meanwhile: the run-state task that records it reads the evidence again, executed, and the run goes on", async () => {
    const email = await emailRun({ onFailure: "fail_run" });
    await email.firstInDoubt("refused");
    vi.spyOn(runs, "recordStep").mockRejectedValueOnce(new Error("ProvisionedThroughputExceededException"));
    const unrecorded = await email.step(TAKEN_OVER).catch((error: unknown) => error);
    expect(unrecorded).toMatchObject({ name: "StepOutcomeUnrecorded" });
    // (its handler reads the claim, the second attempt's, which it does not speak for)
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: false });

    const recorded = await email.recordUnrecorded(unrecorded as Error);

    expect(recorded).toEqual({ recorded: "step_outcome", failRun: false });
    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("its own send refused for good, fail_run, and the first's Send handled right after its record (the handler settles it first): answered executed, and the run goes on", async () => {
    const email = await emailRun({ onFailure: "fail_run" });
    await email.firstInDoubt("refused");
    const recordStep = runs.recordStep.bind(runs);
    let recorded = false;
    vi.spyOn(runs, "recordStep").mockImplementationOnce(async (...args) => {
      const done = await recordStep(...args);
      recorded = true;
      return done;
    });
    // The re-read lists the evidence; the Send's handler has settled the record just before.
    const listStepEvidence = runs.listStepEvidence.bind(runs);
    vi.spyOn(runs, "listStepEvidence").mockImplementation(async (...args) => {
      if (recorded) {
        recorded = false;
        expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });
      }
      return listStepEvidence(...args);
    });

    expect(await email.step(TAKEN_OVER)).toEqual({
      status: "executed",
      detail: { messageId: "ses-first", reconciled: "send_event" },
    });
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("its own send refused for good, fail_run, its record's answer lost, then the first's Send: the run-state task records nothing more, and what stands (executed) decides: the run goes on", async () => {
    const email = await emailRun({ onFailure: "fail_run" });
    await email.firstInDoubt("refused");
    const recordStep = runs.recordStep.bind(runs);
    vi.spyOn(runs, "recordStep").mockImplementationOnce(async (...args) => {
      await recordStep(...args);
      throw new Error("socket hang up");
    });
    const unrecorded = await email.step(TAKEN_OVER).catch((error: unknown) => error);
    expect(unrecorded).toMatchObject({ name: "StepOutcomeUnrecorded" });
    // (its handler finds the record, failed send_in_doubt with its mark, and corrects it)
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: true });

    expect(await email.recordUnrecorded(unrecorded as Error)).toEqual({
      recorded: "step_outcome",
      failRun: false,
    });
    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("nothing of the first's email ever comes: the skip stands, counted once", async () => {
    const email = await emailRun();
    email.mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    await expect(email.step(FIRST)).rejects.toMatchObject({ name: "StepInDoubt" });
    await email.suppressions.suppress("ws_1", {
      address: "ada@example.com",
      reason: "unsubscribed",
      suppressedAt: FIRST,
    });

    expect(await email.step(TAKEN_OVER)).toMatchObject({ status: "skipped" });

    expect(await email.record()).toMatchObject({ status: "skipped" });
    expect(await email.counters()).toEqual({ executed: 0, skipped: 1, failed: 0 });
  });
});

describe("an attempt that finds its run ended over another attempt's plain claim, on dynalite", () => {
  it("that attempt died after SES took its email (its Send kept, which settles no plain claim): recorded executed from the Send, counted once", async () => {
    const email = await emailRun();
    // The first attempt claimed and sent, then died before recording SES's answer (no doubt mark);
    // the run ended before its end found the claim (it was claimed after).
    expect(await runs.claimStep(email.run, "email", "attempt-1", FIRST)).toEqual({ status: "claimed" });
    expect(await email.firstSend()).toMatchObject({ kept: true, settled: false });
    await runs.endRun(email.run, "success", "msg_paid", FIRST);

    expect(await email.step(RETRY)).toMatchObject({ status: "executed" });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });
  it("that attempt's Send comes while this one records the skip (the handler reads the plain claim): its re-read corrects it, and it answers executed, counted once", async () => {
    const email = await emailRun();
    expect(await runs.claimStep(email.run, "email", "attempt-1", FIRST)).toEqual({ status: "claimed" });
    await runs.endRun(email.run, "success", "msg_paid", FIRST);
    const settle = runs.settleStepInDoubt.bind(runs);
    vi.spyOn(runs, "settleStepInDoubt").mockImplementationOnce(async (...args) => {
      expect(await email.firstSend()).toMatchObject({ kept: true, settled: false });
      return settle(...args);
    });

    expect(await email.step(RETRY)).toEqual({
      status: "executed",
      detail: { messageId: "ses-first", reconciled: "send_event" },
    });

    expect(await email.record()).toMatchObject({ status: "executed" });
    expect(email.mailer.sent).toEqual([]);
    expect(await email.counters()).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });
});

describe("the second attempt's own send in doubt finding its run ended, the first's Send kept, on dynalite", () => {
  /** The first send in doubt; the second, after the wait, takes over, and `meanwhile` comes while its own send is in doubt. */
  async function secondSendInDoubt(
    meanwhile: (email: Awaited<ReturnType<typeof emailRun>>) => Promise<void>,
  ) {
    const email = await emailRun();
    email.mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    await expect(email.step(FIRST)).rejects.toMatchObject({ name: "StepInDoubt" });
    email.mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    email.mailer.before = () => meanwhile(email);
    return email;
  }
  const endRun = (email: Awaited<ReturnType<typeof emailRun>>) =>
    runs.endRun(email.run, "success", "msg_paid", TAKEN_OVER);
  const stands = async (email: Awaited<ReturnType<typeof emailRun>>) => {
    const record = await email.record();
    return { status: record?.status, outcome: record?.outcome, counters: await email.counters() };
  };

  it("recorded executed from the first's Send, whose Reject after restores the skip: the same record and counters as when the Reject came first", async () => {
    const rejectAfter = await secondSendInDoubt(async (email) => {
      await email.firstSend();
      await endRun(email);
    });
    expect(await rejectAfter.step(TAKEN_OVER)).toEqual({
      status: "executed",
      detail: { messageId: "ses-first", reconciled: "send_event" },
    });
    expect(await rejectAfter.firstEvent("Email Rejected")).toMatchObject({
      settled: true,
      rejectSettled: true,
    });
    const rejectFirst = await secondSendInDoubt(async (email) => {
      await email.firstEvent("Email Rejected");
      await email.firstSend();
      await endRun(email);
    });
    expect(await rejectFirst.step(TAKEN_OVER)).toMatchObject({ status: "skipped" });

    expect(await stands(rejectFirst)).toEqual({
      status: "skipped",
      outcome: runEndedInDoubt("send_email"),
      counters: { executed: 0, skipped: 1, failed: 0 },
    });
    expect(await stands(rejectAfter)).toEqual(await stands(rejectFirst));
    expect(rejectAfter.mailer.sent).toEqual([]);
    expect(rejectFirst.mailer.sent).toEqual([]);
  });
});
