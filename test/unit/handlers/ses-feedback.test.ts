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
});
