import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EventReceivedDetail } from "../../../shared/contracts/bus.js";
import type { Moment } from "../../../shared/domain/moment.js";
import { context, setHandlerEnv } from "./env.js";

const sfn = mockClient(SFNClient);
const db = mockClient(DynamoDBDocumentClient);
let handler: (event: SQSEvent, ctx: typeof context) => Promise<SQSBatchResponse>;

const moment: Moment = {
  id: "m1",
  workspaceId: "ws_1",
  name: "Recover payment",
  description: "",
  goal: "recover",
  status: "running",
  version: 2,
  template: "custom",
  sourceIds: ["src_1"],
  actionsEnabled: true,
  samplingRate: 100,
  start: { event: "payment_failed" },
  end: [],
  reentry: { policy: "once" },
  steps: [
    {
      id: "s1",
      phase: "entry",
      delay: { amount: 1, unit: "hours" },
      action: { type: "send_email", templateId: "t1" },
    },
  ],
  createdAt: "2026-11-01T00:00:00.000Z",
  updatedAt: "2026-11-01T00:00:00.000Z",
};

function record(messageId: string, detail: Partial<EventReceivedDetail> = {}) {
  const full: EventReceivedDetail = {
    workspaceId: "ws_1",
    sourceId: "src_1",
    messageId,
    event: "payment_failed",
    accountId: "acct_1",
    timestamp: "2026-11-21T00:00:00.000Z",
    receivedAt: "2026-11-21T00:00:00.000Z",
    properties: {},
    ...detail,
  };
  return {
    messageId: `sqs-${messageId}`,
    receiptHandle: "r",
    body: JSON.stringify({ "detail-type": "Event Received", detail: full }),
    attributes: {} as SQSEvent["Records"][number]["attributes"],
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q",
    awsRegion: "us-east-1",
  };
}

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import("../../../functions/match/handler.js"));
});

beforeEach(() => {
  sfn.reset();
  db.reset();
  db.on(QueryCommand).resolves({ Items: [{ pk: "WS#ws_1", sk: "MOMENT#m1", type: "moment", ...moment }] });
  db.on(UpdateCommand).resolves({});
  db.on(PutCommand).resolves({});
});

describe("match handler", () => {
  it("starts one execution named by the run id, with delays in seconds", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:x", startDate: new Date() });

    const result = await handler({ Records: [record("msg-1")] }, context);

    expect(result.batchItemFailures).toEqual([]);
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(call?.args[0].input.name).toMatch(/^[0-9a-f]{40}$/);
    expect(JSON.parse(call?.args[0].input.input ?? "{}").steps).toEqual([
      { id: "s1", delaySeconds: 3600, action: { type: "send_email", templateId: "t1" } },
    ]);
  });

  it("treats ExecutionAlreadyExists as already started: a redelivery is not a failure", async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));

    const result = await handler({ Records: [record("msg-1")] }, context);

    expect(result.batchItemFailures).toEqual([]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it("reports only the record whose start failed, so only it is redelivered", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    sfn.on(StartExecutionCommand).callsFake((input: { input?: string }) => {
      const run = JSON.parse(input.input ?? "{}").run as { trigger: { messageId: string } };
      if (run.trigger.messageId === "msg-bad") throw throttled;
      return { executionArn: "arn:x", startDate: new Date() };
    });

    const result = await handler(
      { Records: [record("msg-ok"), record("msg-bad", { accountId: "acct_2" })] },
      context,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "sqs-msg-bad" }]);
  });
});
