import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EventReceivedDetail } from "../../../shared/contracts/bus.js";
import { keys, table } from "../../../shared/contracts/table.js";
import { type ExecutionInput, executionInputOf } from "../../../shared/contracts/workflow.js";
import { runIdFor } from "../../../shared/domain/ids.js";
import type { Moment } from "../../../shared/domain/moment.js";
import { aMoment, aRun } from "../../support/fakes.js";
import { context, setHandlerEnv } from "./env.js";

const sfn = mockClient(SFNClient);
const db = mockClient(DynamoDBDocumentClient);
let handler: (event: SQSEvent, ctx: typeof context) => Promise<SQSBatchResponse>;
const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:moments-run";

const moment: Moment = aMoment({
  id: "m1",
  name: "Recover payment",
  version: 2,
  steps: [
    {
      id: "s1",
      phase: "entry",
      delay: { amount: 1, unit: "hours" },
      action: { type: "send_email", templateId: "t1" },
    },
  ],
});

function record(messageId: string, detail: Partial<EventReceivedDetail> = {}) {
  const full: EventReceivedDetail = {
    workspaceId: "ws_1",
    sourceId: "src_1",
    messageId,
    event: "payment_failed",
    accountId: "acct_1",
    timestamp: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
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

const momentItem = (m: Moment) => ({ ...keys.moment(m.workspaceId, m.id), type: "moment", ...m });

/** The execution inputs started, by execution name. */
function started(): Map<string, ExecutionInput> {
  return new Map(
    sfn
      .commandCalls(StartExecutionCommand)
      .map((c) => [c.args[0].input.name ?? "", JSON.parse(c.args[0].input.input ?? "{}") as ExecutionInput]),
  );
}

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import("../../../functions/match/handler.js"));
});

