/**
 * SES's Reject of an email step, through ses-feedback and the DynamoDB run repository, on a real
 * DynamoDB engine (dynalite, in process): what the mocked tests cannot show — that the conditional
 * writes correct the step once, counters moved once, whichever of the Reject (delivered twice) and
 * the step's own record of SES's answer comes first, or when they come together.
 */
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRunRepository } from "../../../../shared/adapters/dynamodb/run-repository.js";
import { statsShardOf } from "../../../../shared/adapters/dynamodb/stats-ops.js";
import { keys } from "../../../../shared/contracts/table.js";
import { recordSesFeedback } from "../../../../shared/use-cases/ses-feedback.js";
import { runEndedInDoubt } from "../../../../shared/use-cases/step-doubt.js";
import { startDynaliteTable } from "../../../support/dynalite.js";
import { FakeSuppressionList } from "../../../support/fake-suppressions.js";
import { aRun, fixedClock } from "../../../support/fakes.js";

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
  const event = (type: "Email Sent" | "Email Rejected", messageId = "ses-msg-1") => ({
    source: "aws.ses",
    "detail-type": type,
    detail: {
      mail: {
        messageId,
        timestamp: AT,
        tags: { workspace: ["ws_1"], run: [run.runId], step: ["email"] },
      },
      ...(type === "Email Rejected" ? { reject: { reason: "Bad content" } } : {}),
    },
  });
  const reject = (messageId?: string) => recordSesFeedback(deps(), event("Email Rejected", messageId));
  const send = () => recordSesFeedback(deps(), event("Email Sent"));
  const record = (options: { completeRun?: boolean } = {}) =>
    runs.recordStep(run, "email", SENT, "2026-11-21T10:00:00.400Z", options);
  const step = async () => (await runs.listRunSteps("ws_1", run.runId)).find((s) => s.stepId === "email");
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
      failed: Number(Item?.["steps.email.failed"] ?? 0),
      rejected: Number(Item?.["steps.email.failed.rejected"] ?? 0),
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
  return { run, reject, send, record, step, counters, evidenceKept };
}

const REJECTED = { status: "failed", outcome: { status: "failed", reason: "rejected: Bad content" } };
const ONCE = { executed: 0, failed: 1, rejected: 1 };

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
