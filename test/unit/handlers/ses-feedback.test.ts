/**
 * The ses-feedback function's wiring: SES's Reject that changes a step's record is counted
 * (`RejectCorrected`, Powertools Metrics); a Reject or a Send that changes nothing is not.
 */
import { Metrics } from "@aws-lambda-powertools/metrics";
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { EventBridgeEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../../shared/contracts/table.js";
import { RUN_ENDED_IN_DOUBT } from "../../../shared/use-cases/step-doubt.js";
import { context, setHandlerEnv } from "./env.js";

const db = mockClient(DynamoDBDocumentClient);
let handler: (event: EventBridgeEvent<string, unknown>, ctx: typeof context) => Promise<void>;
const AT = "2026-11-21T10:00:00.000Z";

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import("../../../functions/ses-feedback/handler.js"));
});

/** The step's email, recorded executed from SES's answer (messageId ses-1). */
const executed = {
  ...keys.runStep("ws_1", "run_1", "email"),
  stepId: "email",
  status: "executed",
  outcome: { status: "executed", detail: { messageId: "ses-1" } },
  recordedAt: AT,
  attempt: "attempt-1",
};

beforeEach(() => {
  db.reset();
  db.on(GetCommand, { Key: keys.runStep("ws_1", "run_1", "email") }).resolves({ Item: executed });
  db.on(GetCommand, { Key: keys.run("ws_1", "run_1") }).resolves({ Item: { momentId: "m_1" } });
  // No evidence kept (read again after a settled Reject: see othersMeanwhile).
  db.on(GetCommand, { Key: keys.runStepEvidence("ws_1", "run_1", "email") }).resolves({});
  db.on(UpdateCommand).resolves({});
  db.on(TransactWriteCommand).resolves({});
});

afterEach(() => {
  vi.restoreAllMocks();
});

const event = (detailType: string, messageId: string): EventBridgeEvent<string, unknown> => ({
  version: "0",
  id: "evt-1",
  "detail-type": detailType,
  source: "aws.ses",
  account: "123456789012",
  time: AT,
  region: "us-east-1",
  resources: [],
  detail: {
    mail: {
      messageId,
      timestamp: AT,
      tags: { workspace: ["ws_1"], run: ["run_1"], step: ["email"], attempt: ["attempt-1"] },
    },
    ...(detailType === "Email Rejected" ? { reject: { reason: "Bad content" } } : {}),
  },
});

const rejectCounts = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter(([name]) => name === "RejectCorrected");

describe("ses-feedback handler: the RejectCorrected metric", () => {
  it("counts a Reject that corrects the step's execution, once", async () => {
    const addMetric = vi.spyOn(Metrics.prototype, "addMetric");

    await handler(event("Email Rejected", "ses-1"), context);

    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(rejectCounts(addMetric)).toEqual([["RejectCorrected", "Count", 1]]);
  });

  it("does not count a Reject of another message of the step, which corrects nothing", async () => {
    const addMetric = vi.spyOn(Metrics.prototype, "addMetric");

    await handler(event("Email Rejected", "ses-0"), context);

    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(rejectCounts(addMetric)).toEqual([]);
  });

  it("does not count a Send (kept nowhere: the step's record is final for it)", async () => {
    const addMetric = vi.spyOn(Metrics.prototype, "addMetric");

    await handler(event("Email Sent", "ses-1"), context);

    expect(rejectCounts(addMetric)).toEqual([]);
  });

  it("counts the Reject that the Send's handler finds when it reads its attempt's evidence again after its correction (the Reject's own handler, reading the step first, settled nothing)", async () => {
    // The second attempt's claim was recorded skipped (its run ended in doubt); the first attempt's
    // Send corrects it to executed, and its Reject, come meanwhile, is found by the re-read.
    const skipped = {
      ...executed,
      status: "skipped",
      outcome: RUN_ENDED_IN_DOUBT,
      doubtSince: AT,
      attempt: "attempt-2",
    };
    const first = { at: AT, messageId: "ses-1", attempt: "attempt-1" };
    db.on(GetCommand, { Key: keys.runStep("ws_1", "run_1", "email") })
      .resolvesOnce({ Item: skipped })
      .resolvesOnce({ Item: skipped })
      .resolves({
        Item: {
          ...skipped,
          status: "executed",
          outcome: { status: "executed", detail: { messageId: "ses-1", reconciled: "send_event" } },
          recordedAt: "2026-11-21T10:00:01.000Z",
        },
      });
    db.on(GetCommand, { Key: keys.runStepEvidence("ws_1", "run_1", "email") })
      .resolvesOnce({ Item: { sent: first, "sent@attempt-1": first } })
      .resolves({
        Item: {
          sent: first,
          "sent@attempt-1": first,
          rejected: { ...first, reason: "Bad content" },
          "rejected@attempt-1": { ...first, reason: "Bad content" },
        },
      });
    const addMetric = vi.spyOn(Metrics.prototype, "addMetric");

    await handler(event("Email Sent", "ses-1"), context);

    // (the correction to executed, then the rejection's)
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(rejectCounts(addMetric)).toEqual([["RejectCorrected", "Count", 1]]);
  });
});