beforeEach(() => {
  sfn.reset();
  db.reset();
  // Nothing stored unless a test says so: no dedupe marker, profile, membership or run.
  db.on(GetCommand).resolves({});
  // The running moments starting on the event (GSI), and the account's active runs (none).
  db.on(QueryCommand).resolves({ Items: [] });
  db.on(QueryCommand, { IndexName: table.gsi1.indexName }).resolves({ Items: [momentItem(moment)] });
  db.on(TransactWriteCommand).resolves({});
  db.on(UpdateCommand).resolves({});
  db.on(PutCommand).resolves({});
  db.on(BatchWriteCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:x", startDate: new Date() });
  sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
});

type TransactItems = TransactWriteCommand["input"]["TransactItems"];
/** The account's activity for a message: its marker and the profile update, one transaction. */
const isTouch = (items: TransactItems) => items?.some((item) => item.Put?.Item?.touchedAt !== undefined);
/** The keys of the messages marked processed (after their work: an update of their marker). */
const markedPks = () =>
  db
    .commandCalls(UpdateCommand)
    .map((c) => c.args[0].input)
    .filter((input) => input.Key?.sk === "PROCESSED" && input.UpdateExpression?.includes("processedAt"))
    .map((input) => input.Key?.pk);
/** The transactions other than the activity's (entries, ends), in order. */
const transactions = () =>
  db
    .commandCalls(TransactWriteCommand)
    .map((c) => c.args[0].input.TransactItems)
    .filter((items) => !isTouch(items))
    .map((items) => items ?? []);

describe("match handler", () => {
  it("enters the run in one transaction and starts its entry execution, named by the run id", async () => {
    // Act
    const result = await handler({ Records: [record("msg-1")] }, context);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const runId = runIdFor("ws_1", "m1", "acct_1", "msg-1");
    const transaction = transactions()[0] ?? [];
    // Membership, run, account index, and the entry counted in the totals and the day series (with its hour).
    expect(transaction).toHaveLength(5);
    // The run pins its steps; the execution names them only.
    expect(transaction[1]?.Put?.Item).toMatchObject({
      ...keys.run("ws_1", runId),
      status: "active",
      entrySteps: [{ id: "s1", delaySeconds: 3600, action: { type: "send_email", templateId: "t1" } }],
    });
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(call?.args[0].input).toMatchObject({ stateMachineArn: STATE_MACHINE, name: runId });
    expect(JSON.parse(call?.args[0].input.input ?? "{}")).toEqual({
      wakes: [
        {
          seconds: 3600,
          run: { workspaceId: "ws_1", momentId: "m1", runId, accountId: "acct_1" },
          phase: "entry",
          steps: ["s1"],
          complete: true,
        },
      ],
    });
  });

  it("checks the dedupe marker first and writes it once the message is done", async () => {
    await handler({ Records: [record("msg-1")] }, context);

    const marker = keys.processedMessage("ws_1", "msg-1");
    const gets = db.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(gets[0]).toMatchObject({ Key: marker, ConsistentRead: true });
    expect(markedPks()).toEqual([marker.pk]);
    // The marker is written after the run's entry: a failure before it leaves the message to be redelivered.
    const order = db.calls().map((c) => {
      const command = c.args[0];
      if (command instanceof TransactWriteCommand && !isTouch(command.input.TransactItems)) return "enter";
      if (command instanceof UpdateCommand && command.input.Key?.pk === marker.pk) return "mark";
      return undefined;
    });
    expect(order.filter(Boolean)).toEqual(["enter", "mark"]);
  });

  it("does nothing more for a message already processed (a duplicate delivery)", async () => {
    db.on(GetCommand, { Key: keys.processedMessage("ws_1", "msg-1") }).resolves({
      Item: {
        ...keys.processedMessage("ws_1", "msg-1"),
        processedAt: "t",
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    });

    const result = await handler({ Records: [record("msg-1")] }, context);

    expect(result.batchItemFailures).toEqual([]);
    expect(db.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(markedPks()).not.toContain(keys.processedMessage("ws_1", "msg-1").pk);
  });

  it("treats ExecutionAlreadyExists as already started: a redelivery is not a failure", async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));

    const result = await handler({ Records: [record("msg-1")] }, context);

    expect(result.batchItemFailures).toEqual([]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it("reports only the record whose start failed, so only it is redelivered", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    sfn.on(StartExecutionCommand).callsFake((input: { name?: string }) => {
      if (input.name === runIdFor("ws_1", "m1", "acct_2", "msg-bad")) throw throttled;
      return { executionArn: "arn:x", startDate: new Date() };
    });

    const result = await handler(
      { Records: [record("msg-ok"), record("msg-bad", { accountId: "acct_2" })] },
      context,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "sqs-msg-bad" }]);
    // The failed message is not marked processed, so its redelivery is matched again.
    const marked = markedPks();
    expect(marked).toContain(keys.processedMessage("ws_1", "msg-ok").pk);
    expect(marked).not.toContain(keys.processedMessage("ws_1", "msg-bad").pk);
  });

  it("ends an active run on its end event: one transaction, entry stopped, completion steps started", async () => {
    // Prepare: acct_1 has an active run of a moment that ends on payment_succeeded.
    const ending: Moment = {
      ...moment,
      end: [{ outcome: "success", event: "payment_succeeded" }],
      steps: [
        ...moment.steps,
        {
          id: "thanks",
          phase: "completion",
          delay: { amount: 0, unit: "minutes" },
          action: { type: "send_email", templateId: "t2" },
        },
      ],
    };
    // Times relative to the handler's real clock: an end event must happen after the run's trigger.
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const run = aRun({
      momentId: "m1",
      runId: "run_active",
      startedAt: minutesAgo(9),
      trigger: { event: "payment_failed", messageId: "msg-1", timestamp: minutesAgo(10), properties: {} },
    });
    const completion = [
      { id: "thanks", delaySeconds: 0, action: { type: "send_email" as const, templateId: "t2" } },
    ];
    const activeRunItem = {
      ...keys.accountRun("ws_1", "acct_1", "m1"),
      type: "account_run",
      momentId: "m1",
      runId: "run_active",
      startedAt: run.startedAt,
      triggerTimestamp: run.trigger.timestamp,
    };
    // The account's active runs; no running moment starts on payment_succeeded.
    db.on(QueryCommand).callsFake(
      (input: { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> }) => ({
        Items:
          input.IndexName === undefined && input.ExpressionAttributeValues?.[":prefix"] === "ACTIVERUN#"
            ? [activeRunItem]
            : [],
      }),
    );
    db.on(GetCommand, { Key: keys.moment("ws_1", "m1") }).resolves({ Item: momentItem(ending) });
    db.on(GetCommand, { Key: keys.run("ws_1", "run_active") }).resolves({
      Item: {
        ...keys.run("ws_1", "run_active"),
        momentId: "m1",
        accountId: "acct_1",
        status: "success",
        endedBy: "msg-paid",
        startedAt: run.startedAt,
        endSteps: { completion, exit: [] },
        context: run,
      },
    });

    // Act
    const result = await handler(
      { Records: [record("msg-paid", { event: "payment_succeeded", timestamp: minutesAgo(1) })] },
      context,
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const transaction = transactions()[0] ?? [];
    expect(transaction[0]?.Update).toMatchObject({
      Key: keys.run("ws_1", "run_active"),
      ExpressionAttributeValues: expect.objectContaining({ ":outcome": "success", ":by": "msg-paid" }),
    });
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([
      `${STATE_MACHINE.replace(":stateMachine:", ":execution:")}:run_active`,
    ]);
    expect(started().get("run_active-end")).toEqual(
      executionInputOf({ run, phase: "completion", steps: completion, completeWhenStepsDone: false }),
    );
  });
});
